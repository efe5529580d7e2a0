import { describe, expect, it } from 'vitest';
import { useHandlerTestEnv, webhookExample } from './handler-test-env.ts';

// Real payloads: @octokit/webhooks-examples installation.created (installation 957387 on Codertocat, with
// Codertocat/Hello-World) and installation_repositories.added (Codertocat/Space added), unmodified.
const env = useHandlerTestEnv({
  // Installation events are only logged: no GitHub request, no job.
  afterEachTest: (finished) => expect(finished.requests).toEqual([]),
}).current;

describe('installation webhooks', () => {
  it('logs installation.created with the account and repositories, and does nothing else', async () => {
    await env().receive('installation', webhookExample('installation', 'created'), 'delivery-i1');
    expect(env().logs).toEqual([
      {
        level: 'info',
        message: 'installation changed',
        fields: expect.objectContaining({
          deliveryId: 'delivery-i1',
          event: 'installation',
          action: 'created',
          installationId: 957387,
          account: 'Codertocat',
          repositories: ['Codertocat/Hello-World'],
        }),
      },
    ]);
    expect(env().requests).toEqual([]);
    expect(await env().jobCount()).toBe(0);
  });

  it('logs installation_repositories.added with the repositories added and removed', async () => {
    await env().receive('installation_repositories', webhookExample('installation_repositories', 'added'));
    expect(env().logs).toEqual([
      {
        level: 'info',
        message: 'installation repositories changed',
        fields: expect.objectContaining({
          event: 'installation_repositories',
          action: 'added',
          added: ['Codertocat/Space'],
          removed: [],
        }),
      },
    ]);
    expect(env().requests).toEqual([]);
  });
});
