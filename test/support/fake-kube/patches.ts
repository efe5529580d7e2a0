import { FakeKubeApiError } from './fake-kube-api-error.ts';
import { cloneJson, deepEqual, isRecord, type KubeRecord } from './json-values.ts';

/**
 * JSON merge patch (RFC 7386). Strategic merge patch is served by this too: the difference only shows
 * for lists with merge keys (containers, env), which the delivery code never patches.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return cloneJson(patch);
  const result: KubeRecord = isRecord(target) ? cloneJson(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

interface JsonPatchOperation {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

/** JSON patch (RFC 6902): add, remove, replace, move, copy, test. A failed test is a 422, as on the server. */
export function applyJsonPatch(target: KubeRecord, operations: unknown): KubeRecord {
  if (!Array.isArray(operations)) throw new FakeKubeApiError('BadRequest', 'json patch must be an array');
  let doc: unknown = cloneJson(target);
  for (const raw of operations) {
    const operation = parseOperation(raw);
    const path = parsePointer(operation.path);
    switch (operation.op) {
      case 'add':
        doc = addAt(doc, path, cloneJson(operation.value));
        break;
      case 'remove':
        removeAt(doc, path);
        break;
      case 'replace':
        valueAt(doc, path);
        removeAt(doc, path);
        doc = addAt(doc, path, cloneJson(operation.value));
        break;
      case 'move': {
        const from = parsePointer(operation.from ?? '');
        const value = valueAt(doc, from);
        removeAt(doc, from);
        doc = addAt(doc, path, value);
        break;
      }
      case 'copy':
        doc = addAt(doc, path, cloneJson(valueAt(doc, parsePointer(operation.from ?? ''))));
        break;
      case 'test':
        if (!deepEqual(valueAt(doc, path), operation.value)) {
          throw new FakeKubeApiError(
            'Invalid',
            `the server rejected our request due to an error in our request`,
          );
        }
        break;
      default:
        throw new FakeKubeApiError(
          'BadRequest',
          `unexpected json patch operation ${JSON.stringify(operation.op)}`,
        );
    }
  }
  if (!isRecord(doc)) throw new FakeKubeApiError('BadRequest', 'json patch replaced the whole object');
  return doc;
}

function parseOperation(raw: unknown): JsonPatchOperation {
  if (!isRecord(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
    throw new FakeKubeApiError('BadRequest', 'json patch operation needs op and path');
  }
  return {
    op: raw.op,
    path: raw.path,
    from: typeof raw.from === 'string' ? raw.from : undefined,
    value: raw.value,
  };
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new FakeKubeApiError('BadRequest', `invalid json pointer ${pointer}`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function valueAt(doc: unknown, path: string[]): unknown {
  let current = doc;
  for (const token of path) {
    if (Array.isArray(current)) current = current[Number(token)];
    else if (isRecord(current) && Object.hasOwn(current, token)) current = current[token];
    else throw missing(path);
  }
  if (current === undefined) throw missing(path);
  return current;
}

function addAt(doc: unknown, path: string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const parent = valueAt(doc, path.slice(0, -1));
  const last = path.at(-1)!;
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : Number(last);
    if (!Number.isInteger(index) || index < 0 || index > parent.length) throw missing(path);
    parent.splice(index, 0, value);
  } else if (isRecord(parent)) parent[last] = value;
  else throw missing(path);
  return doc;
}

function removeAt(doc: unknown, path: string[]): void {
  const parent = valueAt(doc, path.slice(0, -1));
  const last = path.at(-1);
  if (last === undefined) throw new FakeKubeApiError('BadRequest', 'cannot remove the whole object');
  if (Array.isArray(parent)) {
    const index = Number(last);
    if (!Number.isInteger(index) || index < 0 || index >= parent.length) throw missing(path);
    parent.splice(index, 1);
  } else if (isRecord(parent) && Object.hasOwn(parent, last)) delete parent[last];
  else throw missing(path);
}

function missing(path: string[]): FakeKubeApiError {
  return new FakeKubeApiError(
    'Invalid',
    `the server rejected our request due to an error in our request: path /${path.join('/')} not found`,
  );
}
