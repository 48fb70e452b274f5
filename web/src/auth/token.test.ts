import { describe, expect, it } from 'vitest';
import { decodeClaims, isExpired, isOperator, takeFragmentToken } from './token';

// JWT payloads are UTF-8 JSON, base64url-encoded.
const b64url = (o: object) => btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(o)))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const jwt = (claims: object) => `${b64url({ alg: 'HS256' })}.${b64url(claims)}.sig`;

describe('token handling', () => {
  it('reads email, groups and expiry, including non-ASCII payloads', () => {
    const c = decodeClaims(jwt({ email: 'zoë@example.com', 'cognito:groups': ['platform-operators'], exp: 100 }));
    expect(c).toEqual({ email: 'zoë@example.com', groups: ['platform-operators'], exp: 100 });
    expect(isOperator(c)).toBe(true);
    expect(isOperator(decodeClaims(jwt({ email: 'a@b.c' })))).toBe(false);
    expect(() => decodeClaims('nope')).toThrow('not a JWT');
  });

  it('counts a token as expired within the skew of its expiry', () => {
    expect(isExpired({ groups: [], exp: 1000 }, 900)).toBe(false);
    expect(isExpired({ groups: [], exp: 1000 }, 971)).toBe(true);
    expect(isExpired({ groups: [] }, 1e12)).toBe(false);
  });

  it('takes the token out of the fragment and keeps the rest', () => {
    expect(takeFragmentToken('#id_token=abc.def.ghi&tab=2')).toEqual({ token: 'abc.def.ghi', rest: '#tab=2' });
    expect(takeFragmentToken('#id_token=x')).toEqual({ token: 'x', rest: '' });
    expect(takeFragmentToken('')).toEqual({ token: undefined, rest: '' });
  });
});
