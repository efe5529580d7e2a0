import { ManifestParseError, type ParsedDocument, parseManifests } from './parse-manifests.ts';
import { parseYamlValue } from './safe-yaml.ts';

/**
 * Parse results keyed by file text. Base and head of a change share almost every file, so one plan
 * parses each distinct text once. Returned values are shared: callers must not mutate them.
 */
export class YamlCache {
  private readonly values = new Map<string, { value: unknown } | { error: unknown }>();
  private readonly manifests = new Map<string, ParsedDocument[] | ManifestParseError>();

  /** `parseYamlValue` (bounded; duplicate keys tolerated, as kubectl does); throws what it throws. */
  parseValue(text: string): unknown {
    let entry = this.values.get(text);
    if (!entry) {
      try {
        entry = { value: parseYamlValue(text) };
      } catch (error) {
        entry = { error };
      }
      this.values.set(text, entry);
    }
    if ('error' in entry) throw entry.error;
    return entry.value;
  }

  /** `parseManifests`, memoized; throws ManifestParseError. */
  parseManifests(text: string): ParsedDocument[] {
    let entry = this.manifests.get(text);
    if (!entry) {
      try {
        entry = parseManifests(text);
      } catch (error) {
        if (!(error instanceof ManifestParseError)) throw error;
        entry = error;
      }
      this.manifests.set(text, entry);
    }
    if (entry instanceof ManifestParseError) throw entry;
    return entry;
  }
}
