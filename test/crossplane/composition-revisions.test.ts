import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CrossplaneObject, planClaims } from '../../src/crossplane/plan-claims.ts';
import { parseManifests } from '../../src/model/parse-manifests.ts';

/*
 * Crossplane composes an XR from a CompositionRevision. Editing a Composition creates a new revision carrying the
 * Composition's labels; an XR moves to it only under compositionUpdatePolicy Automatic (the default), and with a
 * compositionRevisionSelector only when the new revision's labels match. Under Manual it keeps the revision in its
 * compositionRevisionRef until someone changes it. (Crossplane docs, "Composition revisions".)
 */
const DEMO = join(import.meta.dirname, '../../fixtures/demo/base');
const DB_FILE = 'infra/databases/order-service-db.yaml';
const PG_COMPOSITION = 'crossplane/postgresql/composition.yaml';

function load(file: string, edit: (text: string) => string = (t) => t): CrossplaneObject[] {
  const text = edit(readFileSync(join(DEMO, file), 'utf8'));
  return parseManifests(text).map((d) => ({
    object: d.value as Record<string, unknown>,
    file,
    line: d.line,
  }));
}

const platform = (edit: (text: string) => string = (t) => t): CrossplaneObject[] => [
  ...load('crossplane/postgresql/definition.yaml'),
  ...load(PG_COMPOSITION, edit),
];

/** The Composition edit of the change under test: longer backups, and optionally new labels. */
const longerBackups = (labels?: string) => (text: string) => {
  const edited = text.replace('backupRetentionPeriod: 7', 'backupRetentionPeriod: 14');
  return labels ? edited.replace('    provider: aws\n', `    provider: aws\n${labels}`) : edited;
};
const channel = (name: string) => (text: string) =>
  text.replace('    provider: aws\n', `    provider: aws\n    channel: ${name}\n`);

/** Adds Crossplane fields to the XR (v2 keeps them under spec.crossplane). */
const claimWith = (fields: string) => (text: string) =>
  text.replace('  crossplane:\n', `  crossplane:\n${fields.replace(/^ {2}/gm, '    ')}`);

const BACKUP_CHANGE = {
  action: 'update',
  kind: 'Instance',
  name: 'rds-instance',
  fields: [{ path: 'spec.forProvider.backupRetentionPeriod', before: 7, after: 14 }],
};

function claimOf(base: CrossplaneObject[], head: CrossplaneObject[]) {
  const result = planClaims({ base: { objects: base }, head: { objects: head } });
  const claim = result.claims.find((c) => c.name === 'order-service-db');
  if (!claim) throw new Error('no claim order-service-db');
  return { claim, findings: result.findings };
}

