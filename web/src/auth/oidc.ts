// Sign-in in AWS: authorization code + PKCE against the deployment's OIDC
// issuer (the stack's Cognito user pool or another), tokens in memory only,
// renewed silently before they expire.
import { InMemoryWebStorage, UserManager, WebStorageStateStore, type User } from 'oidc-client-ts';
import type { Auth, Session } from './auth';
import { decodeClaims } from './token';

const callbackPath = '/auth/callback';

export async function createOidcAuth(config: { issuer: string; clientId: string; scope?: string }): Promise<Auth> {
  const origin = window.location.origin;
  const mgr = new UserManager({
    authority: config.issuer,
    client_id: config.clientId,
    redirect_uri: origin + callbackPath,
    post_logout_redirect_uri: origin + '/',
    response_type: 'code',
    scope: config.scope ?? 'openid email profile',
    userStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
    automaticSilentRenew: true,
  });
  let user: User | null = null;
  const listeners = new Set<() => void>();
  const changed = (u: User | null) => {
    user = u;
    listeners.forEach((fn) => fn());
  };
  mgr.events.addUserLoaded((u) => changed(u));
  mgr.events.addUserUnloaded(() => changed(null));
  mgr.events.addSilentRenewError(() => changed(null));

  if (window.location.pathname === callbackPath) {
    const u = await mgr.signinRedirectCallback();
    user = u;
    const back = typeof u.state === 'string' && u.state.startsWith('/') ? u.state : '/';
    window.history.replaceState(null, '', back);
  }
  return {
    current(): Session | undefined {
      // The API reads the caller's email from the ID token, as Cognito puts it there.
      if (!user || user.expired || !user.id_token) return undefined;
      return { token: user.id_token, claims: decodeClaims(user.id_token) };
    },
    async signIn(returnTo) {
      await mgr.signinRedirect({ state: returnTo });
    },
    async signOut() {
      await mgr.removeUser();
      await mgr.signoutRedirect().catch(() => changed(null));
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}
