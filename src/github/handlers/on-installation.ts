import type { Context } from 'probot';
import type { HandlerDeps } from './handler-deps.ts';

/**
 * `installation` and `installation_repositories`: logged only (who installed, suspended or removed the
 * App, which repositories it gained or lost). Nothing is cached per installation, so nothing to update.
 */
export function createOnInstallation(
  deps: Pick<HandlerDeps, 'log'>,
): (context: Context<'installation'> | Context<'installation_repositories'>) => Promise<void> {
  return async (context) => {
    const log = deps.log ?? context.log;
    const { payload } = context;
    const base = {
      deliveryId: context.id,
      event: context.name,
      action: payload.action,
      installationId: payload.installation.id,
      account:
        payload.installation.account !== null && 'login' in payload.installation.account
          ? payload.installation.account.login
          : undefined,
      sender: payload.sender.login,
    };
    if ('repositories_added' in payload) {
      log.info(
        {
          ...base,
          added: payload.repositories_added.map((r) => r.full_name),
          removed: payload.repositories_removed.map((r) => r.full_name),
        },
        'installation repositories changed',
      );
      return;
    }
    const repositories =
      'repositories' in payload ? payload.repositories?.map((r) => r.full_name) : undefined;
    log.info({ ...base, ...(repositories === undefined ? {} : { repositories }) }, 'installation changed');
  };
}
