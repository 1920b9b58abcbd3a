// The list+watch protocol as a pure state machine (kube-rs watcher.rs `State`): `step(state, input)`
// returns the next state, the events for the consumer, what the I/O loop must do next, and signals for
// metrics. No sockets, no timers: the loop in watcher.ts does the I/O and measures time.
import { ApiError, isApiError, isExpired, isRefusal, type RawWatchEvent } from '../client/index.ts';
import { type KubeObject, type ObjectList, UsageError } from '../core/index.ts';
import { WatchError } from './errors.ts';
import type { WatchEvent } from './watch-event.ts';

/**
 * Why a full list is (re)started: `initial`, the first one; `gone`, a watch answered 410 (its resourceVersion is
 * older than the server keeps); `continueExpired`, the continue token of a list page expired.
 *
 * @noExample A label carried by the `relistStarted` note and {@link WatchMetrics.relisted}; the example of
 * `WatchMetrics` counts relists by it.
 */
export type RelistCause = 'initial' | 'gone' | 'continueExpired';

/**
 * Where the protocol stands:
 * - `Empty`: nothing synced (at start, or after a 410): the next step opens a streaming list;
 * - `InitStream`: a streaming list is open (a watch with `sendInitialEvents=true`): one `ADDED` per object
 *   arrives, then a bookmark marked {@link initialEventsEnd}; `objects` counts those seen so far;
 * - `InitPage`: the fallback, a plain list, is under way (the server refused the streaming list or does not
 *   implement it); `continueToken` fetches the next page, none the first;
 * - `InitListed`: the store is complete as of `resourceVersion`, no watch is open: open one from there;
 * - `Watching`: a watch is open and events flow; `resourceVersion` is that of the last event or bookmark.
 */
export type WatchState =
  | { phase: 'Empty'; cause: RelistCause }
  | { phase: 'InitStream'; cause: RelistCause; objects: number }
  | { phase: 'InitPage'; cause: RelistCause; continueToken: string | undefined; objects: number }
  | { phase: 'InitListed'; resourceVersion: string }
  | { phase: 'Watching'; resourceVersion: string };

/** What happened, as the I/O loop reports it. */
export type WatchInput<T> =
  | { type: 'Listed'; page: ObjectList<T> }
  | { type: 'ListFailed'; error: unknown }
  /** The server accepted the watch (or the streaming list) request. */
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

/**
 * The I/O the loop performs next:
 * - `stream`: a streaming list (KEP-3157): a watch with `sendInitialEvents=true`,
 *   `resourceVersionMatch=NotOlderThan`, bookmarks, and no resourceVersion (a consistent read of the latest state);
 * - `list`: one page of a plain list; `resourceVersion` `'0'` lets a watch cache serve the whole first page at
 *   once (it ignores the limit), and is left out (the latest state) on a relist and on continue pages;
 * - `watch`: a watch from `resourceVersion`;
 * - `read`: keep reading the open watch.
 */
export type NextAction =
  | { kind: 'stream'; delay: Delay }
  | { kind: 'list'; continueToken: string | undefined; resourceVersion: '0' | undefined; delay: Delay }
  | { kind: 'watch'; resourceVersion: string; delay: Delay }
  | { kind: 'read' };

/**
 * Facts for metrics and timelines; they never change what the consumer sees.
 *
 * @noExample Part of {@link WatchNote}, whose example reads it.
 */
export type WatchSignal =
  | {
      /** A full list begins. */
      type: 'relistStarted';
      /** Why. */
      cause: RelistCause;
    }
  | {
      /** The list is complete, and delivered up to `initDone`. */
      type: 'relistDone';
      /** How many objects it holds. */
      objects: number;
      /** The version it is complete as of, which the watch resumes from. */
      resourceVersion: string;
    }
  | {
      /** The streaming list is not available from this server: this relist goes on as a plain list. */
      type: 'streamingListFallback';
      /** Why, in words (a refusal, or a server that ignored `sendInitialEvents`). */
      reason: string;
    }
  | {
      /** The server accepted a watch (or streaming list) request. */
      type: 'watchOpened';
      /** The version it resumes from; `''` for a streaming list. */
      resourceVersion: string;
    }
  | {
      /** An object event on an open watch (the objects of a list are not events). */
      type: 'event';
      /** Its type. */
      eventType: 'ADDED' | 'MODIFIED' | 'DELETED';
    }
  | {
      /** A bookmark on an open watch. */
      type: 'bookmark';
      /** The version it advances to, which the next watch resumes from. */
      resourceVersion: string;
    }
  | {
      /** A 410: the resourceVersion or continue token expired; a relist follows. */
      type: 'gone';
      /** The request it answered (a streaming list is a watch). */
      during: 'list' | 'watch';
    }
  | {
      /** The server ended a watch normally (its `timeoutSeconds`, a restart); it is reopened. */
      type: 'watchEnded';
      /** Ended within a second without an event: counted as a failure, and the reopen waits for the backoff. */
      short: boolean;
    }
  | {
      /** A list or watch request failed; the same request is sent again after the backoff, or a relist starts. */
      type: 'error';
      /** The request that failed (a streaming list is a watch). */
      during: 'list' | 'watch';
      /** What failed: an {@link ApiError}, a `ClientError`, a {@link WatchError} for a silent watch, … */
      error: unknown;
    };

