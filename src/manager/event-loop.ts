/**
 * Watches the event loop with a heartbeat timer: each beat measures how late it fired. A beat later than
 * `stallMs` means the loop was blocked that long (synchronous work, a wedged native call), and `/healthz` reports
 * it for `rememberMs` (default 30 s) after: a probe that only answers once the loop is free again would otherwise
 * always read "fine". With the generated liveness probe (every 20 s, 3 failures) one stall fails at most two probes;
 * a loop that keeps stalling fails three in a row and is restarted. A loop blocked for good answers no probe at
 * all, which the kubelet counts as a failure by itself.
 *
 * @example
 * ```ts
 * import { EventLoopMonitor } from 'capstan/manager';
 * const monitor = new EventLoopMonitor({ stallMs: 10_000 });
 * monitor.start();
 * console.log(monitor.check()); // undefined: no stall
 * monitor.stop();
 * ```
 */
export class EventLoopMonitor {
  private readonly stallMs: number;
  private readonly beatMs: number;
  private readonly rememberMs: number;
  private timer: NodeJS.Timeout | undefined;
  private expectedAt = 0;
  private lastStall: { endedAt: number; lagMs: number } | undefined;

  constructor(options: { stallMs: number; beatMs?: number; rememberMs?: number }) {
    this.stallMs = options.stallMs;
    this.beatMs = options.beatMs ?? Math.min(1_000, Math.max(10, Math.floor(options.stallMs / 4)));
    this.rememberMs = options.rememberMs ?? 30_000;
  }

  /** Start beating; the timer does not keep the process alive. */
  start(): void {
    if (this.timer) return;
    this.expectedAt = performance.now() + this.beatMs;
    this.timer = setInterval(() => this.beat(), this.beatMs);
    this.timer.unref();
  }

  /** Stop the heartbeat. Do not ask a stopped monitor: {@link EventLoopMonitor.check} would read the silence as a stall. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The `/healthz` check: why the loop counts as stalled, or undefined. */
  check(): string | undefined {
    // A beat overdue right now: the probe got in before the late timer (possible right after a long block).
    this.beat(false);
    const stall = this.lastStall;
    if (!stall || performance.now() - stall.endedAt > this.rememberMs) return undefined;
    const ago = Math.round((performance.now() - stall.endedAt) / 1000);
    return `the event loop was blocked for ${(stall.lagMs / 1000).toFixed(1)} s (${ago} s ago; the bound is ${this.stallMs / 1000} s)`;
  }

  private beat(rearm = true): void {
    const now = performance.now();
    const lagMs = now - this.expectedAt;
    if (lagMs > this.stallMs) this.lastStall = { endedAt: now, lagMs };
    if (rearm) this.expectedAt = now + this.beatMs;
  }
}
