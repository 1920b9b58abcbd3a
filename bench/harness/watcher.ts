// The independent watcher: its own connection (as the admin, so API fairness never slows it), one list and
// one watch each of the HelloWorlds and ConfigMaps of a run's namespace. A HelloWorld counts as converged
// when the watcher has seen both its ConfigMap with the expected data.message and the HelloWorld itself
// Ready=True at its current generation with that spec.name; the time of that sighting, against the time
// the loader sent the change, is the latency.
import { KubeClient } from '../../src/client/index.ts';
import type { KubeObject, Kind } from '../../src/core/index.ts';
import { ConfigMap } from '../../src/kinds/core/v1.ts';
import { HelloWorld, isReady } from './kinds.ts';

interface Expectation {
  message: string;
  sentAt: number;
  convergedAt?: number;
}

export class ConvergenceWatcher {
  private readonly expectations = new Map<string, Expectation>();
  private readonly configMapMessages = new Map<string, string | undefined>();
  private readonly readyMessages = new Map<string, string | undefined>();
  private readonly abort = new AbortController();
  private readonly loops: Array<Promise<void>> = [];
  private pendingCount = 0;
  private onProgress: (() => void) | undefined;

  private readonly client: KubeClient;
  private readonly namespace: string;

  private constructor(client: KubeClient, namespace: string) {
    this.client = client;
    this.namespace = namespace;
  }

  /** Start watching `namespace`; resolves once both lists are in and both watches are open. */
  static async start(kubeconfigPath: string, namespace: string): Promise<ConvergenceWatcher> {
    const client = await KubeClient.fromKubeconfig({ kubeconfigPath, userAgent: 'bench-watcher' });
    const watcher = new ConvergenceWatcher(client, namespace);
    await Promise.all([
      watcher.follow(HelloWorld, (hw, deleted) =>
        watcher.readyMessages.set(hw.metadata.name!, !deleted && isReady(hw) ? hw.spec.name : undefined),
      ),
      watcher.follow(ConfigMap, (cm, deleted) =>
        watcher.configMapMessages.set(cm.metadata.name!, deleted ? undefined : cm.data?.['message']),
      ),
    ]);
    return watcher;
  }

  /** From now on, `name` is converged only once it carries `message`; `sentAt` is when the change was sent (performance.now()). */
  expect(name: string, message: string, sentAt: number): void {
    const previous = this.expectations.get(name);
    if (!previous || previous.convergedAt !== undefined) this.pendingCount++;
    this.expectations.set(name, { message, sentAt });
    this.check(name);
  }

  /** Resolves when every expectation is met; rejects after `timeoutMs` saying how many are not. */
  async converged(timeoutMs: number): Promise<void> {
    if (this.pendingCount === 0) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.onProgress = undefined;
        reject(new Error(`${this.pendingCount} of ${this.expectations.size} HelloWorlds not converged after ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.onProgress = () => {
        if (this.pendingCount > 0) return;
        clearTimeout(timer);
        this.onProgress = undefined;
        resolve();
      };
    });
  }

  /** For the names given (all by default), send-to-sighting latencies in ms and the time of the last sighting. */
  results(names?: readonly string[]): { latenciesMs: number[]; lastConvergedAt: number } {
    const latenciesMs: number[] = [];
    let lastConvergedAt = 0;
    for (const name of names ?? this.expectations.keys()) {
      const e = this.expectations.get(name);
      if (e?.convergedAt === undefined) continue;
      latenciesMs.push(e.convergedAt - e.sentAt);
      lastConvergedAt = Math.max(lastConvergedAt, e.convergedAt);
    }
    return { latenciesMs, lastConvergedAt };
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled(this.loops);
    await this.client.close();
  }

  private check(name: string): void {
    const e = this.expectations.get(name);
    if (!e || e.convergedAt !== undefined) return;
    if (this.configMapMessages.get(name) !== e.message || this.readyMessages.get(name) !== e.message) return;
    e.convergedAt = performance.now();
    this.pendingCount--;
    this.onProgress?.();
  }

  private async follow<T extends KubeObject>(kind: Kind<T>, apply: (object: T, deleted: boolean) => void): Promise<void> {
    const resource = this.client.resource(kind);
    const list = await resource.listAll({ namespace: this.namespace });
    for (const object of list.items) apply(object, false);
    let resourceVersion = list.metadata.resourceVersion;
    const open = () =>
      resource.watch({
        namespace: this.namespace,
        resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: 3600,
        signal: this.abort.signal,
      });
    let stream = await open();
    this.loops.push(
      (async () => {
        while (!this.abort.signal.aborted) {
          try {
            for await (const event of stream) {
              if (event.type === 'ERROR') throw new Error(`watch ${kind.plural}: ${JSON.stringify(event.object)}`);
              resourceVersion = event.object.metadata.resourceVersion;
              if (event.type === 'BOOKMARK') continue;
              apply(event.object, event.type === 'DELETED');
              this.check(event.object.metadata.name!);
            }
            stream = await open();
          } catch (err) {
            if (this.abort.signal.aborted) return;
            process.stderr.write(`# watcher: watch of ${kind.plural} ended (${String(err)}); watching again\n`);
            stream = await open();
          }
        }
      })(),
    );
  }
}
