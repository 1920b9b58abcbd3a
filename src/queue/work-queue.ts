import { type Clock, systemClock, type Timer } from '../core/index.ts';
import { KeyBackoff, type KeyBackoffOptions } from './backoff.ts';
import { QueueError } from './errors.ts';
import { noQueueMetrics, type QueueMetrics } from './metrics.ts';
import { ReadyList } from './ready-list.ts';
import { type RateLimitOptions, TokenBucket } from './token-bucket.ts';

/**
 * How a worker's turn with a key ended. A worker that returns nothing is `done`; one that throws, `retry`.
 *
 * @noExample What a {@link Worker} returns; the examples of {@link Worker} and {@link WorkQueue} return them.
 */
export type WorkOutcome =
  | {
      /** Finished until the key is added again; its backoff is forgotten. */
      readonly kind: 'done';
    }
  | {
      /** Run the key again after its backoff and a token of the rate limit, as when the worker throws. */
      readonly kind: 'retry';
    }
  | {
      /** Run the key again after `delayMs` on the requeue clock, not rate-limited; its backoff is forgotten. */
      readonly kind: 'requeueAfter';
      /** Milliseconds to wait; 0 or less makes the key ready at once. */
      readonly delayMs: number;
    };

/**
 * What a worker gets besides the key.
 *
 * @noExample What a {@link Worker} receives; the example of {@link Worker} uses both fields.
 */
export interface WorkContext {
  /** Aborted when shutdown's grace period ends: stop, and abort in-flight requests. */
  readonly signal: AbortSignal;
  /** Consecutive failed turns of this key before this one. */
  readonly retries: number;
}

/**
 * Processes one key; never called for a key that is already being processed. Return nothing (or `done`) when
 * the key needs nothing more, `requeueAfter` to look again later; throw (or return `retry`) to retry with
 * backoff. Honour `signal`: it aborts when shutdown's grace period ends.
 *
 * @example
 * ```ts
 * import type { Worker } from 'capstan/queue';
 * const worker: Worker<string> = async (key, { signal, retries }) => {
 *   if (retries > 5) console.warn(`${key} failed ${retries} times in a row`);
 *   const response = await fetch(`https://example.com/items/${key}`, { signal });
 *   if (response.status === 429) return { kind: 'requeueAfter', delayMs: 10_000 };
 *   if (!response.ok) throw new Error(`${key}: HTTP ${response.status}`); // retried with backoff
 *   return { kind: 'done' };
 * };
 * ```
 */
export type Worker<K extends string> = (key: K, context: WorkContext) => Promise<WorkOutcome | void>;

/**
 * Options of a {@link WorkQueue}.
 *
 * @noExample Options of {@link WorkQueue}; its example shows them in use.
 */
export interface WorkQueueOptions<K extends string> {
  /** Keys processed at once; default 1. */
  concurrency?: number;
  /** Per-key backoff of retries; default 5 ms doubling to 1000 s. */
  backoff?: KeyBackoffOptions;
  /** The overall limit on retries (never on first adds); default 10/s with a burst of 100. */
  rateLimit?: RateLimitOptions;
  /** Time for backoff, rate limits, `addAfter` and shutdown grace; default the real clock. */
  clock?: Clock;
  /**
   * The clock a worker's `requeueAfter` outcome waits on; default `clock`. A controller whose reconciles read an
   * injected clock (a test's, moved by hand) passes it here, so that "run again in an hour" fires when that clock
   * says an hour has passed, while retries keep backing off in real time.
   */
  requeueClock?: Clock;
  /** Where the queue reports adds, depth, latencies and work in flight (`workqueueMetrics` of `capstan/metrics`); default none. */
  metrics?: QueueMetrics;
  /** Told of a worker that threw (its key is retried with backoff); default: a process warning. */
  onWorkerError?: (key: K, error: unknown) => void;
}

