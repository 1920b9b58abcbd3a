import type { CollectionScope, RawWatchEvent } from '../client/index.ts';
import { type Clock, type KubeObject, type ObjectList, systemClock, type Timer, UsageError } from '../core/index.ts';
import { ReconnectBackoff, type ReconnectBackoffOptions } from './backoff.ts';
import { inactivityTimeout } from './errors.ts';
import type { ListWatchSource, WatchEvent } from './watch-event.ts';
import { type Delay, initialStep, step, type WatchInput, type WatchState, type WatchStep } from './watch-machine.ts';
import type { WatchNote, WatchObserver } from './watch-notes.ts';

/**
 * The longest pause a streaming list may take before its end marker (or the inactivity timeout, if shorter): the
 * server sends the initial events as fast as it can, so a silence this long means it ignored `sendInitialEvents`.
 */
export const initialEventsSilenceMs = 10_000;

/**
 * Options of {@link watcher}: the collection (namespace and selectors), how it ends, and its timing.
 *
 * @noExample Options of {@link watcher}; its example, and those of {@link WatchStats} and
 * {@link watchMetricsObserver}, show them in use.
 */
export interface WatcherOptions extends CollectionScope {
  /** Ends the watcher (the iteration simply ends). */
  signal?: AbortSignal;
  /**
   * Objects per list page (500), when the server does not serve the streaming list and the watcher falls back
   * to a plain list (a watch cache then answers the initial list in one response whatever this is).
   */
  pageSize?: number;
  /**
   * An open watch that delivers neither an event nor a bookmark for this long is presumed dead and reopened
   * (150 s). Keep it at least twice the server's bookmark interval (about 60 s), so that a quiet, healthy
   * watch is never restarted.
   */
  inactivityTimeoutMs?: number;
  /** Timeout of each list page and of each watch until its response headers; the client's timeout by default. */
  requestTimeoutMs?: number;
  /** The server ends each watch after a random time in this range, in seconds ([300, 600]). */
  watchTimeoutSeconds?: {
    /** The shortest, in seconds. */
    min: number;
    /** The longest, in seconds. */
    max: number;
  };
  /** The reconnect backoff (0.8 s doubling to 30 s, jittered, reset after 2 minutes of health). */
  backoff?: ReconnectBackoff | ReconnectBackoffOptions;
  /** Receives a note for everything that happens (see `WatchStats`, `watchMetricsObserver`). */
  onNote?: WatchObserver;
  /** The clock of the backoff waits, the inactivity timeout and the notes' `at` (`systemClock`); tests pass a manual one. */
  clock?: Clock;
  /** A number in [0, 1) for the watch timeouts and the backoff jitter; `Math.random` by default. */
  random?: () => number;
}

/**
 * List, then watch, forever: the events of one collection as an `AsyncIterable` of
 * `init`/`initApply`/`initDone`/`apply`/`delete` (see {@link WatchEvent}). The protocol is the pure state
 * machine of watch-machine.ts; this loop only does the I/O it asks for:
 * - the list is a streaming list (KEP-3157): one watch request with `sendInitialEvents=true` that streams
 *   the objects, marks their end with a bookmark, and goes on as the watch; one request where a paged list
 *   takes one per `pageSize` objects, and no object list held in memory as one JSON document;
 * - where the server refuses it (a 4xx, e.g. the WatchList feature gate off) or ignores it (a plain watch
 *   comes back), a plain list instead: `resourceVersion=0` at the start, so a watch cache answers it in one
 *   response; pages of `pageSize` otherwise;
 * - watches with `allowWatchBookmarks` and a random `timeoutSeconds`, resumed from the last resourceVersion
 *   seen (event or bookmark);
 * - 410 Gone → one relist the same way, delivered as `init … initDone` for an atomic swap;
 * - every failure (network, 5xx, 429, 504 ResourceVersionTooLarge, inactivity) → retry after the
 *   reconnect backoff, never a silent stop: the watcher ends only when `signal` aborts or the consumer
 *   stops iterating. Errors are reported through `onNote`.
 *
 * @example
 * ```ts
 * import { ConfigMap } from 'capstan';
 * import { KubeClient } from 'capstan/client';
 * import { watcher } from 'capstan/watch';
 * const client = await KubeClient.fromKubeconfig();
 * const signal = AbortSignal.timeout(60_000);
 * for await (const event of watcher(client.resource(ConfigMap), { namespace: 'default', signal })) {
 *   if (event.type === 'apply') console.log('changed', event.object.metadata.name);
 * }
 * await client.close();
 * ```
 */
