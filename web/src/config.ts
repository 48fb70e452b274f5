// The console's runtime settings, read from /config.json at start-up so that
// one bundle runs anywhere: the stack writes that file beside the bundle in
// AWS (mode "oidc"); under `make dev` the local gateway answers it (mode
// "local"). Nothing environment-specific is baked into the bundle.

export type Config =
  | { mode: 'local'; apiUrl: string; signInUrl: string }
  | { mode: 'oidc'; apiUrl: string; issuer: string; clientId: string; scope?: string };

/** parseConfig checks a config.json body, naming every missing setting. */
export function parseConfig(raw: unknown): Config {
  if (typeof raw !== 'object' || raw === null) throw new Error('config.json is not a JSON object');
  const c = raw as Record<string, unknown>;
  const str = (k: string) => (typeof c[k] === 'string' ? (c[k] as string) : undefined);
  const apiUrl = (str('apiUrl') ?? '').replace(/\/+$/, '');
  if (c.mode === 'local') {
    return { mode: 'local', apiUrl, signInUrl: str('signInUrl') ?? '/_local/sign-in' };
  }
  if (c.mode === 'oidc') {
    const missing = ['apiUrl', 'issuer', 'clientId'].filter((k) => !str(k));
    if (missing.length) throw new Error(`config.json lacks ${missing.join(', ')}`);
    return { mode: 'oidc', apiUrl, issuer: str('issuer')!, clientId: str('clientId')!, scope: str('scope') };
  }
  throw new Error(`config.json: mode must be "local" or "oidc", not ${JSON.stringify(c.mode)}`);
}

/** loadConfig fetches and checks /config.json. */
export async function loadConfig(): Promise<Config> {
  const res = await fetch('/config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`config.json: HTTP ${res.status}`);
  return parseConfig(await res.json());
}
