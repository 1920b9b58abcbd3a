import { isCapstanError } from '../core/index.ts';
import { veryShortWatchMs } from './watch-machine.ts';
import type { WatchNote } from './watch-notes.ts';

/**
 * Whether one watcher is keeping its cache current, from its notes: a readiness probe's view of a watch. Trouble
 * begins at the first failure (a failed list or watch request, a 410, an inactivity timeout, a watch that ended
 * at once) and ends when the watch has resumed: an event, a bookmark or a completed list, or a watch open for
 * a second without failing (client-go's "very short watch"; a server that accepts watches only to end them does not count as
 * resumed). A watch that is merely quiet is healthy: quiet is what an idle cluster looks like, and the inactivity
 * timeout turns a dead connection into a failure.
 *
 * @example
 * ```ts
 * import { WatchHealth } from 'capstan/watch';
 * const health = new WatchHealth();
 * health.observe({ type: 'error', during: 'watch', error: new Error('connection refused'), at: 1_000 });
 * console.log(health.unresumedMs(31_000)); // 30000: unable to resume for 30 s
 * health.observe({ type: 'bookmark', resourceVersion: '42', at: 32_000 });
 * console.log(health.unresumedMs(33_000)); // 0
 * ```
 */
export class WatchHealth {
  /** Monotonic ms of the first failure since the watch last worked; undefined while it works. */
  private troubleSince: number | undefined;
  /** Monotonic ms at which a watch opened during trouble, until it fails again. */
  private openedAt: number | undefined;
  private lastProblem: string | undefined;

  /** The observer function; bound, so it can be passed as is. */
  readonly observe = (note: WatchNote): void => {
    switch (note.type) {
      case 'event':
      case 'bookmark':
      case 'relistDone':
        this.troubleSince = undefined;
        this.openedAt = undefined;
        break;
      case 'watchOpened':
        if (this.troubleSince !== undefined) this.openedAt = note.at;
        break;
      case 'error':
        this.fail(note.at, describe(note.error));
        break;
      case 'gone':
        this.fail(note.at, `410 Gone during the ${note.during}: listing again`);
        break;
      case 'inactivityTimeout':
        this.fail(note.at, `no event or bookmark for ${Math.round(note.silentMs / 1000)} s`);
        break;
      case 'watchEnded':
        if (note.short) this.fail(note.at, 'the watch ended at once, without an event');
        break;
      default:
        break;
    }
  };

  /** How long (ms, on the notes' clock) the watch has been unable to resume; 0 while it works. */
  unresumedMs(nowMs: number = performance.now()): number {
    if (this.troubleSince === undefined) return 0;
    if (this.openedAt !== undefined && nowMs - this.openedAt >= veryShortWatchMs) {
      this.troubleSince = undefined;
      this.openedAt = undefined;
      return 0;
    }
    return Math.max(0, nowMs - this.troubleSince);
  }

  /** The last failure, in words (kept after recovery, for logs). */
  get lastFailure(): string | undefined {
    return this.lastProblem;
  }

  private fail(at: number, problem: string): void {
    this.troubleSince ??= at;
    this.openedAt = undefined;
    this.lastProblem = problem;
  }
}

/**
 * A bounded label for an error of a watch or list request: the HTTP status (`"410"`, `"503"`), else a Capstan
 * error code (`"INACTIVITY_TIMEOUT"`), else a Node system error code (`"ECONNREFUSED"`), else `"unknown"`.
 *
 * @example
 * ```ts
 * import { watchErrorCode } from 'capstan/watch';
 * console.log(watchErrorCode(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))); // 'ECONNREFUSED'
 * ```
 */
export function watchErrorCode(error: unknown): string {
  const status = (error as { httpStatus?: unknown } | undefined)?.httpStatus;
  if (typeof status === 'number') return String(status);
  if (isCapstanError(error)) return error.code;
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 3; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return code;
  }
  return 'unknown';
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
