import '@mantine/core/styles.css';
import './app.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { MantineProvider, createTheme, type CSSVariablesResolver } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter } from 'react-router';
import { loadConfig } from './config';
import { createAuth } from './auth/auth';
import { ApiError, createApi } from './api/client';
import { ApiContext, AuthContext } from './api/context';
import { App } from './App';

// Darker shades than Mantine's defaults so that text on the primary colour
// and dimmed text keep a 4.5:1 contrast (WCAG AA).
const theme = createTheme({
  primaryColor: 'blue',
  primaryShade: { light: 8, dark: 8 },
  defaultRadius: 'sm',
});

// Mantine's dimmed grey (#868e96) and error red (#fa5252) are about 3.3:1 on
// white; darker shades pass 4.5:1. The light variant's text (an Alert's
// title) in green or yellow is under 4.5:1 on its own tint even at shade 9,
// so those two get a darker colour of their own (about 7:1).
const cssVariables: CSSVariablesResolver = () => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': 'var(--mantine-color-gray-7)',
    '--mantine-color-error': 'var(--mantine-color-red-8)',
    '--mantine-color-green-light-color': '#1b5e20',
    '--mantine-color-yellow-light-color': '#6b4300',
  },
  dark: {},
});

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 10_000,
      // Retry only what may pass on a second try: the server's own failures.
      retry: (count, err) => !(err instanceof ApiError && err.status < 500) && count < 2,
    },
  },
});

async function start() {
  const root = createRoot(document.getElementById('root')!);
  try {
    const config = await loadConfig();
    const auth = await createAuth(config);
    const api = createApi(config.apiUrl, () => auth.current()?.token, () => void auth.signOut());
    root.render(
      <StrictMode>
        <MantineProvider theme={theme} cssVariablesResolver={cssVariables}>
          <QueryClientProvider client={queryClient}>
            <AuthContext.Provider value={auth}>
              <ApiContext.Provider value={api}>
                <BrowserRouter>
                  <App />
                </BrowserRouter>
              </ApiContext.Provider>
            </AuthContext.Provider>
          </QueryClientProvider>
        </MantineProvider>
      </StrictMode>,
    );
  } catch (err) {
    root.render(
      <main style={{ padding: '2rem', fontFamily: 'system-ui' }}>
        <h1>The console could not start</h1>
        <p role="alert">{err instanceof Error ? err.message : String(err)}</p>
      </main>,
    );
  }
}

void start();
