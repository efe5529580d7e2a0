import { isRecord } from '../../model/kube-object.ts';

/** True when the selector has at least one matchLabels entry or matchExpressions requirement. */
export function isNonEmptySelector(selector: unknown): boolean {
  if (!isRecord(selector)) return false;
  const { matchLabels, matchExpressions } = selector;
  return (
    (isRecord(matchLabels) && Object.keys(matchLabels).length > 0) ||
    (Array.isArray(matchExpressions) && matchExpressions.length > 0)
  );
}

/**
 * A Kubernetes label selector (matchLabels, matchExpressions with In, NotIn, Exists, DoesNotExist) against a
 * label set. Like Argo CD's copy of LabelSelectorAsSelector, label values are not validated, so a selector
 * can match a URL. An empty or absent selector matches everything. `fail` reports a malformed selector.
 */
export function matchesLabelSelector(
  selector: unknown,
  labels: Readonly<Record<string, string>>,
  fail: (reason: string) => never,
): boolean {
  if (selector === undefined || selector === null) return true;
  if (!isRecord(selector)) fail('selector must be an object');
  const has = (key: string): boolean => Object.hasOwn(labels, key);
  const { matchLabels, matchExpressions } = selector;
  if (matchLabels !== undefined && matchLabels !== null) {
    if (!isRecord(matchLabels)) fail('selector.matchLabels must be an object');
    for (const [key, value] of Object.entries(matchLabels)) {
      if (typeof value !== 'string') fail(`selector.matchLabels.${key} must be a string`);
      if (!has(key) || labels[key] !== value) return false;
    }
  }
  if (matchExpressions !== undefined && matchExpressions !== null) {
    if (!Array.isArray(matchExpressions)) fail('selector.matchExpressions must be a list');
    for (const [i, requirement] of matchExpressions.entries()) {
      const where = `selector.matchExpressions[${i}]`;
      if (!isRecord(requirement) || typeof requirement.key !== 'string') fail(`${where} needs a key`);
      const { key, operator } = requirement;
      const values = requirement.values ?? [];
      if (!Array.isArray(values) || values.some((v) => typeof v !== 'string'))
        fail(`${where}.values must be strings`);
      switch (operator) {
        case 'In':
        case 'NotIn': {
          if (values.length === 0) fail(`${where}: values must be non-empty for ${operator}`);
          const inSet = has(key) && values.includes(labels[key]);
          if (operator === 'In' ? !inSet : inSet) return false;
          break;
        }
        case 'Exists':
        case 'DoesNotExist':
          if (values.length > 0) fail(`${where}: values must be empty for ${operator}`);
          if (has(key) !== (operator === 'Exists')) return false;
          break;
        default:
          fail(
            `${where}: operator ${JSON.stringify(operator)} is not one of In, NotIn, Exists, DoesNotExist`,
          );
      }
    }
  }
  return true;
}
