// The load: HelloWorlds created by 50 parallel clients, then a churn of spec.name patches at a fixed rate.
// Each change is announced to the watcher just before it is sent, so latency runs from the send.
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeClient } from '../../src/client/index.ts';
import { HelloWorld } from './kinds.ts';
import type { ConvergenceWatcher } from './watcher.ts';

export const loaderClients = 50;

export const helloWorldName = (i: number) => `hello-${String(i).padStart(5, '0')}`;

/** Create `count` HelloWorlds in `namespace`, `loaderClients` requests in flight; resolves with the names. */
export async function createHelloWorlds(
  client: KubeClient,
  watcher: ConvergenceWatcher,
  namespace: string,
  count: number,
): Promise<string[]> {
  const helloWorlds = client.resource(HelloWorld);
  const names = Array.from({ length: count }, (_, i) => helloWorldName(i));
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(loaderClients, count) }, async () => {
      while (next < count) {
        const name = names[next++]!;
        const message = `Hello from ${name}`;
        watcher.expect(name, message, performance.now());
        await helloWorlds.create(
          { apiVersion: 'apps.example.com/v1alpha1', kind: 'HelloWorld', metadata: { name, namespace }, spec: { name: message } },
          { namespace },
        );
      }
    }),
  );
  return names;
}

/**
 * Patch spec.name of `names` in turn (round robin), `ratePerSecond` patches a second for `seconds`, on a fixed
 * schedule that does not wait for answers (an open loop, as users' edits arrive). Resolves with the patched names.
 */
export async function churn(
  client: KubeClient,
  watcher: ConvergenceWatcher,
  namespace: string,
  names: readonly string[],
  ratePerSecond: number,
  seconds: number,
): Promise<string[]> {
  const helloWorlds = client.resource(HelloWorld);
  const total = Math.round(ratePerSecond * seconds);
  const patched: string[] = [];
  const sends: Array<Promise<unknown>> = [];
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / ratePerSecond;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const name = names[i % names.length]!;
    const message = `Hello again from ${name}, change ${i}`;
    watcher.expect(name, message, performance.now());
    patched.push(name);
    sends.push(helloWorlds.mergePatch(name, { spec: { name: message } }, { namespace }));
  }
  await Promise.all(sends);
  return [...new Set(patched)];
}