/** The result of one {@link step}. */
export interface WatchStep<T> {
  state: WatchState;
  events: WatchEvent<T>[];
  next: NextAction;
  signals: WatchSignal[];
}

/** A watch that ends within this long without one event failed (client-go's "very short watch"). */
export const veryShortWatchMs = 1_000;

/** The annotation of the bookmark that ends the initial events of a streaming list (`metav1.InitialEventsAnnotationKey`). */
export const initialEventsEnd = 'k8s.io/initial-events-end';

const now = { backoff: false } as const;
const afterBackoff = { backoff: true } as const;

/** The first step: a streaming list of everything. */
export function initialStep<T>(): WatchStep<T> {
  return {
    state: { phase: 'Empty', cause: 'initial' },
    events: [],
    signals: [{ type: 'relistStarted', cause: 'initial' }],
    next: { kind: 'stream', delay: now },
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
      if (input.type === 'WatchOpened') {
        return {
          state: { phase: 'InitStream', cause: state.cause, objects: 0 },
          events: [{ type: 'init' }],
          next: { kind: 'read' },
          signals: [{ type: 'watchOpened', resourceVersion: '' }],
        };
      }
      if (input.type === 'WatchFailed') return streamFailed(state.cause, input.error);
      break;
    case 'InitStream':
      if (input.type === 'Event') return initialEvent(state, input.event);
      if (input.type === 'WatchFailed') {
        if (input.error instanceof WatchError && input.error.code === 'INACTIVITY_TIMEOUT') {
          // A server that implements streaming lists sends the initial events at once, then the end marker; a
          // silent one took the request for a plain watch (an old server: nothing changes, so nothing comes).
          return fallBack(
            state.cause,
            `silent before the end of the initial events: the server ignores sendInitialEvents (${input.error.message})`,
          );
        }
        return streamFailed(state.cause, input.error);
      }
      if (input.type === 'WatchEnded') {
        // Ended before the end marker (a server restart, its timeout): what arrived is incomplete. Stream again.
        return {
          state: { phase: 'Empty', cause: state.cause },
          events: [],
          next: { kind: 'stream', delay: afterBackoff },
          signals: [{ type: 'watchEnded', short: input.eventsSeen === 0 && input.durationMs < veryShortWatchMs }],
        };
      }
      break;
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

/**
 * One event of the initial events: an `ADDED` per object, then the end marker. Anything else (`MODIFIED`,
 * `DELETED`, a bookmark without the marker) means the server ignored `sendInitialEvents` and is sending a plain
 * watch: the relist goes on as a list.
 */
function initialEvent<T extends KubeObject>(state: Extract<WatchState, { phase: 'InitStream' }>, event: RawWatchEvent<T>): WatchStep<T> {
  if (event.type === 'ERROR') {
    return streamFailed(state.cause, new ApiError('WATCH', 'event', event.object.code ?? 500, event.object));
  }
  if (event.type === 'ADDED') {
    return {
      state: { ...state, objects: state.objects + 1 },
      events: [{ type: 'initApply', object: event.object }],
      next: { kind: 'read' },
      signals: [],
    };
  }
  if (event.type === 'BOOKMARK' && event.object.metadata.annotations?.[initialEventsEnd] === 'true') {
    const resourceVersion = event.object.metadata.resourceVersion ?? '';
    return {
      state: { phase: 'Watching', resourceVersion },
      events: [{ type: 'initDone' }],
      next: { kind: 'read' },
      signals: [{ type: 'relistDone', objects: state.objects, resourceVersion }],
    };
  }
  const what = event.type === 'BOOKMARK' ? `a bookmark without the ${initialEventsEnd} annotation` : `a ${event.type} event`;
  return fallBack(state.cause, `${what} before the end of the initial events: the server ignores sendInitialEvents`);
}

/** The streaming list could not be opened, or broke before its end marker. */
function streamFailed<T>(cause: RelistCause, error: unknown): WatchStep<T> {
  // The server does not take the request (a WatchList feature gate turned off: 422 Invalid; 400, 405 elsewhere);
  // a 403 is not one of these: it is the watch verb's RBAC, which a list would not mend.
  if (isRefusal(error) && error.code !== 'FORBIDDEN') {
    return fallBack(cause, `the server refused it: ${error.httpStatus} ${error.reason}: ${error.status.message ?? error.message}`);
  }
  const { action, atLeastMs } = classifyError(error);
  if (action === 'gone') {
    // Unexpected for a request that names no resourceVersion; start over, after a backoff so that it cannot spin.
    return {
      state: { phase: 'Empty', cause: 'gone' },
      events: [],
      next: { kind: 'stream', delay: afterBackoff },
      signals: [
        { type: 'gone', during: 'watch' },
        { type: 'error', during: 'watch', error },
        { type: 'relistStarted', cause: 'gone' },
      ],
    };
  }
  return {
    state: { phase: 'Empty', cause },
    events: [],
    next: { kind: 'stream', delay: { backoff: true, atLeastMs } },
    signals: [{ type: 'error', during: 'watch', error }],
  };
}

/** The same relist as a plain list, at once (nothing failed that waiting would mend). */
function fallBack<T>(cause: RelistCause, reason: string): WatchStep<T> {
  return {
    state: { phase: 'InitPage', cause, continueToken: undefined, objects: 0 },
    events: [],
    next: { kind: 'list', continueToken: undefined, resourceVersion: firstPageVersion(cause), delay: now },
    signals: [{ type: 'streamingListFallback', reason }],
  };
}

/**
 * The first page of the initial list may come from the watch cache as it is (`'0'`: one request, whatever the
 * limit); a relist asks for the latest state, so that the cache never goes back to before what it had seen.
 */
function firstPageVersion(cause: RelistCause): '0' | undefined {
  return cause === 'initial' ? '0' : undefined;
}

function listed<T>(state: Extract<WatchState, { phase: 'InitPage' }>, page: ObjectList<T>): WatchStep<T> {
  const events: WatchEvent<T>[] = state.continueToken === undefined ? [{ type: 'init' }] : [];
  for (const object of page.items) events.push({ type: 'initApply', object });
  const objects = state.objects + page.items.length;
  const continueToken = page.metadata.continue;
  if (continueToken) {
    return {
      state: { phase: 'InitPage', cause: state.cause, continueToken, objects },
      events,
      signals: [],
      next: { kind: 'list', continueToken, resourceVersion: undefined, delay: now },
    };
  }
  const resourceVersion = page.metadata.resourceVersion ?? '';
  events.push({ type: 'initDone' });
  return {
    state: { phase: 'InitListed', resourceVersion },
    events,
    next: { kind: 'watch', resourceVersion, delay: now },
    signals: [{ type: 'relistDone', objects, resourceVersion }],
  };
}

function listFailed<T>(state: Extract<WatchState, { phase: 'InitPage' }>, error: unknown): WatchStep<T> {
  const { action, atLeastMs } = classifyError(error);
  if (action === 'gone' && state.continueToken !== undefined) {
    // The continue token expired (etcd compacted past the list's snapshot): start the list over.
    return {
      state: { phase: 'InitPage', cause: 'continueExpired', continueToken: undefined, objects: 0 },
      events: [],
      next: { kind: 'list', continueToken: undefined, resourceVersion: firstPageVersion('continueExpired'), delay: afterBackoff },
      signals: [
        { type: 'gone', during: 'list' },
        { type: 'error', during: 'list', error },
        { type: 'relistStarted', cause: 'continueExpired' },
      ],
    };
  }
  const { continueToken } = state;
  const resourceVersion = continueToken === undefined ? firstPageVersion(state.cause) : undefined;
  return {
    state,
    events: [],
    next: { kind: 'list', continueToken, resourceVersion, delay: { backoff: true, atLeastMs } },
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
    next: { kind: 'stream', delay: now },
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
