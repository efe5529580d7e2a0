import type { Octokit } from '@octokit/rest';
import { requestStatus } from './request-status.ts';

/** Whether `user` is an active member of team `teamSlug` in organization `org`. */
export type IsTeamMember = (org: string, teamSlug: string, user: string) => Promise<boolean>;

/**
 * `GET /orgs/{org}/teams/{team_slug}/memberships/{username}`: only state `active` counts (a `pending`
 * invitation does not). 404 — no such team or not a member — is false; so is 403 (the App lacks the
 * organization's members permission), which `onForbidden` gets to report. Anything else throws, so the
 * job retries rather than refusing an approval on a transient error.
 */
export function createTeamMembershipChecker(
  octokit: Octokit,
  onForbidden: (org: string, teamSlug: string) => void = () => {},
): IsTeamMember {
  return async (org, teamSlug, user) => {
    try {
      const { data } = await octokit.rest.teams.getMembershipForUserInOrg({
        org,
        team_slug: teamSlug,
        username: user,
      });
      return data.state === 'active';
    } catch (error) {
      const status = requestStatus(error);
      if (status === 404) return false;
      if (status === 403) {
        onForbidden(org, teamSlug);
        return false;
      }
      throw error;
    }
  };
}
