import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { directoryConfigReader } from '../../src/cli/directory-config-reader.ts';
import {
  type ConfigFileReader,
  ConfigSourceError,
  describeSource,
  loadExtendedConfig,
  mergeConfigValues,
  parseExtends,
} from '../../src/config/config-extends.ts';
import { ConfigError } from '../../src/config/load-config.ts';

/* Probot's convention (probot-config, @probot/octokit-plugin-config): `_extends: repo`, `owner/repo`, with `:path`;
 * `.github` is the organisation's defaults repository; the path defaults to the same config path. */
const SELF = { owner: 'acme', repo: 'gitops', path: '.github/mergeplane.yml' };

describe('parseExtends', () => {
  it.each([
    ['.github', { owner: 'acme', repo: '.github', path: '.github/mergeplane.yml' }],
    ['platform-defaults', { owner: 'acme', repo: 'platform-defaults', path: '.github/mergeplane.yml' }],
    ['other-org/defaults', { owner: 'other-org', repo: 'defaults', path: '.github/mergeplane.yml' }],
    ['.github:mergeplane/base.yml', { owner: 'acme', repo: '.github', path: 'mergeplane/base.yml' }],
  ])('%s', (value, expected) => {
    expect(parseExtends(value, SELF, '.github/mergeplane.yml')).toEqual(expected);
  });

  it.each(['', 'a/b/c', 'repo:/etc/passwd', 'repo:../secrets.yml', '../x', 'repo:a//b'])(
    'refuses %j',
    (value) => {
      expect(() => parseExtends(value, SELF, '.github/mergeplane.yml')).toThrow(ConfigError);
    },
  );
});

describe('mergeConfigValues', () => {
  it('merges maps key by key, the extending file winning; lists are replaced, not concatenated', () => {
    expect(
      mergeConfigValues(
        { approval: { users: ['org-admin'], teams: ['platform'] }, render: { concurrency: 2 } },
        { approval: { users: ['alice'] }, comment: { maxParts: 3 } },
      ),
    ).toEqual({
      approval: { users: ['alice'], teams: ['platform'] },
      render: { concurrency: 2 },
      comment: { maxParts: 3 },
    });
  });
});

function reader(files: Record<string, string>): ConfigFileReader {
  return async (source) => files[describeSource(source)];
}

const load = (text: string, files: Record<string, string> | undefined) =>
  loadExtendedConfig({ text, file: '.github/mergeplane.yml', self: SELF, read: files && reader(files) });

describe('loadExtendedConfig', () => {
  it('applies the organisation defaults under the repository config, through a chain of files', async () => {
    const config = await load('_extends: .github\napproval: {users: [alice]}\n', {
      'acme/.github:.github/mergeplane.yml':
        '_extends: acme/security:policy/mergeplane.yml\napproval: {teams: [platform]}\nrender: {concurrency: 2}\n',
      'acme/security:policy/mergeplane.yml':
        'approval: {destructiveKinds: [Namespace, ConfigMap]}\nrender: {concurrency: 8}\n',
    });
    expect(config.approval).toMatchObject({
      users: ['alice'],
      teams: ['platform'],
      destructiveKinds: ['Namespace', 'ConfigMap'],
    });
    expect(config.render.concurrency).toBe(2);
  });

  it.each([
    [
      'a parent that does not exist',
      {},
      /\.github\/mergeplane\.yml → acme\/\.github:\.github\/mergeplane\.yml: not found/,
    ],
    [
      'an invalid parent',
      { 'acme/.github:.github/mergeplane.yml': 'render: {concurency: 2}\n' },
      /acme\/\.github:\.github\/mergeplane\.yml extended by \.github\/mergeplane\.yml.*render.*unknown key "concurency"/,
    ],
    [
      'a parent that is not YAML',
      { 'acme/.github:.github/mergeplane.yml': 'render: [\n' },
      /→ acme\/\.github:\.github\/mergeplane\.yml: acme\/\.github:\.github\/mergeplane\.yml:\d+: invalid YAML/,
    ],
    ['a cycle', { 'acme/.github:.github/mergeplane.yml': '_extends: acme/.github\n' }, /forms a cycle/],
    ['no way to read parents', undefined, /--config-extends DIR/],
  ])('fails the config with the chain of files for %s', async (_label, files, message) => {
    await expect(load('_extends: .github\n', files)).rejects.toThrow(message);
  });

  it('names the chain when the reader says the parent cannot be read, and leaves other failures to the caller', async () => {
    const text = '_extends: .github\n';
    const refusing: ConfigFileReader = async () => {
      throw new ConfigSourceError('acme/.github is not in the installation');
    };
    await expect(loadExtendedConfig({ text, file: 'f.yml', self: SELF, read: refusing })).rejects.toThrow(
      new ConfigError(
        'f.yml → acme/.github:.github/mergeplane.yml: cannot read it: acme/.github is not in the installation',
        'f.yml',
      ),
    );
    const outage = new Error('connection reset');
    const flaky: ConfigFileReader = async () => {
      throw outage;
    };
    await expect(loadExtendedConfig({ text, file: 'f.yml', self: SELF, read: flaky })).rejects.toBe(outage);
  });
});

describe('--config-extends DIR', () => {
  const dir = mkdtempSync(join(tmpdir(), 'config-extends-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  write('.github/.github/mergeplane.yml', 'comment: {maxParts: 4}\n');
  write('secret.txt', 'not a config');

  it('reads the named repository from the folder beside the others', async () => {
    const read = directoryConfigReader(dir);
    expect(await read({ owner: 'acme', repo: '.github', path: '.github/mergeplane.yml' })).toBe(
      'comment: {maxParts: 4}\n',
    );
    expect(await read({ repo: 'missing', path: '.github/mergeplane.yml' })).toBeUndefined();
  });

  it('never reads outside the repository folder', async () => {
    await expect(directoryConfigReader(dir)({ repo: '.github', path: '../secret.txt' })).rejects.toThrow(
      /leaves/,
    );
  });
});
