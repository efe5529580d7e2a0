import { FakeKubeApiError } from './fake-kube-api-error.ts';
import type { KubeRecord } from './json-values.ts';
import { isRecord } from './json-values.ts';

export type LabelRequirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | 'doesnotexist' };

export type FieldRequirement = { path: string; op: '=' | '!='; value: string };

/** Either selector, already parsed; an empty list matches everything. */
export interface ObjectSelector {
  labels: LabelRequirement[];
  fields: FieldRequirement[];
}

/**
 * The label selector syntax of the real server (`a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`,
 * `a`, `!a`), comma-separated. A malformed selector is a 400, as there.
 */
export function parseLabelSelector(text: string | undefined | null): LabelRequirement[] {
  if (!text?.trim()) return [];
  return splitTopLevel(text).map((raw) => {
    const part = raw.trim();
    const setMatch = /^([^\s!=(),]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part);
    if (setMatch) {
      const values = setMatch[3]!
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
      return { key: setMatch[1]!, op: setMatch[2] as 'in' | 'notin', values };
    }
    const notEqual = /^([^\s!=(),]+)\s*!=\s*([^\s!=(),]*)$/.exec(part);
    if (notEqual) return { key: notEqual[1]!, op: 'notin', values: [notEqual[2]!] };
    const equal = /^([^\s!=(),]+)\s*==?\s*([^\s!=(),]*)$/.exec(part);
    if (equal) return { key: equal[1]!, op: 'in', values: [equal[2]!] };
    const missing = /^!\s*([^\s!=(),]+)$/.exec(part);
    if (missing) return { key: missing[1]!, op: 'doesnotexist' };
    if (/^[^\s!=(),]+$/.test(part)) return { key: part, op: 'exists' };
    throw new FakeKubeApiError('BadRequest', `unable to parse requirement: ${JSON.stringify(part)}`);
  });
}

/** Field selectors: `path=value`, `path==value`, `path!=value`, comma-separated (dotted paths). */
export function parseFieldSelector(text: string | undefined | null): FieldRequirement[] {
  if (!text?.trim()) return [];
  return text.split(',').map((raw) => {
    const part = raw.trim();
    const match = /^([A-Za-z0-9_.-]+)\s*(!=|==|=)\s*(.*)$/.exec(part);
    if (!match)
      throw new FakeKubeApiError('BadRequest', `invalid selector: '${part}'; can't understand '${part}'`);
    return { path: match[1]!, op: match[2] === '!=' ? '!=' : '=', value: match[3]! };
  });
}

export function parseSelector(labelSelector?: string | null, fieldSelector?: string | null): ObjectSelector {
  return { labels: parseLabelSelector(labelSelector), fields: parseFieldSelector(fieldSelector) };
}

export function matchesSelector(object: KubeRecord, selector: ObjectSelector): boolean {
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  const labels = isRecord(metadata.labels) ? metadata.labels : {};
  for (const requirement of selector.labels) {
    const has = Object.hasOwn(labels, requirement.key);
    const value = has ? String(labels[requirement.key]) : undefined;
    switch (requirement.op) {
      case 'exists':
        if (!has) return false;
        break;
      case 'doesnotexist':
        if (has) return false;
        break;
      case 'in':
        if (value === undefined || !requirement.values.includes(value)) return false;
        break;
      case 'notin':
        if (value !== undefined && requirement.values.includes(value)) return false;
        break;
    }
  }
  for (const requirement of selector.fields) {
    const actual = fieldValue(object, requirement.path);
    if ((actual === requirement.value) !== (requirement.op === '=')) return false;
  }
  return true;
}

function fieldValue(object: KubeRecord, path: string): string {
  let current: unknown = object;
  for (const key of path.split('.')) {
    if (!isRecord(current)) return '';
    current = current[key];
  }
  return current === undefined || current === null ? '' : String(current);
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (char === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}
