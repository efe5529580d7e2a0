import { createHash, timingSafeEqual } from 'node:crypto';

export interface BasicCredentials {
  user: string;
  password: string;
}

/** Why a request was refused; never carries what the client sent. */
export type BasicAuthOutcome = 'ok' | 'missing' | 'malformed' | 'mismatch';

const BASIC = /^Basic[ \t]+([A-Za-z0-9+/]+={0,2})[ \t]*$/i;

/**
 * Fixed-length digests make `timingSafeEqual` applicable to inputs of any length, so neither the length nor
 * the first differing byte of a guess shows in the response time (SHA-256 equality is value equality).
 */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/**
 * Checks an `Authorization` header against the dashboard's credentials (RFC 7617, UTF-8). Both the user and
 * the password are always compared, so a right user with a wrong password takes as long as a wrong user.
 */
export function checkBasicAuth(header: string | undefined, expected: BasicCredentials): BasicAuthOutcome {
  if (header === undefined || header === '') return 'missing';
  const match = BASIC.exec(header);
  if (!match || match[1]!.length % 4 !== 0) return 'malformed';
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return 'malformed';
  const userOk = sameSecret(decoded.slice(0, colon), expected.user);
  const passwordOk = sameSecret(decoded.slice(colon + 1), expected.password);
  // `&` rather than `&&`: no short circuit on the user.
  return (Number(userOk) & Number(passwordOk)) === 1 ? 'ok' : 'mismatch';
}
