export { type BackoffOptions, ReconnectBackoff } from './backoff.ts';
export { inactivityTimeout, WatchError } from './errors.ts';
export type { ListWatchSource, WatchEvent } from './watch-event.ts';
export {
  classifyError,
  type Delay,
  initialStep,
  type NextAction,
  type RelistCause,
  step,
  veryShortWatchMs,
  type WatchInput,
  type WatchSignal,
  type WatchState,
  type WatchStep,
} from './watch-machine.ts';
export { type WatchMetrics, watchMetricsObserver, type WatchNote, type WatchObserver } from './watch-notes.ts';
export { type WatchCounts, WatchStats } from './watch-stats.ts';
export { watcher, type WatcherOptions } from './watcher.ts';
// What the cache layer needs from the layers below, so that it never imports the client itself.
export type { CollectionScope, RawWatchEvent } from '../client/index.ts';
