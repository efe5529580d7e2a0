/** A fasttemplate string with a `{{` that never closes. */
export class FasttemplateError extends Error {
  override readonly name = 'FasttemplateError';
}

/** Argo CD only runs fasttemplate on strings where some line holds `{{` … `}}` (its regexp `.*{{.*}}.*`). */
function looksTemplated(text: string): boolean {
  for (const line of text.split('\n')) {
    const open = line.indexOf('{{');
    if (open !== -1 && line.indexOf('}}', open + 2) !== -1) return true;
  }
  return false;
}

/**
 * Argo CD's default (non-Go) templating: `{{name}}` and `{{ name }}` become the parameter's value when it is
 * a string; anything else, including unknown names, is left exactly as written.
 */
export function renderFasttemplate(text: string, params: Readonly<Record<string, unknown>>): string {
  if (!looksTemplated(text)) return text;
  let out = '';
  let pos = 0;
  for (;;) {
    const open = text.indexOf('{{', pos);
    if (open === -1) return out + text.slice(pos);
    const close = text.indexOf('}}', open + 2);
    if (close === -1) throw new FasttemplateError(`cannot find end tag "}}" in "${text}"`);
    out += text.slice(pos, open);
    const tag = text.slice(open + 2, close);
    const key = tag.trim();
    const value = key !== '' && Object.hasOwn(params, key) ? params[key] : undefined;
    out += typeof value === 'string' ? value : `{{${tag}}}`;
    pos = close + 2;
  }
}
