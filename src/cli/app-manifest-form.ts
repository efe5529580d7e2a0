import { parse } from 'yaml';

/** GitHub's App manifest (docs: "Registering a GitHub App from a manifest"), as `app.yml` holds it. */
export interface AppManifest {
  name: string;
  url: string;
  hook_attributes: { url: string; active?: boolean };
  redirect_url?: string;
  public?: boolean;
  default_events: string[];
  default_permissions: Record<string, string>;
  [key: string]: unknown;
}

/** `app.yml` with this installation's webhook URL and the local page GitHub sends the browser back to. */
export function appManifest(
  appYml: string,
  o: { webhookUrl: string; redirectUrl: string; name?: string },
): AppManifest {
  const manifest = parse(appYml) as AppManifest;
  return {
    ...manifest,
    ...(o.name === undefined ? {} : { name: o.name }),
    hook_attributes: { ...manifest.hook_attributes, url: o.webhookUrl },
    redirect_url: o.redirectUrl,
  };
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The page that starts GitHub's manifest flow: a form that posts the manifest to GitHub's "new App" page (of the
 * user, or of `org`), submitted on load. `state` comes back with the code and is checked.
 */
export function manifestFormPage(o: {
  manifest: AppManifest;
  webUrl: string;
  org?: string;
  state: string;
}): string {
  const path =
    o.org === undefined
      ? '/settings/apps/new'
      : `/organizations/${encodeURIComponent(o.org)}/settings/apps/new`;
  const action = `${o.webUrl}${path}?state=${encodeURIComponent(o.state)}`;
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Register Mergeplane</title></head>
<body>
<form id="register" method="post" action="${escapeHtml(action)}">
<input type="hidden" name="manifest" value="${escapeHtml(JSON.stringify(o.manifest))}">
<p>Registering the GitHub App <strong>${escapeHtml(o.manifest.name)}</strong> on ${escapeHtml(o.webUrl)}…</p>
<button type="submit">Create the GitHub App</button>
</form>
<script>document.getElementById('register').submit();</script>
</body></html>
`;
}
