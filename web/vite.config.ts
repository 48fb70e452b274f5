/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The API is on the console's origin under `make dev` (the local gateway
// serves both); `npm run dev` proxies /v1, /config.json and /_local to a
// running `make dev` (DEV_API, default http://127.0.0.1:8080).
const api = process.env.DEV_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: { '/v1': api, '/config.json': api, '/_local': api },
  },
  build: {
    target: 'es2022',
    sourcemap: false,
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
  },
});