/**
 * How soon an added key is served: `normal` keys (changes as they happen, retries) always before `low` ones
 * (a startup list, a periodic resync), so that a fresh change is not stuck behind a backlog of thousands of
 * keys that only need a look. A low key added again as normal is promoted.
 *
 * @example
 * ```ts
 * import { WorkQueue } from 'capstan/queue';
 * declare const queue: WorkQueue<string>;
 * for (const key of ['demo/a', 'demo/b', 'demo/c']) queue.add(key, { priority: 'low' }); // a periodic resync
 * queue.add('demo/d'); // a change as it happens: served before the low keys still waiting
 * ```
 */
export type Priority = 'normal' | 'low';

/**
 * What shutdown left unfinished.
 *
 * @example
 * ```ts
 * import { WorkQueue } from 'capstan/queue';
 * declare const queue: WorkQueue<string>;
 * const { aborted } = await queue.shutdown({ graceMs: 10_000 });
 * if (aborted.length > 0) console.warn(`cut short at shutdown: ${aborted.join(', ')}`);
 * ```
 */
export interface ShutdownReport<K extends string> {
  /** Keys whose work was still running when the grace period ended; their signals were aborted. */
  readonly aborted: readonly K[];
}

interface InFlight {
  readonly startedAt: number;
  readonly abort: AbortController;
}

/**
 * A deduplicating work queue with its own workers. Guarantees: a key waits at most once (adding a waiting
 * key is a no-op); a key is never processed twice at once (added while processed, it runs again after);
 * retries back off per key and share one rate limit, while first adds and `addAfter` are never limited;
 * at most `concurrency` keys run at once; after `shutdown` nothing new starts and running work gets a grace
 * period, then an aborted signal. Knows nothing of Kubernetes.
 *
 * @example
 * ```ts
 * import { WorkQueue } from 'capstan/queue';
 * const queue = new WorkQueue<string>({ concurrency: 2 });
 * queue.start(async (key, { signal }) => {
 *   const ok = await fetch(`https://example.com/${key}`, { signal }).then((r) => r.ok);
 *   return ok ? { kind: 'done' } : { kind: 'retry' };
 * });
 * queue.add('default/hello');
 * await queue.shutdown({ graceMs: 5_000 });
 * ```
 */
export class WorkQueue<K extends string = string> {
  private readonly clock: Clock;
  private readonly metrics: QueueMetrics;
  private readonly concurrency: number;
  private readonly backoff: KeyBackoff<K>;
  private readonly bucket: TokenBucket;
  private readonly onWorkerError: (key: K, error: unknown) => void;
  private readonly ready = { normal: new ReadyList<K>(), low: new ReadyList<K>() };
  /** Ready keys, either list; a key promoted from low to normal leaves a stale copy in `low`, skipped when reached. */
  private readyCount = 0;
  /**
   * Keys that must run (again): waiting in a ready list (`queued` names which), or added while being processed.
   * `since` is when it was added, for the queue-time metric.
   */
  private readonly dirty = new Map<K, { since: number; priority: Priority; queued: Priority | undefined }>();
  private readonly processing = new Map<K, InFlight>();
  private readonly delayed = new Map<K, { readyAt: number; timer: Timer }>();
  /** `requeueAfter`s on the requeue clock: `delayed` itself when that is the queue's clock (times comparable). */
  private readonly requeued: Map<K, { readyAt: number; timer: Timer }>;
  private readonly requeueClock: Clock;
  private worker: Worker<K> | undefined;
  private stopping: Promise<ShutdownReport<K>> | undefined;
  private drained: (() => void) | undefined;

