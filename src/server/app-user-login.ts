import type { Probot } from 'probot';

/**
 * The App's bot login (`SLUG[bot]`), read once with GET /app (as the App, not an installation). A failure
 * is not remembered: the next call asks again.
 */
export function createAppUserLogin(probot: Pick<Probot, 'auth'>): () => Promise<string> {
  let pending: Promise<string> | undefined;
  return () => {
    pending ??= (async () => {
      const octokit = await probot.auth();
      const { data } = await octokit.rest.apps.getAuthenticated();
      const slug = data?.slug;
      if (slug === undefined || slug === '') throw new Error('GET /app returned no slug');
      return `${slug}[bot]`;
    })().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
