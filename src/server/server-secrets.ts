import { createPrivateKey } from 'node:crypto';
import { type Env, read, ServerEnvError, show } from './env-reading.ts';

export const MIN_WEBHOOK_SECRET_LENGTH = 8;

function decodeBase64Pem(text: string): string | undefined {
  const compact = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 === 1) return undefined;
  const decoded = Buffer.from(compact, 'base64').toString('utf8');
  return decoded.includes('-----BEGIN ') ? decoded : undefined;
}

/**
 * Accepts a PEM file's text, the same with newlines escaped as `\n` (one-line secrets), a PEM whose newlines
 * became spaces, or base64 of any of these. Reasons name PEM labels and parse failures, never key material.
 */
function normalizePrivateKey(name: string, raw: string): string {
  let text = raw.trim();
  if (!text.includes('-----BEGIN ')) {
    const decoded = decodeBase64Pem(text);
    if (decoded === undefined) {
      throw new ServerEnvError(
        name,
        'is not a PEM private key (expected "-----BEGIN RSA PRIVATE KEY-----" or "-----BEGIN PRIVATE KEY-----") nor base64 of one',
      );
    }
    text = decoded;
  }
  text = text.replace(/\\r\\n|\\n/g, '\n').replace(/\r\n?/g, '\n');
  const begin = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(text);
  if (!begin) throw new ServerEnvError(name, 'has no "-----BEGIN ... PRIVATE KEY-----" line');
  const label = begin[1]!;
  if (!label.endsWith('PRIVATE KEY')) {
    throw new ServerEnvError(name, `holds a PEM "${label}", not a private key`);
  }
  const endMarker = `-----END ${label}-----`;
  const bodyStart = begin.index + begin[0].length;
  const bodyEnd = text.indexOf(endMarker, bodyStart);
  if (bodyEnd === -1) throw new ServerEnvError(name, `is truncated (no "${endMarker}" line)`);
  const body = text.slice(bodyStart, bodyEnd);
  if (label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type:\s*4,ENCRYPTED/.test(body)) {
    throw new ServerEnvError(name, 'is encrypted; GitHub App keys are used without a passphrase');
  }
  if (label !== 'RSA PRIVATE KEY' && label !== 'PRIVATE KEY') {
    throw new ServerEnvError(name, `holds a "${label}"; GitHub App keys are RSA`);
  }
  const base64 = body.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) {
    throw new ServerEnvError(name, 'the key body between the PEM lines is not base64');
  }
  const lines = base64.match(/.{1,64}/g)!;
  const pem = `-----BEGIN ${label}-----\n${lines.join('\n')}\n${endMarker}\n`;
  let keyType: string | undefined;
  try {
    keyType = createPrivateKey(pem).asymmetricKeyType;
  } catch {
    // Node's decoder message is generic and safe, but a fixed reason keeps the rule simple: nothing from the key.
    throw new ServerEnvError(name, 'could not be parsed as a private key (damaged or incomplete)');
  }
  if (keyType !== 'rsa')
    throw new ServerEnvError(name, `is a ${keyType ?? 'non-RSA'} key; GitHub App keys are RSA`);
  return pem;
}

export function loadPrivateKey(env: Env, readFile: (path: string) => string): string {
  const inline = read(env, 'PRIVATE_KEY');
  const path = read(env, 'PRIVATE_KEY_PATH')?.trim();
  if (inline !== undefined && path !== undefined) {
    throw new ServerEnvError('PRIVATE_KEY', 'set either PRIVATE_KEY or PRIVATE_KEY_PATH, not both');
  }
  if (inline !== undefined) return normalizePrivateKey('PRIVATE_KEY', inline);
  if (path === undefined) {
    throw new ServerEnvError(
      'PRIVATE_KEY',
      "required: the GitHub App's private key (PEM, escaped or base64), or set PRIVATE_KEY_PATH to its file",
    );
  }
  return normalizePrivateKey('PRIVATE_KEY_PATH', readSecretFile('PRIVATE_KEY_PATH', path, readFile));
}

/** A secret kept in a file (mode 0400, unreadable by the render user) rather than in the environment. */
function readSecretFile(variable: string, path: string, readFile: (path: string) => string): string {
  try {
    return readFile(path);
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    const why = code === 'ENOENT' ? 'no such file' : typeof code === 'string' ? code : 'read failed';
    throw new ServerEnvError(variable, `cannot read ${show(path)} (${why})`);
  }
}

export function loadWebhookSecret(env: Env, readFile: (path: string) => string): string {
  const inline = read(env, 'WEBHOOK_SECRET');
  const path = read(env, 'WEBHOOK_SECRET_PATH')?.trim();
  if (inline !== undefined && path !== undefined) {
    throw new ServerEnvError('WEBHOOK_SECRET', 'set either WEBHOOK_SECRET or WEBHOOK_SECRET_PATH, not both');
  }
  // A trailing newline in a mounted file is not part of the secret GitHub signs with.
  const secret =
    path === undefined ? inline : readSecretFile('WEBHOOK_SECRET_PATH', path, readFile).replace(/\r?\n$/, '');
  const variable = path === undefined ? 'WEBHOOK_SECRET' : 'WEBHOOK_SECRET_PATH';
  if (secret === undefined) {
    throw new ServerEnvError(
      'WEBHOOK_SECRET',
      "required: the secret set in the GitHub App's webhook settings (or WEBHOOK_SECRET_PATH to its file)",
    );
  }
  if (secret.length < MIN_WEBHOOK_SECRET_LENGTH) {
    throw new ServerEnvError(
      variable,
      `too short (${secret.length} characters, at least ${MIN_WEBHOOK_SECRET_LENGTH})`,
    );
  }
  return secret;
}
