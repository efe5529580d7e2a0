import { readFileSync } from 'node:fs';
import type { Probot } from 'probot';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createApp } from '../src/app.ts';
import { WEBHOOK_PATH } from '../src/server/create-http-handler.ts';

interface Manifest {
  default_events: string[];
  default_permissions: Record<string, string>;
  hook_attributes: { url: string };
}

const manifest = parse(readFileSync(new URL('../app.yml', import.meta.url), 'utf8')) as Manifest;
// GitHub delivers these to every App whatever it subscribes to.
const ALWAYS_DELIVERED = new Set(['installation', 'installation_repositories']);

/** The event names the app registers handlers for, with delivery on (all handlers). */
function handledEvents(): string[] {
  const names: string[] = [];
  const probot = {
    on: (event: string | string[]) => names.push(...(Array.isArray(event) ? event : [event])),
  } as unknown as Probot;
  const unused = async () => {
    throw new Error('not called');
  };
  createApp({
    planQueue: { enqueue: unused, dropPullRequest: unused },
    deliverQueue: { enqueueMerge: unused },
  })(probot);
  return [...new Set(names.map((name) => name.split('.')[0]!))].sort();
}

describe('app.yml, the GitHub App manifest', () => {
  it('subscribes to exactly the events the app handles', () => {
    const handled = handledEvents().filter((event) => !ALWAYS_DELIVERED.has(event));
    expect([...manifest.default_events].sort()).toEqual(handled);
  });

  it('asks for no write access to code and nothing beyond what the README justifies', () => {
    expect(manifest.default_permissions).toEqual({
      contents: 'read',
      metadata: 'read',
      pull_requests: 'write',
      checks: 'write',
      statuses: 'write',
      members: 'read',
      merge_queues: 'read',
      issues: 'write',
    });
  });

  it('points the webhook at the path the server serves', () => {
    expect(new URL(manifest.hook_attributes.url).pathname).toBe(WEBHOOK_PATH);
  });
});