describe('Composition revisions', () => {
  it('an existing claim under Automatic follows the edited Composition at once', () => {
    const { claim } = claimOf(
      [...platform(), ...load(DB_FILE)],
      [...platform(longerBackups()), ...load(DB_FILE)],
    );
    expect(claim.action).toBe('update');
    expect(claim.composed).toEqual([expect.objectContaining(BACKUP_CHANGE)]);
    expect(claim.deferred).toBeUndefined();
  });

  it('Manual keeps the claim on its current revision: deferred, with the change it gets when it moves', () => {
    const manual = claimWith('  compositionUpdatePolicy: Manual\n');
    const { claim, findings } = claimOf(
      [...platform(), ...load(DB_FILE, manual)],
      [...platform(longerBackups()), ...load(DB_FILE, manual)],
    );
    expect(findings).toEqual([]);
    expect(claim.action).toBe('deferred');
    expect(claim.composed).toEqual([]);
    expect(claim.summary).toEqual({ add: 0, change: 0, destroy: 0, blocked: 0 });
    expect(claim.deferred?.reason).toMatch(
      /^pinned to revision .*compositionUpdatePolicy Manual.*will not change until updated$/,
    );
    expect(claim.deferred?.composed).toEqual([expect.objectContaining(BACKUP_CHANGE)]);
    expect(claim.deferred?.summary).toEqual({ add: 0, change: 1, destroy: 0, blocked: 0 });
  });

  it('names the pinned compositionRevisionRef', () => {
    const pinned = claimWith(
      '  compositionUpdatePolicy: Manual\n  compositionRevisionRef:\n    name: postgresqlinstances.aws.database.mergeplane.io-3f2c9a1\n',
    );
    const { claim } = claimOf(
      [...platform(), ...load(DB_FILE, pinned)],
      [...platform(longerBackups()), ...load(DB_FILE, pinned)],
    );
    expect(claim.deferred?.reason).toContain(
      'pinned to revision postgresqlinstances.aws.database.mergeplane.io-3f2c9a1',
    );
  });

  it('a Manual claim edited itself is updated on its current revision and still deferred for the Composition', () => {
    const manual = claimWith('  compositionUpdatePolicy: Manual\n');
    const bigger = (text: string) => manual(text).replace('storageGB: 50', 'storageGB: 80');
    const { claim } = claimOf(
      [...platform(), ...load(DB_FILE, manual)],
      [...platform(longerBackups()), ...load(DB_FILE, bigger)],
    );
    expect(claim.action).toBe('update');
    const changed = claim.composed.flatMap((c) => (c.fields as { path: string }[]).map((f) => f.path));
    expect(changed).toEqual(['spec.forProvider.allocatedStorage']);
    expect(claim.deferred?.composed).toEqual([expect.objectContaining(BACKUP_CHANGE)]);
  });

  it('a compositionRevisionSelector the new revision no longer matches keeps the claim where it is', () => {
    const stable = claimWith('  compositionRevisionSelector:\n    matchLabels:\n      channel: stable\n');
    const { claim } = claimOf(
      [...platform(channel('stable')), ...load(DB_FILE, stable)],
      [...platform((t) => longerBackups()(channel('beta')(t))), ...load(DB_FILE, stable)],
    );
    expect(claim.action).toBe('deferred');
    expect(claim.deferred?.reason).toContain('compositionRevisionSelector channel=stable does not match');
    expect(claim.deferred?.composed).toEqual([expect.objectContaining(BACKUP_CHANGE)]);
  });

  it('a compositionRevisionSelector that matches neither revision never moves the XR to the new one', () => {
    const canary = claimWith('  compositionRevisionSelector:\n    matchLabels:\n      channel: canary\n');
    const { claim } = claimOf(
      [...platform(channel('stable')), ...load(DB_FILE, canary)],
      [...platform((t) => longerBackups()(channel('beta')(t))), ...load(DB_FILE, canary)],
    );
    expect(claim.action).toBe('deferred');
    expect(claim.composed).toEqual([]);
    expect(claim.deferred?.reason).toContain('matches no revision this repository shows either');
  });

  it('a compositionRevisionSelector the new revision matches moves the claim with it', () => {
    const stable = claimWith('  compositionRevisionSelector:\n    matchLabels:\n      channel: stable\n');
    const { claim } = claimOf(
      [...platform(channel('stable')), ...load(DB_FILE, stable)],
      [...platform((t) => longerBackups()(channel('stable')(t))), ...load(DB_FILE, stable)],
    );
    expect(claim.action).toBe('update');
    expect(claim.composed).toEqual([expect.objectContaining(BACKUP_CHANGE)]);
  });

  it('a new claim whose selector only the current revision matches is composed from that revision', () => {
    const stable = claimWith('  compositionRevisionSelector:\n    matchLabels:\n      channel: stable\n');
    const { claim } = claimOf(
      [...platform(channel('stable'))],
      [...platform((t) => longerBackups()(channel('beta')(t))), ...load(DB_FILE, stable)],
    );
    expect(claim.action).toBe('create');
    const instance = claim.composed.find((c) => c.name === 'rds-instance');
    const fields = instance?.fields as { path: string; after: unknown }[];
    expect(fields.find((f) => f.path === 'spec.forProvider.backupRetentionPeriod')?.after).toBe(7);
    expect(claim.notes).toEqual(
      expect.arrayContaining([expect.stringContaining('composed from the revision the base branch defines')]),
    );
  });

  it('a new claim whose selector no revision in the repository matches is named as not predicted', () => {
    const canary = claimWith('  compositionRevisionSelector:\n    matchLabels:\n      channel: canary\n');
    const { claim } = claimOf([...platform()], [...platform(longerBackups()), ...load(DB_FILE, canary)]);
    expect(claim.action).toBe('create');
    expect(claim.composed).toEqual([]);
    expect(claim.notes).toEqual(
      expect.arrayContaining([
        expect.stringContaining('composed resources not predicted: no revision of Composition'),
      ]),
    );
  });
});
