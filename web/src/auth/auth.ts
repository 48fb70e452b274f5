import type { Config } from '../config';
import { decodeClaims, isExpired, takeFragmentToken, type Claims } from './token';

/** Session is who is signed in, as the console needs it. */
export interface Session {
  token: string;
  claims: Claims;
}

/** Auth signs in and out and hands the current token to the API client. */
export interface Auth {
  /** current returns the session, or undefined when signed out or expired. */
  current(): Session | undefined;
  /** signIn leaves for the sign-in page and comes back to returnTo. */
  signIn(returnTo: string): Promise<void>;
  signOut(): Promise<void>;
  /** subscribe calls fn on every change of session; it returns the unsubscriber. */
  subscribe(fn: () => void): () => void;
}

/**
 * createAuth sets up sign-in for the config's mode and completes a sign-in
 * in progress (the local page's fragment, or the OIDC callback). The OIDC
 * library is loaded only in "oidc" mode, so local development code and the
 * deployed path stay apart.
 */
export async function createAuth(config: Config): Promise<Auth> {
  if (config.mode === 'oidc') {
    const { createOidcAuth } = await import('./oidc');
    return createOidcAuth(config);
  }
  return createLocalAuth(config.signInUrl);
}

function createLocalAuth(signInUrl: string): Auth {
  let session: Session | undefined;
  const listeners = new Set<() => void>();
  const { token, rest } = takeFragmentToken(window.location.hash);
  if (token) {
    session = { token, claims: decodeClaims(token) };
    window.history.replaceState(null, '', window.location.pathname + window.location.search + rest);
  }
  return {
    current() {
      if (session && isExpired(session.claims, Date.now() / 1000)) session = undefined;
      return session;
    },
    async signIn(returnTo) {
      window.location.assign(`${signInUrl}?return=${encodeURIComponent(returnTo)}`);
    },
    async signOut() {
      session = undefined;
      listeners.forEach((fn) => fn());
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}
