import { EventEmitter } from 'node:events';
import type {
  ApplyClaimInput,
  DeliveryOutcome,
  KubeDelivery,
  RegisterClusterInput,
  SyncApplicationInput,
  WaitClaimDeletedInput,
} from '../../src/kube/kube-delivery.ts';

/** What one call does: succeed, return a negative outcome, throw, or wait (for a gate, or until aborted). */
export type FakeStep =
  | { kind: 'ok'; health?: string }
  | { kind: 'fail'; reason: string; phase?: string; health?: string }
  | { kind: 'throw'; error: Error }
  | { kind: 'wait'; until?: Promise<void>; then?: FakeStep };

export interface FakeCall {
  method: 'syncApplication' | 'applyClaim' | 'waitClaimDeleted' | 'registerCluster' | 'unregisterCluster';
  /** `app:NAME` or `claim:NS/NAME`, `cluster:NAME`. */
  key: string;
  input:
    | SyncApplicationInput
    | ApplyClaimInput
    | WaitClaimDeletedInput
    | RegisterClusterInput
    | { clusterName: string };
  state: 'running' | 'done';
}

/**
 * An in-memory KubeDelivery: per key a script of steps (the last one repeats, default ok), a log of calls,
 * and the highest number of calls on one key that ran at the same time.
 */
export function createFakeKubeDelivery() {
  const scripts = new Map<string, FakeStep[]>();
  const calls: FakeCall[] = [];
  const active = new Map<string, number>();
  const maxActive = new Map<string, number>();
  const events = new EventEmitter();

  const nextStep = (key: string): FakeStep => {
    const script = scripts.get(key);
    if (!script || script.length === 0) return { kind: 'ok' };
    return script.length > 1 ? script.shift()! : script[0]!;
  };

  async function run(step: FakeStep, signal: AbortSignal | undefined): Promise<DeliveryOutcome> {
    switch (step.kind) {
      case 'ok':
        return {
          ok: true,
          reason: 'ok',
          phase: 'Succeeded',
          sync: 'Synced',
          health: step.health ?? 'Healthy',
        };
      case 'fail':
        return {
          ok: false,
          reason: step.reason,
          ...(step.phase ? { phase: step.phase } : {}),
          ...(step.health ? { health: step.health } : {}),
        };
      case 'throw':
        throw step.error;
      case 'wait': {
        // Like the real adapter: an abort ends the wait with an `aborted` outcome.
        const aborted = new Promise<'aborted'>((resolve) => {
          if (signal?.aborted) resolve('aborted');
          signal?.addEventListener('abort', () => resolve('aborted'), { once: true });
        });
        const gate = step.until ? step.until.then(() => 'open' as const) : new Promise<never>(() => {});
        if ((await Promise.race([gate, aborted])) === 'aborted') {
          return { ok: false, aborted: true, reason: 'aborted' };
        }
        return run(step.then ?? { kind: 'ok' }, signal);
      }
    }
  }

  async function track(
    method: FakeCall['method'],
    key: string,
    input: FakeCall['input'],
    signal: AbortSignal | undefined,
  ): Promise<DeliveryOutcome> {
    const call: FakeCall = { method, key, input, state: 'running' };
    calls.push(call);
    const now = (active.get(key) ?? 0) + 1;
    active.set(key, now);
    maxActive.set(key, Math.max(maxActive.get(key) ?? 0, now));
    events.emit('call', call);
    try {
      return await run(nextStep(key), signal);
    } finally {
      active.set(key, (active.get(key) ?? 1) - 1);
      call.state = 'done';
      events.emit('done', call);
    }
  }

  const claimKey = (ref: { namespace?: string; name: string }) => `claim:${ref.namespace ?? ''}/${ref.name}`;
  const objectRef = (object: Record<string, unknown>) => {
    const metadata = (object.metadata ?? {}) as { name?: string; namespace?: string };
    return { name: metadata.name ?? '', ...(metadata.namespace ? { namespace: metadata.namespace } : {}) };
  };

  const kube: KubeDelivery = {
    syncApplication: (input) => track('syncApplication', `app:${input.name}`, input, input.signal),
    applyClaim: (input) => track('applyClaim', claimKey(objectRef(input.object)), input, input.signal),
    waitClaimDeleted: (input) => track('waitClaimDeleted', claimKey(input.claim), input, input.signal),
    async registerCluster(input) {
      calls.push({ method: 'registerCluster', key: `cluster:${input.clusterName}`, input, state: 'done' });
      events.emit('done', calls.at(-1));
      return {
        name: `cluster-${input.clusterName}`,
        server: `https://${input.clusterName}.clusters.example`,
        created: true,
      };
    },
    async unregisterCluster(input) {
      calls.push({ method: 'unregisterCluster', key: `cluster:${input.clusterName}`, input, state: 'done' });
      events.emit('done', calls.at(-1));
      return true;
    },
  };

  return {
    kube,
    calls,
    events,
    /** Steps for the next calls on `key` (`app:NAME`, `claim:NS/NAME`); the last one repeats. */
    script(key: string, ...steps: FakeStep[]) {
      scripts.set(key, steps);
    },
    maxConcurrent: (key: string) => maxActive.get(key) ?? 0,
    callsOf: (key: string) => calls.filter((c) => c.key === key),
  };
}

export type FakeKubeDelivery = ReturnType<typeof createFakeKubeDelivery>;