export async function* watcher<T extends KubeObject>(
  source: ListWatchSource<T>,
  options: WatcherOptions = {},
): AsyncGenerator<WatchEvent<T>, void, undefined> {
  const loop = new WatchLoop(source, options);
  let current = loop.start();
  while (!loop.stopped) {
    for (const event of current.events) yield event;
    const next = current.next;
    if (next.kind === 'read') throw new UsageError('INVALID_STATE', 'watcher: a read outside a watch session');
    if (!(await loop.wait(next.delay))) return;
    const result: WatchStep<T> | undefined =
      next.kind === 'list'
        ? await loop.listPage(next.continueToken, next.resourceVersion)
        : yield* loop.session(next.kind === 'watch' ? next.resourceVersion : undefined);
    if (!result) return;
    current = result;
  }
}

/** The I/O of one watcher: each method performs one request and feeds the outcome to the state machine. */
class WatchLoop<T extends KubeObject> {
  private state: WatchState = { phase: 'Empty', cause: 'initial' };
  private readonly source: ListWatchSource<T>;
  private readonly options: WatcherOptions;
  private readonly signal: AbortSignal | undefined;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly backoff: ReconnectBackoff;
  private readonly inactivityMs: number;
  private readonly what: string;
  private lastRequestWasWatch = false;

  constructor(source: ListWatchSource<T>, options: WatcherOptions) {
    this.source = source;
    this.options = options;
    this.signal = options.signal;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.backoff =
      options.backoff instanceof ReconnectBackoff ? options.backoff : new ReconnectBackoff({ random: this.random, ...options.backoff });
    this.inactivityMs = options.inactivityTimeoutMs ?? 150_000;
    this.what = `watch ${source.kind.plural}${options.namespace ? ` in ${options.namespace}` : ''}`;
  }

  get stopped(): boolean {
    return this.signal?.aborted ?? false;
  }

  start(): WatchStep<T> {
    const first = initialStep<T>();
    this.record(first);
    return first;
  }

  /** Wait out the delay; false when the watcher was stopped meanwhile. */
  async wait(delay: Delay): Promise<boolean> {
    if (!delay.backoff || this.stopped) return !this.stopped;
    const delayMs = Math.max(this.backoff.next(this.clock.now()), delay.atLeastMs ?? 0);
    this.note({ type: 'backoff', delayMs });
    await new Promise<void>((resolve) => {
      const onAbort = () => {
        timer.cancel();
        resolve();
      };
      const timer = this.clock.setTimer(() => {
        this.signal?.removeEventListener('abort', onAbort);
        resolve();
      }, delayMs);
      this.signal?.addEventListener('abort', onAbort, { once: true });
    });
    return !this.stopped;
  }

  async listPage(continueToken: string | undefined, resourceVersion: string | undefined): Promise<WatchStep<T> | undefined> {
    this.note({ type: 'listRequested', continueToken });
    this.lastRequestWasWatch = false;
    const { namespace, labelSelector, fieldSelector } = this.options;
    let page: ObjectList<T>;
    try {
      page = await this.source.list({
        namespace,
        labelSelector,
        fieldSelector,
        limit: this.options.pageSize ?? 500,
        continueToken,
        resourceVersion,
        signal: this.signal,
        timeoutMs: this.options.requestTimeoutMs,
      });
    } catch (error) {
      return this.stopped ? undefined : this.advance({ type: 'ListFailed', error });
    }
    return this.advance({ type: 'Listed', page });
  }

