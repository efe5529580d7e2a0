/** A DNS-1123 label as Kubernetes validates it: lowercase alphanumerics and '-', at most 63 characters. */
export const DNS_LABEL = '[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?';
const SUBDOMAIN = new RegExp(`^${DNS_LABEL}(?:\\.${DNS_LABEL})*$`);

/** Kubernetes object names (an Application's `metadata.name`): DNS-1123 subdomains of at most `max` characters. */
export function isDnsSubdomain(name: string, max = 253): boolean {
  return name.length <= max && SUBDOMAIN.test(name);
}

export const DNS_SUBDOMAIN_RULE =
  "lowercase letters, digits, '-' and '.', starting and ending with a letter or digit";
