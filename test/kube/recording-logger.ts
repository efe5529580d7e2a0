import type { KubeDeliveryLogger } from '../../src/kube/kube-delivery.ts';

export interface LogEntry {
  level: 'debug' | 'info' | 'warn';
  fields: Record<string, unknown>;
  message: string;
}

/** A logger that keeps every entry, so tests can assert what was (and was not) logged. */
export function recordingLogger(): { logger: KubeDeliveryLogger; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at =
    (level: LogEntry['level']) =>
    (fields: Record<string, unknown>, message: string): void => {
      entries.push({ level, fields, message });
    };
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn') }, entries };
}
