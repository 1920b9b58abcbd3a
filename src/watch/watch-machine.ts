// The list+watch protocol as a pure state machine (kube-rs watcher.rs `State`): `step(state, input)`
// returns the next state, the events for the consumer, what the I/O loop must do next, and signals for
// metrics. No sockets, no timers: the loop in watcher.ts does the I/O and measures time.
import { ApiError, isApiError, isExpired, type RawWatchEvent } from '../client/index.ts';
import { type KubeObject, type ObjectList, UsageError } from '../core/index.ts';
import type { WatchEvent } from './watch-event.ts';

/** Why a full list is (re)started. */
export type RelistCause = 'initial' | 'gone' | 'continueExpired';

/**
 * Where the protocol stands:
 * - `Empty`: nothing listed (at start, or after a 410): the next step is the first page of a list;
 * - `InitPage`: a paginated list is under way; `continueToken` fetches the next page;
 * - `InitListed`: the store is complete as of `resourceVersion`, no watch is open: open one from there;
 * - `Watching`: a watch is open and events flow; `resourceVersion` is that of the last event or bookmark.
 */
export type WatchState =
  | { phase: 'Empty'; cause: RelistCause }
  | { phase: 'InitPage'; cause: RelistCause; continueToken: string }
  | { phase: 'InitListed'; resourceVersion: string }
  | { phase: 'Watching'; resourceVersion: string };

/** What happened, as the I/O loop reports it. */
export type WatchInput<T> =
  | { type: 'Listed'; page: ObjectList<T> }
  | { type: 'ListFailed'; error: unknown }
  | { type: 'WatchOpened' }
  | { type: 'Event'; event: RawWatchEvent<T> }
  /** The server ended the watch response normally (its `timeoutSeconds`, or a restart). */
  | { type: 'WatchEnded'; eventsSeen: number; durationMs: number }
  /** Opening the watch failed, the stream broke, or it was silent past the inactivity timeout. */
  | { type: 'WatchFailed'; error: unknown };

/** Whether the loop waits before the next request: not at all, or one step of the reconnect backoff. */
export interface Delay {
  backoff: boolean;
  /** A floor the server asked for (`Retry-After` of a 429). */
  atLeastMs?: number;
}

/** The I/O the loop performs next. `read` means: keep reading the open watch. */
export type NextAction =
  | { kind: 'list'; continueToken: string | undefined; delay: Delay }
  | { kind: 'watch'; resourceVersion: string; delay: Delay }
  | { kind: 'read' };

/** Facts for metrics and timelines; they never change what the consumer sees. */
export type WatchSignal =
  | { type: 'relistStarted'; cause: RelistCause }
  | { type: 'relistDone'; objects: number; resourceVersion: string }
  | { type: 'watchOpened'; resourceVersion: string }
  | { type: 'event'; eventType: 'ADDED' | 'MODIFIED' | 'DELETED' }
  | { type: 'bookmark'; resourceVersion: string }
  | { type: 'gone'; during: 'list' | 'watch' }
  | { type: 'watchEnded'; short: boolean }
  | { type: 'error'; during: 'list' | 'watch'; error: unknown };

/** The result of one {@link step}. */
export interface WatchStep<T> {
  state: WatchState;
  events: WatchEvent<T>[];
  next: NextAction;
  signals: WatchSignal[];
}

/** A watch that ends within this long without one event failed (client-go's "very short watch"). */
export const veryShortWatchMs = 1_000;

const now = { backoff: false } as const;
const afterBackoff = { backoff: true } as const;

/** The first step: list everything. */
export function initialStep<T>(): WatchStep<T> {
  return {
    state: { phase: 'Empty', cause: 'initial' },
    events: [],
    signals: [{ type: 'relistStarted', cause: 'initial' }],
    next: { kind: 'list', continueToken: undefined, delay: now },
  };
}

/**
 * How an error is handled: `gone` (the resourceVersion expired: `isExpired`) relists from scratch; anything
 * else is `retry`, the same request again after a backoff, at least the server's `retryAfterSeconds`. That
 * includes what `isRetryable` does not: a watcher never stops, and a 403 ends when the missing RBAC rule is granted.
 */
export function classifyError(error: unknown): { action: 'gone' | 'retry'; atLeastMs?: number } {
  if (isExpired(error)) return { action: 'gone' };
  // 504 ResourceVersionTooLarge, 429 while the watch cache initializes, 5xx: the same request will work later.
  const retryAfter = isApiError(error) ? error.status.details?.retryAfterSeconds : undefined;
  return retryAfter ? { action: 'retry', atLeastMs: retryAfter * 1000 } : { action: 'retry' };
}

