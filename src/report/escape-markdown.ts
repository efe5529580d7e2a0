/**
 * Escaping for text that comes from the repository (names, paths, messages, diffs) and ends up in the
 * PR comment. Everything here is meant for GitHub-flavoured Markdown as GitHub renders it, including
 * inside HTML blocks such as `<details><summary>`.
 */

// Numeric entities rather than backslash escapes: entities are decoded both in Markdown inline
// content and inside raw HTML blocks (`<summary>`), where a backslash would show up literally.
// `|` as an entity does not split a GFM table cell.
const INLINE_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '|': '&#124;',
  '`': '&#96;',
  '*': '&#42;',
  _: '&#95;',
  '[': '&#91;',
  ']': '&#93;',
  '~': '&#126;',
  '\\': '&#92;',
};

// Line breaks and other control characters: a table row or a list item must stay on one line.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this matches
const CONTROL = /[\u0000-\u001f\u007f\u2028\u2029]+/g;

/**
 * Text safe anywhere inside a line: prose, table cells, bold/emphasis, and HTML such as `<summary>`
 * or `<code>`. Markdown and HTML syntax is entity-encoded, line breaks become spaces, and `@` gets a
 * zero-width space after it, so no `@user` or `@org/team` mention reaches anyone.
 */
export function escapeInline(text: string): string {
  return text
    .replace(CONTROL, ' ')
    .replace(/[&<>"|`*_[\]~\\]/g, (c) => INLINE_ENTITIES[c] ?? c)
    .replace(/@/g, '@\u200b');
}

function longestBacktickRun(text: string): number {
  let longest = 0;
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  return longest;
}

/**
 * An inline code span for repository text (outside tables): the delimiter is longer than any backtick
 * run inside, so the content cannot close it. Mentions and HTML are inert inside code.
 */
export function codeSpan(text: string): string {
  const content = text.replace(CONTROL, ' ');
  const fence = '`'.repeat(longestBacktickRun(content) + 1);
  // CommonMark strips one space on each side when both are present: pad when the content touches a
  // backtick or itself starts and ends with a space, so what is shown is exactly the content.
  const pad =
    content.startsWith('`') || content.endsWith('`') || (content.startsWith(' ') && content.endsWith(' '))
      ? ' '
      : '';
  return `${fence}${pad}${content === '' ? ' ' : content}${pad}${fence}`;
}

/**
 * A fenced code block whose fence is longer than any backtick run in the content, so no line of the
 * content can close it (and `</details>` or `<script>` inside stay literal text). The result starts and
 * ends with a fence line and has no trailing newline; inside `<details>` surround it with blank lines.
 */
export function codeFence(content: string, info = ''): string {
  const body = content.replace(/\r\n?/g, '\n').replaceAll('\0', '\uFFFD').replace(/\n+$/, '');
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(body) + 1));
  // The info string of a backtick fence may not contain backticks, and must stay on the fence line.
  const safeInfo = info.replace(CONTROL, ' ').replace(/`/g, '').trim();
  return body === '' ? `${fence}${safeInfo}\n${fence}` : `${fence}${safeInfo}\n${body}\n${fence}`;
}
