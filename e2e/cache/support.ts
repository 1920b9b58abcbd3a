// Helpers of the cache suites: bounded-concurrency writes, running informers, and convergence checks that
// print what differs and the watch timeline when they fail.
import type { Informer } from '../../src/cache/index.ts';
import { type KubeObject, type ObjectList, objectKey } from '../../src/core/index.ts';

/** Run `fn(0) … fn(count - 1)` with at most `concurrency` at a time. */
export async function inBatches(count: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

export interface RunningInformer<T extends KubeObject> {
  informer: Informer<T>;
  stop(): Promise<void>;
}

/** Start an informer and remember it so that the suite's after() stops it. */
export function runInformer<T extends KubeObject>(registry: Array<RunningInformer<KubeObject>>, informer: Informer<T>): RunningInformer<T> {
  const controller = new AbortController();
  const done = informer.run(controller.signal);
  const running = {
    informer,
    stop: async () => {
      controller.abort();
      await done;
    },
  };
  registry.push(running as unknown as RunningInformer<KubeObject>);
  return running;
}

/** Keys and resourceVersions: what must agree between a cache and the server. */
function versions(objects: readonly KubeObject[]): Map<string, string | undefined> {
  return new Map(objects.map((o) => [objectKey(o), o.metadata.resourceVersion]));
}

/** Why two snapshots differ, briefly. */
function difference(cache: Map<string, string | undefined>, server: Map<string, string | undefined>): string {
  const missing = [...server.keys()].filter((k) => !cache.has(k));
  const extra = [...cache.keys()].filter((k) => !server.has(k));
  const stale = [...server].filter(([k, rv]) => cache.has(k) && cache.get(k) !== rv).map(([k]) => k);
  const few = (keys: string[]) => `${keys.length}${keys.length ? ` (${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ', …' : ''})` : ''}`;
  return `missing ${few(missing)}, extra ${few(extra)}, stale ${few(stale)}`;
}

/**
 * Wait until the cache holds exactly what the server lists (same keys, same resourceVersions). The
 * bound is the watch's delivery, not a guess: a healthy watch delivers each change within seconds;
 * `boundMs` (default 30 s) is that plus a margin for a loaded 2-core machine. On failure, the message
 * shows what differs and the watch timeline; `what` may be a function, evaluated then.
 */
export async function settlesTo<T extends KubeObject, L extends ObjectList<KubeObject>>(
  running: RunningInformer<T>,
  list: () => Promise<L>,
  what: string | (() => string),
  boundMs = 30_000,
): Promise<L> {
  const started = Date.now();
  for (;;) {
    const server = await list();
    const expected = versions(server.items);
    const actual = versions(running.informer.list());
    const last = difference(actual, expected);
    if (expected.size === actual.size && [...expected].every(([k, rv]) => actual.get(k) === rv)) {
      const label = typeof what === 'function' ? what().split(';')[0] : what;
      process.stdout.write(
        `# cache ${running.informer.name} matched the server ${label} after ${Date.now() - started} ms (bound ${boundMs} ms)\n`,
      );
      return server;
    }
    if (Date.now() - started > boundMs) {
      throw new Error(
        `cache ${running.informer.name} did not match the server ${typeof what === 'function' ? what() : what} within ${boundMs} ms: ${last}\n` +
          `watch timeline:\n${running.informer.stats.formatTimeline()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