/** One transition. Throws on an input the state cannot receive: that is a bug in the loop, not in the server. */
export function step<T extends KubeObject>(state: WatchState, input: WatchInput<T>): WatchStep<T> {
  switch (state.phase) {
    case 'Empty':
    case 'InitPage':
      if (input.type === 'Listed') return listed(state, input.page);
      if (input.type === 'ListFailed') return listFailed(state, input.error);
      break;
    case 'InitListed':
      if (input.type === 'WatchOpened') {
        return {
          state: { phase: 'Watching', resourceVersion: state.resourceVersion },
          events: [],
          next: { kind: 'read' },
          signals: [{ type: 'watchOpened', resourceVersion: state.resourceVersion }],
        };
      }
      if (input.type === 'WatchFailed') return watchFailed(state.resourceVersion, input.error);
      break;
    case 'Watching':
      if (input.type === 'Event') return watchEvent(state, input.event);
      if (input.type === 'WatchFailed') return watchFailed(state.resourceVersion, input.error);
      if (input.type === 'WatchEnded') {
        const short = input.eventsSeen === 0 && input.durationMs < veryShortWatchMs;
        return {
          state: { phase: 'InitListed', resourceVersion: state.resourceVersion },
          events: [],
          next: { kind: 'watch', resourceVersion: state.resourceVersion, delay: short ? afterBackoff : now },
          signals: [{ type: 'watchEnded', short }],
        };
      }
      break;
  }
  throw new UsageError('INVALID_STATE', `watch state machine: input ${input.type} cannot happen in phase ${state.phase}`);
}

function listed<T>(state: Extract<WatchState, { phase: 'Empty' | 'InitPage' }>, page: ObjectList<T>): WatchStep<T> {
  const events: WatchEvent<T>[] = state.phase === 'Empty' ? [{ type: 'init' }] : [];
  for (const object of page.items) events.push({ type: 'initApply', object });
  const continueToken = page.metadata.continue;
  if (continueToken) {
    return {
      state: { phase: 'InitPage', cause: state.cause, continueToken },
      events,
      signals: [],
      next: { kind: 'list', continueToken, delay: now },
    };
  }
  const resourceVersion = page.metadata.resourceVersion ?? '';
  events.push({ type: 'initDone' });
  return {
    state: { phase: 'InitListed', resourceVersion },
    events,
    next: { kind: 'watch', resourceVersion, delay: now },
    signals: [{ type: 'relistDone', objects: page.items.length, resourceVersion }],
  };
}

function listFailed<T>(state: Extract<WatchState, { phase: 'Empty' | 'InitPage' }>, error: unknown): WatchStep<T> {
  const { action, atLeastMs } = classifyError(error);
  if (action === 'gone' && state.phase === 'InitPage') {
    // The continue token expired (etcd compacted past the list's snapshot): start the list over.
    return {
      state: { phase: 'Empty', cause: 'continueExpired' },
      events: [],
      next: { kind: 'list', continueToken: undefined, delay: afterBackoff },
      signals: [
        { type: 'gone', during: 'list' },
        { type: 'error', during: 'list', error },
        { type: 'relistStarted', cause: 'continueExpired' },
      ],
    };
  }
  const continueToken = state.phase === 'InitPage' ? state.continueToken : undefined;
  return {
    state,
    events: [],
    next: { kind: 'list', continueToken, delay: { backoff: true, atLeastMs } },
    signals: [{ type: 'error', during: 'list', error }],
  };
}

function watchFailed<T>(resourceVersion: string, error: unknown): WatchStep<T> {
  const { action, atLeastMs } = classifyError(error);
  if (action === 'gone') return gone('watch', error);
  return {
    state: { phase: 'InitListed', resourceVersion },
    events: [],
    next: { kind: 'watch', resourceVersion, delay: { backoff: true, atLeastMs } },
    signals: [{ type: 'error', during: 'watch', error }],
  };
}

function gone<T>(during: 'list' | 'watch', error: unknown): WatchStep<T> {
  return {
    state: { phase: 'Empty', cause: 'gone' },
    events: [],
    next: { kind: 'list', continueToken: undefined, delay: now },
    signals: [
      { type: 'gone', during },
      { type: 'error', during, error },
      { type: 'relistStarted', cause: 'gone' },
    ],
  };
}

function watchEvent<T extends KubeObject>(state: Extract<WatchState, { phase: 'Watching' }>, event: RawWatchEvent<T>): WatchStep<T> {
  if (event.type === 'ERROR') {
    const error = new ApiError('WATCH', 'event', event.object.code ?? 500, event.object);
    const { action, atLeastMs } = classifyError(error);
    if (action === 'gone') return gone('watch', error);
    return {
      state: { phase: 'InitListed', resourceVersion: state.resourceVersion },
      events: [],
      next: { kind: 'watch', resourceVersion: state.resourceVersion, delay: { backoff: true, atLeastMs } },
      signals: [{ type: 'error', during: 'watch', error }],
    };
  }
  const resourceVersion = event.object.metadata.resourceVersion ?? state.resourceVersion;
  const next: WatchState = { phase: 'Watching', resourceVersion };
  if (event.type === 'BOOKMARK') {
    return { state: next, events: [], next: { kind: 'read' }, signals: [{ type: 'bookmark', resourceVersion }] };
  }
  const events: WatchEvent<T>[] = [
    event.type === 'DELETED' ? { type: 'delete', object: event.object } : { type: 'apply', object: event.object },
  ];
  return { state: next, events, next: { kind: 'read' }, signals: [{ type: 'event', eventType: event.type }] };
}
