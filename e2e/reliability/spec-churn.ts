// A steady stream of spec changes, as busy users make them: `spec.name` of HelloWorlds patched at a fixed
// rate, the keys taken in turn (so each key changes once every `keys / rate` seconds), every change
// recorded with the time its PATCH returned, when the new generation is in etcd at the latest.
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeClient } from '../../src/client/index.ts';
import { HelloWorld } from './rig.ts';

/** One spec change: the key, when its PATCH was sent and when it returned, and the generation it made. */
export interface SpecChange {
  key: string;
  sentAt: number;
  doneAt: number;
  generation: number | undefined;
  error?: string;
}

/**
 * Patch `spec.name` of `names` in `namespace` round-robin, `perSecond` changes a second on a fixed schedule
 * (a late PATCH does not shift the ones after it), until {@link SpecChurn.stop}. `onChange` sees every
 * change (a failed PATCH too: it may have reached etcd).
 */
export class SpecChurn {
  readonly changes: SpecChange[] = [];
  private stopped = false;
  private readonly running: Promise<void>;
  private readonly waiting: Array<(change: SpecChange) => void> = [];

  constructor(
    admin: KubeClient,
    namespace: string,
    names: readonly string[],
    perSecond: number,
    onChange: (change: SpecChange) => void = () => undefined,
  ) {
    this.running = (async () => {
      const client = admin.resource(HelloWorld);
      const periodMs = 1000 / perSecond;
      const startedAt = Date.now();
      for (let i = 0; !this.stopped; i++) {
        const wait = startedAt + i * periodMs - Date.now();
        if (wait > 0) await sleep(wait);
        if (this.stopped) break;
        const name = names[i % names.length]!;
        const sentAt = Date.now();
        const change: SpecChange = { key: `${namespace}/${name}`, sentAt, doneAt: sentAt, generation: undefined };
        try {
          const written = await client.mergePatch(name, { spec: { name: `churn ${i} of ${name}` } }, { namespace });
          change.generation = written.metadata.generation;
        } catch (err) {
          change.error = (err as Error).message;
        }
        change.doneAt = Date.now();
        this.changes.push(change);
        onChange(change);
        for (const resolve of this.waiting.splice(0)) resolve(change);
      }
    })();
  }

  /** The next change, once its PATCH has returned. */
  nextChange(): Promise<SpecChange> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Make no further change (at once) and resolve when the PATCH in flight, if any, has returned. */
  stop(): Promise<void> {
    this.stopped = true;
    return this.running;
  }

  /** Changes per second actually made between the first and the last. */
  get achievedRate(): number {
    const first = this.changes[0];
    const last = this.changes.at(-1);
    return first && last && last !== first ? (this.changes.length - 1) / ((last.sentAt - first.sentAt) / 1000) : 0;
  }
}
