import type { WatchNote } from './watch-notes.ts';

/**
 * Counters of one watcher since it started.
 *
 * @noExample What {@link WatchStats.counts} holds; the example of `WatchStats` prints it.
 */
export interface WatchCounts {
  /** Object events on open watches (`ADDED`, `MODIFIED`, `DELETED`; the objects of a list are not counted). */
  events: number;
  /** Bookmarks on open watches. */
  bookmarks: number;
  /** Full lists after the initial one (after a 410 or an expired continue token). */
  relists: number;
  /** 410 answers (on a watch or a list page). */
  gone: number;
  /** Watches reopened from a known resourceVersion. */
  reconnects: number;
  /** Watches closed because they were silent past the inactivity timeout. */
  inactivityTimeouts: number;
  /** Failed list and watch requests: error answers (410s included), broken connections, watches closed for silence. */
  errors: number;
  /** Requests sent: list pages and watch opens. */
  requests: number;
}

/**
 * An observer that keeps a watcher's counters, the time of its last event or bookmark, its last error,
 * and the latest notes (a timeline to print when something goes wrong). Pass `stats.observe` as the
 * watcher's `onNote`.
 *
 * @example
 * ```ts
 * import { ConfigMap } from 'capstan';
 * import { KubeClient } from 'capstan/client';
 * import { watcher, WatchStats } from 'capstan/watch';
 * const client = await KubeClient.fromKubeconfig();
 * const stats = new WatchStats();
 * const controller = new AbortController();
 * for await (const event of watcher(client.resource(ConfigMap), { signal: controller.signal, onNote: stats.observe })) {
 *   if (event.type === 'initDone') controller.abort();
 * }
 * console.log(stats.counts, stats.formatTimeline());
 * await client.close();
 * ```
 */
export class WatchStats {
  /** The counters, updated in place as notes arrive. */
  readonly counts: WatchCounts = {
    events: 0,
    bookmarks: 0,
    relists: 0,
    gone: 0,
    reconnects: 0,
    inactivityTimeouts: 0,
    errors: 0,
    requests: 0,
  };
  /** Monotonic ms of the last event or bookmark (or of the completed list), if any. */
  lastActivityAt: number | undefined;
  /** The error of the last failed request (kept after recovery); undefined before the first failure. */
  lastError: unknown;
  /** True once a complete list has been delivered. */
  synced = false;
  private readonly notes: WatchNote[] = [];
  private readonly keep: number;

  /** `keepNotes`: how many of the latest notes the timeline keeps (500). */
  constructor(options: { keepNotes?: number } = {}) {
    this.keep = options.keepNotes ?? 500;
  }

  /** The observer function; bound, so it can be passed as is. */
  readonly observe = (note: WatchNote): void => {
    this.notes.push(note);
    if (this.notes.length > this.keep) this.notes.shift();
    const c = this.counts;
    switch (note.type) {
      case 'event':
        c.events++;
        this.lastActivityAt = note.at;
        break;
      case 'bookmark':
        c.bookmarks++;
        this.lastActivityAt = note.at;
        break;
      case 'relistStarted':
        if (note.cause !== 'initial') c.relists++;
        break;
      case 'relistDone':
        this.synced = true;
        this.lastActivityAt = note.at;
        break;
      case 'gone':
        c.gone++;
        break;
      case 'watchRequested':
        c.requests++;
        if (note.reconnect) c.reconnects++;
        break;
      case 'listRequested':
        c.requests++;
        break;
      case 'inactivityTimeout':
        c.inactivityTimeouts++;
        break;
      case 'error':
        c.errors++;
        this.lastError = note.error;
        break;
      default:
        break;
    }
  };

  /**
   * Seconds since the last event or bookmark (or the completed list), on the watcher's clock
   * (`performance.now()` unless a clock was injected); undefined before the first list completes.
   */
  secondsSinceActivity(nowMs: number = performance.now()): number | undefined {
    return this.lastActivityAt === undefined ? undefined : (nowMs - this.lastActivityAt) / 1000;
  }

  /** The retained notes, oldest first. */
  get timeline(): readonly WatchNote[] {
    return this.notes;
  }

  /** Notes of one type, e.g. every `relistStarted`. */
  notesOf<K extends WatchNote['type']>(
    type: K,
  ): Array<
    Extract<
      WatchNote,
      {
        /** The note type asked for. */
        type: K;
      }
    >
  > {
    return this.notes.filter((n): n is Extract<WatchNote, { type: K }> => n.type === type);
  }

  /** One line per note, times relative to `originMs` (the first note by default). */
  formatTimeline(originMs?: number): string {
    const origin = originMs ?? this.notes[0]?.at ?? 0;
    return this.notes
      .map((note) => {
        const { type, at, ...rest } = note;
        const details = Object.entries(rest)
          .map(([k, v]) => `${k}=${v instanceof Error ? v.message : JSON.stringify(v)}`)
          .join(' ');
        return `${((at - origin) / 1000).toFixed(3).padStart(9)} s  ${type}${details ? ` ${details}` : ''}`;
      })
      .join('\n');
  }
}
