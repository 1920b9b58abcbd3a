// One open watch of the fake API server: the events queued for it, read as the newline-delimited JSON body a watch
// response has, until the watch's signal aborts, its timeout passes, or the server ends it.

/** One watch event as it goes on the wire. */
export interface WireEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: unknown;
}

/** The queue of one watch and its response body. */
export class WatchChannel {
  private readonly lines: string[] = [];
  private wake: (() => void) | undefined;
  private ended = false;
  private readonly cleanups: Array<() => void> = [];

  /** Ends when `signal` aborts (dropping what is queued, as a closed connection would) or after `timeoutMs`. */
  constructor(signal: AbortSignal, timeoutMs: number | undefined) {
    const onAbort = () => {
      this.lines.length = 0;
      this.end();
    };
    if (signal.aborted) onAbort();
    else {
      signal.addEventListener('abort', onAbort, { once: true });
      this.cleanups.push(() => signal.removeEventListener('abort', onAbort));
    }
    if (timeoutMs !== undefined && timeoutMs > 0) {
      const timer = setTimeout(() => this.end(), timeoutMs);
      this.cleanups.push(() => clearTimeout(timer));
    }
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Queue an event (nothing once the watch has ended). */
  send(event: WireEvent): void {
    if (this.ended) return;
    this.lines.push(`${JSON.stringify(event)}\n`);
    this.wakeReader();
  }

  /** Run `cleanup` when the watch ends (to unsubscribe it from the store). */
  onEnd(cleanup: () => void): void {
    if (this.ended) cleanup();
    else this.cleanups.push(cleanup);
  }

  /** End the watch: the body yields what is queued, then finishes. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.wakeReader();
  }

  /** The response body: one chunk per event. Leaving the iteration early ends the watch. */
  async *body(): AsyncGenerator<Uint8Array, void, undefined> {
    const encoder = new TextEncoder();
    try {
      for (;;) {
        const line = this.lines.shift();
        if (line !== undefined) {
          yield encoder.encode(line);
          continue;
        }
        if (this.ended) return;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
    } finally {
      this.end();
    }
  }

  private wakeReader(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
