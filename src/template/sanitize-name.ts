const MAX_DNS_NAME_LENGTH = 253;

/**
 * Argo CD's SanitizeName (the `normalize` template function and the `nameNormalized` /
 * `basenameNormalized` parameters): lowercase, anything but `[-a-z0-9.]` becomes `-`, at most 253
 * characters, no leading or trailing `-`/`.`.
 */
export function sanitizeName(name: string): string {
  let sanitized = name.toLowerCase().replace(/[^-a-z0-9.]/g, '-');
  if (sanitized.length > MAX_DNS_NAME_LENGTH) sanitized = sanitized.slice(0, MAX_DNS_NAME_LENGTH);
  let start = 0;
  let end = sanitized.length;
  while (start < end && (sanitized[start] === '-' || sanitized[start] === '.')) start++;
  while (end > start && (sanitized[end - 1] === '-' || sanitized[end - 1] === '.')) end--;
  return sanitized.slice(start, end);
}