  /**
   * @param options - Concurrency, backoff, rate limit, clocks, metrics; all have defaults.
   * @throws {@link QueueError} `QUEUE_INVALID_OPTIONS` when `concurrency` is not a positive integer.
   */
  constructor(options: WorkQueueOptions<K> = {}) {
    this.concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) {
      throw new QueueError('QUEUE_INVALID_OPTIONS', `concurrency must be a positive integer, got ${this.concurrency}`);
    }
    this.clock = options.clock ?? systemClock;
    this.requeueClock = options.requeueClock ?? this.clock;
    this.requeued = this.requeueClock === this.clock ? this.delayed : new Map<K, { readyAt: number; timer: Timer }>();
    this.metrics = options.metrics ?? noQueueMetrics;
    this.backoff = new KeyBackoff(options.backoff);
    this.bucket = new TokenBucket(this.clock, options.rateLimit);
    this.onWorkerError =
      options.onWorkerError ??
      ((key, error) => process.emitWarning(`work queue: worker failed on ${key}; retrying with backoff: ${String(error)}`));
    this.metrics.trackInFlight({
      unfinishedWorkSeconds: () => this.runningMs().reduce((sum, ms) => sum + ms, 0) / 1000,
      longestRunningProcessorSeconds: () => Math.max(0, ...this.runningMs()) / 1000,
    });
  }

  /** Keys ready and waiting for a worker. */
  get depth(): number {
    return this.readyCount;
  }

  /** Keys being processed now. */
  get inFlight(): number {
    return this.processing.size;
  }

  /** How long (ms, on the queue's clock) the longest-running work in flight has run; 0 when none runs. */
  get longestRunningMs(): number {
    return Math.max(0, ...this.runningMs());
  }

  /** Keys scheduled by `addAfter`, a retry or a `requeueAfter`, not yet ready. */
  get waiting(): number {
    if (this.requeued === this.delayed) return this.delayed.size;
    return new Set([...this.delayed.keys(), ...this.requeued.keys()]).size;
  }

  /** Whether `shutdown` was called. */
  get shuttingDown(): boolean {
    return this.stopping !== undefined;
  }

  /**
   * Make `key` ready now, at `priority` (default `normal`). Returns false only after shutdown, when keys are no
   * longer accepted.
   */
  add(key: K, options: { priority?: Priority } = {}): boolean {
    if (this.stopping) return false;
    const priority = options.priority ?? 'normal';
    const existing = this.dirty.get(key);
    if (existing) {
      if (priority === 'normal' && existing.priority === 'low') {
        existing.priority = 'normal';
        if (existing.queued === 'low') {
          existing.queued = 'normal';
          this.ready.normal.push(key);
          this.pump();
        }
      }
      return true;
    }
    this.metrics.added();
    this.dirty.set(key, { since: this.clock.now(), priority, queued: undefined });
    if (!this.processing.has(key)) this.pushReady(key);
    this.pump();
    return true;
  }

  /** Make `key` ready after `delayMs`; an earlier pending time for the same key wins. Not rate-limited. */
  addAfter(key: K, delayMs: number): boolean {
    return this.schedule(key, delayMs, this.clock, this.delayed);
  }

  private schedule(key: K, delayMs: number, clock: Clock, pendingKeys: Map<K, { readyAt: number; timer: Timer }>): boolean {
    if (this.stopping) return false;
    if (delayMs <= 0) return this.add(key);
    const readyAt = clock.now() + delayMs;
    const pending = pendingKeys.get(key);
    if (pending && pending.readyAt <= readyAt) return true;
    pending?.timer.cancel();
    const timer = clock.setTimer(() => {
      pendingKeys.delete(key);
      this.add(key);
    }, delayMs);
    pendingKeys.set(key, { readyAt, timer });
    return true;
  }

  /** Re-add `key` after a failure: after its backoff and a token of the overall rate limit, whichever is later. */
  addRateLimited(key: K): boolean {
    if (this.stopping) return false;
    const delay = Math.max(this.backoff.next(key), this.bucket.reserve());
    this.metrics.retried();
    return this.addAfter(key, delay);
  }

  /** Forget `key`'s failures: its next retry waits the base delay again. */
  forget(key: K): void {
    this.backoff.forget(key);
  }

  /** Consecutive failures of `key` since it was last forgotten. */
  retries(key: K): number {
    return this.backoff.failures(key);
  }

  /**
   * Start processing with `worker`; keys added before are processed now.
   *
   * @throws {@link QueueError} `QUEUE_ALREADY_STARTED` on a second call, `QUEUE_SHUT_DOWN` after {@link WorkQueue.shutdown}.
   */
  start(worker: Worker<K>): void {
    if (this.worker) throw new QueueError('QUEUE_ALREADY_STARTED', 'start() was already called; a queue has one worker function');
    if (this.stopping) throw new QueueError('QUEUE_SHUT_DOWN', 'the queue was shut down; create a new one');
    this.worker = worker;
    this.pump();
  }

  /**
   * Stop: keys waiting or scheduled are dropped and new ones refused; work in flight may finish within
   * `graceMs` (default 30 s), after which its signals are aborted and the report lists it.
   */
  shutdown(options: { graceMs?: number } = {}): Promise<ShutdownReport<K>> {
    this.stopping ??= this.stop(options.graceMs ?? 30_000);
    return this.stopping;
  }

  private async stop(graceMs: number): Promise<ShutdownReport<K>> {
    for (const { timer } of [...this.delayed.values(), ...this.requeued.values()]) timer.cancel();
    this.delayed.clear();
    this.requeued.clear();
    this.dirty.clear();
    this.ready.normal.clear();
    this.ready.low.clear();
    this.readyCount = 0;
    this.metrics.depthChanged(0);
    if (this.processing.size === 0) return { aborted: [] };
    let graceTimer: Timer | undefined;
    const expired = await new Promise<boolean>((resolve) => {
      this.drained = () => resolve(false);
      graceTimer = this.clock.setTimer(() => resolve(true), graceMs);
    });
    graceTimer?.cancel();
    this.drained = undefined;
    if (!expired) return { aborted: [] };
    const aborted = [...this.processing.keys()];
    const reason = new QueueError('QUEUE_GRACE_EXPIRED', `shutdown grace period of ${graceMs} ms ended before this work did`);
    for (const inFlight of this.processing.values()) inFlight.abort.abort(reason);
    return { aborted };
  }

  private pushReady(key: K): void {
    const entry = this.dirty.get(key)!;
    entry.queued = entry.priority;
    this.ready[entry.priority].push(key);
    this.readyCount++;
    this.metrics.depthChanged(this.readyCount);
  }

  /** The next ready key, normal ones first; stale copies (promoted keys' old places) are skipped. */
  private nextReady(): K | undefined {
    for (const priority of ['normal', 'low'] as const) {
      for (let key = this.ready[priority].shift(); key !== undefined; key = this.ready[priority].shift()) {
        if (this.dirty.get(key)?.queued === priority) return key;
      }
    }
    return undefined;
  }

  private pump(): void {
    const worker = this.worker;
    if (!worker || this.stopping) return;
    while (this.processing.size < this.concurrency) {
      const key = this.nextReady();
      if (key === undefined) return;
      this.readyCount--;
      this.metrics.depthChanged(this.readyCount);
      const now = this.clock.now();
      this.metrics.queued((now - (this.dirty.get(key)?.since ?? now)) / 1000);
      this.dirty.delete(key);
      const inFlight: InFlight = { startedAt: now, abort: new AbortController() };
      this.processing.set(key, inFlight);
      void this.process(worker, key, inFlight);
    }
  }

  private async process(worker: Worker<K>, key: K, inFlight: InFlight): Promise<void> {
    let outcome: WorkOutcome;
    try {
      outcome = (await worker(key, { signal: inFlight.abort.signal, retries: this.backoff.failures(key) })) ?? { kind: 'done' };
    } catch (error) {
      this.onWorkerError(key, error);
      outcome = { kind: 'retry' };
    }
    this.metrics.worked((this.clock.now() - inFlight.startedAt) / 1000);
    this.processing.delete(key);
    // Added while it ran: it runs again (before the outcome, which may add it too, is applied).
    if (this.dirty.has(key) && !this.stopping) this.pushReady(key);
    if (outcome.kind === 'retry') {
      this.addRateLimited(key);
    } else {
      this.backoff.forget(key);
      if (outcome.kind === 'requeueAfter') this.schedule(key, outcome.delayMs, this.requeueClock, this.requeued);
    }
    if (this.stopping && this.processing.size === 0) this.drained?.();
    this.pump();
  }

  private runningMs(): number[] {
    const now = this.clock.now();
    return [...this.processing.values()].map(({ startedAt }) => now - startedAt);
  }
}
