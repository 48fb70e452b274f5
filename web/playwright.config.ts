import { defineConfig } from '@playwright/test';
import { execFileSync } from 'node:child_process';

// The tests run against the whole local system, started here: the dev
// gateway (API, console, local sign-in) on a free port, on an emulator of
// its own (infra/scripts/with-endpoint.sh; AWS_ENDPOINT_URL to name one).
// E2E_BASE_URL points them at a system already running instead.
// The ports are chosen once, in the runner, and inherited by the workers
// (E2E_PORT and AWS_ENDPOINT_URL name them instead). The tests read the
// emails sent back from that endpoint, and the emails' learner links point
// at the console (LEARNER_APP_URL), so a learner can follow them.
const freePort = () => execFileSync('python3', ['-c', 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])']).toString().trim();
if (!process.env.E2E_BASE_URL && !process.env.E2E_PORT) process.env.E2E_PORT = freePort();
if (!process.env.E2E_BASE_URL && !process.env.AWS_ENDPOINT_URL) process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${freePort()}`;
const baseURL = process.env.E2E_BASE_URL ?? `http://127.0.0.1:${process.env.E2E_PORT}`;
const root = new URL('..', import.meta.url).pathname;

export default defineConfig({
  testDir: 'e2e',
  // One worker: the tests share one system and the machine has two cores.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  // Generous bounds: progress-bound waits, on a shared machine.
  timeout: 300_000,
  expect: { timeout: 60_000 },
  reporter: [['list']],
  use: {
    baseURL,
    // Debian's chromium package, never a downloaded browser.
    launchOptions: { executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] },
    trace: 'retain-on-failure',
    viewport: { width: 1280, height: 900 },
  },
  webServer: process.env.E2E_BASE_URL
    ? undefined
    : {
        command: 'go build -o .build/dev-e2e ./infra/cmd/dev && exec infra/scripts/with-endpoint.sh .build/dev-e2e',
        cwd: root,
        url: `${baseURL}/v1/health`,
        env: {
          PORT: process.env.E2E_PORT!,
          AWS_ENDPOINT_URL: process.env.AWS_ENDPOINT_URL!,
          LEARNER_APP_URL: baseURL,
          CONSOLE_DIR: 'web/dist',
          LOG_LEVEL: 'warn',
          // As the Makefile sets them, for a run outside make.
          AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
          AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'test',
          AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'test',
          DEV_JWT_SECRET: process.env.DEV_JWT_SECRET ?? 'local-dev-secret-change-me',
        },
        timeout: 240_000,
        reuseExistingServer: false,
        stdout: 'ignore',
        stderr: 'pipe',
      },
});
