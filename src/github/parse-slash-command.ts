import { DNS_LABEL } from '../model/kube-names.ts';
export type SlashCommand =
  | { kind: 'plan' }
  | { kind: 'diff'; app: string }
  | { kind: 'approve'; reason?: string }
  | { kind: 'retry' }
  | { kind: 'drift' }
  | { kind: 'help' }
  | { kind: 'unknown'; text: string; reason: string };

export interface ParseSlashCommandOptions {
  /** The command prefix, matched case-insensitively as the first token. Default `/mergeplane`. */
  prefix?: string;
}

export const DEFAULT_SLASH_PREFIX = '/mergeplane';
export const MAX_APPROVE_REASON_LENGTH = 500;

export class InvalidSlashPrefixError extends Error {
  override readonly name = 'InvalidSlashPrefixError';
}

// Editors and copy-paste leave a BOM or zero-width characters in front of the text; `\s` covers the BOM
// but not the zero-width space/joiners or the word joiner.
const LEADING_NOISE = /^[\s\u200B-\u200D\u2060]+/;
const LINE_BREAK = /\r\n|\r|\n/;
// Application names are Kubernetes object names (DNS-1123 subdomains); apps in any namespace are
// addressed as `namespace/name`, where the namespace is a DNS-1123 label.
const APP_NAME = new RegExp(`^(?:${DNS_LABEL}/)?${DNS_LABEL}(?:\\.${DNS_LABEL})*$`);
const MAX_APP_NAME_LENGTH = 253;

/**
 * Parses the first line of a PR comment as a slash-command. Returns undefined when the comment is not
 * addressed to the bot (no prefix, quoted, or inside code), and `unknown` when it is but cannot be run,
 * so the caller can answer with help.
 */
export function parseSlashCommand(body: string, o: ParseSlashCommandOptions = {}): SlashCommand | undefined {
  const prefix = o.prefix ?? DEFAULT_SLASH_PREFIX;
  if (prefix === '' || /\s/.test(prefix)) {
    throw new InvalidSlashPrefixError(
      `slash-command prefix must be one non-empty token, got ${JSON.stringify(prefix)}`,
    );
  }
  const line = (body.replace(LEADING_NOISE, '').split(LINE_BREAK, 1)[0] ?? '').trimEnd();
  // Quoted replies, code fences and inline code show a command without issuing it.
  if (line.startsWith('>') || line.startsWith('`') || line.startsWith('~~~')) return undefined;

  const [head, afterPrefix] = splitToken(line);
  if (head.toLowerCase() !== prefix.toLowerCase()) return undefined;
  if (afterPrefix === '') return { kind: 'help' };

  const [verbToken, rest] = splitToken(afterPrefix);
  const verb = verbToken.toLowerCase();
  const args = rest === '' ? [] : rest.split(/\s+/);
  const unknown = (reason: string): SlashCommand => ({ kind: 'unknown', text: line, reason });

  switch (verb) {
    case 'plan':
    case 'retry':
    case 'drift':
    case 'help':
      return args.length === 0 ? { kind: verb } : unknown(`${verb} takes no arguments`);
    case 'diff': {
      if (args.length !== 1) return unknown('diff needs one application name');
      const app = args[0]!;
      if (app.length > MAX_APP_NAME_LENGTH || !APP_NAME.test(app)) {
        return unknown(
          `diff needs one application name (lowercase DNS-1123 name or namespace/name), got ${JSON.stringify(app)}`,
        );
      }
      return { kind: 'diff', app };
    }
    case 'approve': {
      if (rest === '') return { kind: 'approve' };
      // Count code points so an emoji is one character; reject rather than truncate, since the reason is
      // recorded as the approval's justification.
      if ([...rest].length > MAX_APPROVE_REASON_LENGTH) {
        return unknown(`approve reason is longer than ${MAX_APPROVE_REASON_LENGTH} characters`);
      }
      return { kind: 'approve', reason: rest };
    }
    default:
      return unknown(`unknown command ${JSON.stringify(verbToken)}`);
  }
}

/** Splits off the first whitespace-delimited token; the remainder is trimmed. */
function splitToken(text: string): [string, string] {
  const match = /^(\S+)\s*(.*)$/s.exec(text);
  return match ? [match[1]!, match[2]!.trim()] : ['', ''];
}