  /**
   * Open a watch from `resourceVersion`, or a streaming list when it is undefined, and read it until the state
   * machine asks for something else.
   */
  async *session(resourceVersion: string | undefined): AsyncGenerator<WatchEvent<T>, WatchStep<T> | undefined, undefined> {
    const streaming = resourceVersion === undefined;
    this.note(
      streaming
        ? { type: 'watchRequested', resourceVersion: '', reconnect: false, sendInitialEvents: true }
        : { type: 'watchRequested', resourceVersion, reconnect: this.lastRequestWasWatch },
    );
    this.lastRequestWasWatch = true;
    const connection = new AbortController();
    const signal = this.signal ? AbortSignal.any([this.signal, connection.signal]) : connection.signal;
    const { namespace, labelSelector, fieldSelector } = this.options;
    const range = this.options.watchTimeoutSeconds ?? { min: 300, max: 600 };
    const openedAt = this.clock.now();
    let iterator: AsyncIterator<RawWatchEvent<T>>;
    try {
      const stream = await this.source.watch({
        namespace,
        labelSelector,
        fieldSelector,
        resourceVersion,
        allowWatchBookmarks: true,
        ...(streaming ? { sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan' as const } : {}),
        timeoutSeconds: range.min + Math.floor(this.random() * (range.max - range.min + 1)),
        signal,
        timeoutMs: this.options.requestTimeoutMs,
      });
      iterator = stream[Symbol.asyncIterator]();
    } catch (error) {
      return this.stopped ? undefined : this.advance({ type: 'WatchFailed', error });
    }
    const opened = this.advance({ type: 'WatchOpened' });
    let silentSince = this.clock.now();
    let silent = false;
    let timer: Timer | undefined;
    const arm = () => {
      silentSince = this.clock.now();
      // Before its end marker a streaming list has no reason to pause: a server that does is one that took the
      // request for a plain watch, and the machine turns to a list instead of waiting for a bookmark.
      const limitMs = this.state.phase === 'InitStream' ? Math.min(this.inactivityMs, initialEventsSilenceMs) : this.inactivityMs;
      timer = this.clock.setTimer(() => {
        silent = true;
        this.note({ type: 'inactivityTimeout', silentMs: this.clock.now() - silentSince });
        connection.abort();
      }, limitMs);
    };
    let eventsSeen = 0;
    try {
      // A streaming list begins here with `init`, so that the consumer drops what a broken attempt delivered.
      for (const event of opened.events) yield event;
      for (;;) {
        arm();
        let result: IteratorResult<RawWatchEvent<T>>;
        try {
          result = await iterator.next();
        } catch (error) {
          if (this.stopped) return undefined;
          return this.advance({
            type: 'WatchFailed',
            error: silent ? inactivityTimeout(this.what, this.clock.now() - silentSince) : error,
          });
        } finally {
          timer?.cancel();
        }
        if (result.done) return this.advance({ type: 'WatchEnded', eventsSeen, durationMs: this.clock.now() - openedAt });
        eventsSeen++;
        const next = this.advance({ type: 'Event', event: result.value });
        // The inactivity timer is off while the consumer handles events: a slow consumer is not a dead server.
        for (const event of next.events) yield event;
        if (next.next.kind !== 'read') return next;
      }
    } finally {
      connection.abort();
      await iterator.return?.().catch(() => undefined);
    }
  }

  private advance(input: WatchInput<T>): WatchStep<T> {
    const result = step(this.state, input);
    this.state = result.state;
    this.record(result);
    return result;
  }

  private record(result: WatchStep<T>): void {
    for (const signal of result.signals) this.note(signal);
  }

  private note(note: WatchNote extends infer N ? (N extends WatchNote ? Omit<N, 'at'> : never) : never): void {
    this.options.onNote?.({ ...note, at: this.clock.now() });
  }
}
