import type { Clock, Timer } from './clock.ts';
import { UsageError } from './errors.ts';

interface Pending {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
  cancelled: boolean;
}

/** Let every promise continuation that is ready run (microtasks drain before the check phase). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A {@link Clock} that moves only when told to, for tests of timing guarantees without sleeps. Timers fire
 * in due order during {@link ManualClock.advance}; after each one, ready promise continuations run, so
 * async code driven by the timers makes progress exactly as it would in real time.
 *
 * @example
 * ```ts
 * import { ManualClock } from 'capstan/core';
 * const clock = new ManualClock();
 * let fired = false;
 * clock.setTimer(() => { fired = true; }, 1_000);
 * await clock.advance(999); // fired === false
 * await clock.advance(1);   // fired === true
 * ```
 */
export class ManualClock implements Clock {
  private current: number;
  private readonly wallOrigin: number;
  private readonly pending: Pending[] = [];
  private seq = 0;

  /**
   * @param options - `startMs`: the monotonic time it starts at (0); `wallStart`: the wall-clock time at that
   *   moment (2030-01-01T00:00:00Z), so that timestamps written in a test are the same on every run.
   */
  constructor(options: { startMs?: number; wallStart?: Date } = {}) {
    this.current = options.startMs ?? 0;
    this.wallOrigin = (options.wallStart ?? new Date('2030-01-01T00:00:00Z')).getTime() - this.current;
  }

  now(): number {
    return this.current;
  }

  wallNow(): Date {
    return new Date(this.wallOrigin + this.current);
  }

  setTimer(callback: () => void, delayMs: number): Timer {
    const entry: Pending = { at: this.current + Math.max(0, delayMs), seq: this.seq++, callback, cancelled: false };
    this.pending.push(entry);
    return {
      cancel: () => {
        entry.cancelled = true;
      },
    };
  }

  /** Timers scheduled and neither fired nor cancelled. */
  get pendingTimers(): number {
    return this.pending.filter((p) => !p.cancelled).length;
  }

  /** Milliseconds until the next live timer, or undefined when none is pending. */
  nextTimerIn(): number | undefined {
    const next = this.nextDue();
    return next ? next.at - this.current : undefined;
  }

  /**
   * Move time forward by `ms`, firing each timer that falls due (timers scheduled by fired callbacks
   * included) at its own time, and letting ready promise continuations run after each.
   */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    await settle();
    for (let next = this.nextDue(); next && next.at <= target; next = this.nextDue()) {
      this.current = Math.max(this.current, next.at);
      next.cancelled = true;
      next.callback();
      await settle();
    }
    this.current = target;
    await settle();
  }

  /**
   * Move time forward to the wall-clock time `date`, as {@link ManualClock.advance} does. Time never goes back
   * (a monotonic clock cannot): a `date` before {@link ManualClock.wallNow} throws.
   */
  async set(date: Date): Promise<void> {
    const ms = date.getTime() - this.wallNow().getTime();
    if (!(ms >= 0)) {
      throw new UsageError(
        'INVALID_ARGUMENT',
        `set(${date.toISOString()}): the clock is at ${this.wallNow().toISOString()} already and never goes back; make a new clock to start earlier`,
      );
    }
    await this.advance(ms);
  }

  /** Let ready promise continuations run without moving time. */
  settle(): Promise<void> {
    return settle();
  }

  private nextDue(): Pending | undefined {
    let best: Pending | undefined;
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const p = this.pending[i]!;
      if (p.cancelled) {
        this.pending.splice(i, 1);
        continue;
      }
      if (!best || p.at < best.at || (p.at === best.at && p.seq < best.seq)) best = p;
    }
    return best;
  }
}
