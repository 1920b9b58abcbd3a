export { ReconnectBackoff, type ReconnectBackoffOptions } from './backoff.ts';
export { inactivityTimeout, WatchError } from './errors.ts';
export type { ListWatchSource, WatchEvent } from './watch-event.ts';
// The state machine itself (`step`, its states and inputs) is private: watcher() is its public face.
export type { RelistCause, WatchSignal } from './watch-machine.ts';
export { WatchHealth, watchErrorCode } from './watch-health.ts';
export { type WatchMetrics, watchMetricsObserver, type WatchNote, type WatchObserver } from './watch-notes.ts';
export { type WatchCounts, WatchStats } from './watch-stats.ts';
export { watcher, type WatcherOptions } from './watcher.ts';
// What the cache layer needs from the layers below, so that it never imports the client itself.
export type { CollectionScope, RawWatchEvent } from '../client/index.ts';
