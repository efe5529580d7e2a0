import type { StickyMarker } from './sticky-marker.ts';

const MARKER =
  /^<!-- mergeplane:diff pr=([1-9]\d{0,15}) app=([A-Za-z0-9.%]{1,800}) part=([1-9]\d{0,15})\/([1-9]\d{0,15}) -->(?:\r?\n|$)/;

/**
 * Application names come from the repository: everything but `[a-z0-9.]` is percent-encoded (also `-`,
 * `!` and `>`), so no name can end the HTML comment (`-->`, `--!>`) or look like another marker field.
 */
function encodeApp(app: string): string {
  return Array.from(new TextEncoder().encode(app.toLowerCase()), (byte) => {
    const char = String.fromCharCode(byte);
    return /[a-z0-9.]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('');
}

/**
 * The sticky comment of `/mergeplane diff APP` for pull request `pr` and one application (`namespace/name`):
 * `<!-- mergeplane:diff pr=12 app=argocd%2Fweb part=1/3 -->`. One per (pull request, application); the plan
 * comment's marker never matches it, nor the reverse.
 */
export function diffStickyMarker(pr: number, app: string): StickyMarker {
  const encoded = encodeApp(app);
  return {
    format: (part, total) => {
      if (!Number.isSafeInteger(pr) || pr < 1 || !Number.isSafeInteger(part) || part < 1 || part > total) {
        throw new RangeError(`invalid diff comment marker: pr=${pr} part=${part}/${total}`);
      }
      return `<!-- mergeplane:diff pr=${pr} app=${encoded} part=${part}/${total} -->`;
    },
    parse: (body) => {
      const match = MARKER.exec(body);
      if (!match || Number(match[1]) !== pr || match[2] !== encoded) return undefined;
      const part = Number(match[3]);
      return part <= Number(match[4]) ? part : undefined;
    },
  };
}
