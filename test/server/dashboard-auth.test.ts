import { describe, expect, it } from 'vitest';
import { checkBasicAuth } from '../../src/server/dashboard-auth.ts';

const expected = { user: 'ops', password: 's3cret:with-colon' };

function basic(credentials: string, scheme = 'Basic'): string {
  return `${scheme} ${Buffer.from(credentials, 'utf8').toString('base64')}`;
}

describe('checkBasicAuth', () => {
  it('accepts the configured user and password (the password may contain ":"; the scheme is case-insensitive)', () => {
    expect(checkBasicAuth(basic('ops:s3cret:with-colon'), expected)).toBe('ok');
    expect(checkBasicAuth(basic('ops:s3cret:with-colon', 'basic'), expected)).toBe('ok');
  });

  it('accepts UTF-8 credentials', () => {
    const unicode = { user: 'opérateur', password: 'mot-de-passe-é✓' };
    expect(checkBasicAuth(basic('opérateur:mot-de-passe-é✓'), unicode)).toBe('ok');
  });

  it.each([
    ['a wrong user', 'root:s3cret:with-colon'],
    ['a wrong password', 'ops:s3cret:with-colom'],
    ['a password one character short', 'ops:s3cret:with-colo'],
    ['a password one character longer', 'ops:s3cret:with-colon!'],
    ['a password that is a prefix of the right one', 'ops:s3cret'],
    ['an empty password', 'ops:'],
    ['an empty user', ':s3cret:with-colon'],
    ['user and password swapped', 's3cret:with-colon:ops'],
  ])('refuses %s', (_label, credentials) => {
    expect(checkBasicAuth(basic(credentials), expected)).toBe('mismatch');
  });

  it('tells a missing header from a malformed one', () => {
    expect(checkBasicAuth(undefined, expected)).toBe('missing');
    expect(checkBasicAuth('', expected)).toBe('missing');
    for (const header of [
      'Basic',
      'Basic ',
      'Basic !!!!',
      'Basic b3Bz', // "ops": no colon
      'Basic b3BzOnM', // not a multiple of 4 characters
      basic('ops:s3cret:with-colon', 'Bearer'),
      `Basic ${Buffer.from('ops:s3cret:with-colon').toString('base64')} extra`,
      'ops:s3cret:with-colon',
    ]) {
      expect(checkBasicAuth(header, expected), header).toBe('malformed');
    }
  });
});
