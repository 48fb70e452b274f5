// Token handling shared by both sign-in modes: the token lives in memory
// only (never localStorage), and its claims are read for display and expiry.

/** Claims the console reads from an ID token. */
export interface Claims {
  email?: string;
  groups: string[];
  exp?: number;
}

/** decodeClaims reads a JWT's payload without verifying it (the API does). */
export function decodeClaims(jwt: string): Claims {
  const part = jwt.split('.')[1];
  if (!part) throw new Error('not a JWT');
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
  const json = new TextDecoder().decode(Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0)));
  const p = JSON.parse(json) as Record<string, unknown>;
  const groups = Array.isArray(p['cognito:groups']) ? (p['cognito:groups'] as string[]) : [];
  return {
    email: typeof p.email === 'string' ? p.email : undefined,
    groups,
    exp: typeof p.exp === 'number' ? p.exp : undefined,
  };
}

/** isExpired says whether the claims expire within skewSeconds of nowSeconds. */
export function isExpired(c: Claims, nowSeconds: number, skewSeconds = 30): boolean {
  return c.exp !== undefined && c.exp - skewSeconds <= nowSeconds;
}

/**
 * takeFragmentToken reads "#id_token=..." (the local sign-in page's answer)
 * from a location hash and returns the token and the hash without it.
 */
export function takeFragmentToken(hash: string): { token?: string; rest: string } {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const token = params.get('id_token') ?? undefined;
  params.delete('id_token');
  const rest = params.toString();
  return { token, rest: rest ? `#${rest}` : '' };
}

/** isOperator says whether the claims name a platform operator. */
export function isOperator(c: Claims | undefined): boolean {
  return !!c?.groups.includes('platform-operators');
}
