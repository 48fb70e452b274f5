import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config';
import { toApiError } from './client';

describe('API errors', () => {
  it('puts each detail on the field it names, sub-fields included', () => {
    const err = toApiError(400, {
      error: {
        code: 'invalid',
        message: 'bad',
        details: [
          { field: 'admins[1].email', message: 'is not an email' },
          { field: 'name', message: 'is blank' },
          { field: 'body', message: 'too big' },
        ],
      },
    });
    expect(err.field('admins')).toBe('is not an email');
    expect(err.field('name')).toBe('is blank');
    expect(err.field('nameX')).toBeUndefined();
    expect(err.unclaimed(['admins', 'name']).map((d) => d.field)).toEqual(['body']);
  });

  it('reads API Gateway’s own error shape and empty bodies', () => {
    expect(toApiError(401, { message: 'Unauthorized' })).toMatchObject({ status: 401, code: 'unauthorised', message: 'Unauthorized' });
    expect(toApiError(502, undefined)).toMatchObject({ status: 502, message: 'HTTP 502' });
  });
});

describe('config.json', () => {
  it('accepts local and oidc settings and names what is missing', () => {
    expect(parseConfig({ mode: 'local', apiUrl: '' })).toEqual({ mode: 'local', apiUrl: '', signInUrl: '/_local/sign-in' });
    expect(parseConfig({ mode: 'oidc', apiUrl: 'https://api.example.com/', issuer: 'https://idp', clientId: 'c' })).toMatchObject({ apiUrl: 'https://api.example.com' });
    expect(() => parseConfig({ mode: 'oidc', apiUrl: 'x' })).toThrow('config.json lacks issuer, clientId');
    expect(() => parseConfig({ mode: 'other' })).toThrow(/mode must be/);
  });
});
