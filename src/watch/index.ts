/**
 * List+watch as a stream: {@link watcher} lists a collection, then watches it forever (streaming lists,
 * bookmarks, resume from the last resourceVersion, relist after 410 Gone, reconnects with backoff, an inactivity
 * timeout for dead connections), and yields {@link WatchEvent}s; notes about what happens feed
 * {@link WatchStats}, {@link WatchHealth} and metrics. Import it to follow objects without a cache or a controller
 * (kube-rs `watcher`); `capstan/cache` builds informers on it, and controllers get their events from there.
 *
 * @module capstan/watch
 */
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
