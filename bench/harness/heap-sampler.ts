// The heap of a restarted Capstan peer while its caches sync, read through the V8 inspector (issue 20:
// "heap peak during the initial sync ≤ 1.3× the steady heap after it"). The peer runs with
// `--inspect=127.0.0.1:0`; node prints the inspector's address on stderr before the operator's module runs,
// and startOperator hands every line to `onLogLine` as it is printed, so the sampler connects while the
// caches are still filling and samples until the harness calls `endSync` (the operator is ready). Every
// reading is the same: `HeapProfiler.collectGarbage`, then `Runtime.getHeapUsage`'s `usedSize`, so a peak
// and the steady reading after the idle-restart window both count live objects only, never garbage that a
// later collection would have freed.

/** What one restart's heap readings came to. Bytes of V8 heap in use after a forced full GC. */
export interface SyncHeap {
  /** The largest reading from the inspector's first answer until the operator was ready. */
  syncPeakBytes: number;
  /** How many readings that peak is the largest of. */
  syncSamples: number;
  /** Every reading of the sync in order, the first taken as soon as the inspector answered: how the heap grew. */
  syncReadingsBytes: number[];
  /** The reading once the idle-restart window had ended. */
  steadyBytes: number;
}

/** The inspector's address in node's `Debugger listening on ws://127.0.0.1:PORT/ID` line. */
export function inspectorUrlInLogLine(line: string): string | undefined {
  return /Debugger listening on (ws:\/\/\S+)/.exec(line)?.[1];
}

/** Time from the end of one reading to the start of the next: a forced full GC itself takes tens of ms. */
const intervalMs = 100;
/** How long one inspector call may take before the sampler gives up on the peer. */
const callTimeoutMs = 30_000;

/**
 * Samples one operator process's heap through its inspector. Pass `nodeArgs` and `onLogLine` to the peer's
 * start; call `endSync()` as soon as it is ready, `reading()` once its idle-restart window has ended, and
 * `close()` before stopping it (node keeps an exiting process for a connected inspector client).
 */
export class HeapSampler {
  /** The node flags that open the inspector on a free port of the loopback interface. */
  readonly nodeArgs: readonly string[] = ['--inspect=127.0.0.1:0'];
  private socket: WebSocket | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (result: unknown) => void; reject: (err: Error) => void }>();
  private sampling = true;
  private loop: Promise<void> | undefined;
  private readonly samples: number[] = [];
  private failure: Error | undefined;

  /** How many readings the sync has had so far. */
  get readings(): number {
    return this.samples.length;
  }

  /** Hand each line the peer prints here: the inspector's address line starts the sampling. */
  readonly onLogLine = (line: string): void => {
    const url = this.socket ? undefined : inspectorUrlInLogLine(line);
    if (url)
      this.loop = this.connect(url).then(
        () => this.sample(),
        (err: Error) => {
          this.failure = err;
        },
      );
  };

  /** Stop sampling (no reading starts after this call); the peak of the readings so far. */
  async endSync(): Promise<{ peakBytes: number; samples: number; readingsBytes: number[] }> {
    this.sampling = false;
    await this.loop;
    if (this.failure) throw this.failure;
    if (this.samples.length === 0) throw new Error('the inspector never answered before the operator was ready');
    return { peakBytes: Math.max(...this.samples), samples: this.samples.length, readingsBytes: [...this.samples] };
  }

  /** One reading now: forced full GC, then the heap in use. */
  async reading(): Promise<number> {
    await this.call('HeapProfiler.collectGarbage');
    const usage = (await this.call('Runtime.getHeapUsage')) as { usedSize: number };
    return usage.usedSize;
  }

  /** Disconnect, so that the process exits on SIGTERM without waiting for its debugger. */
  close(): void {
    this.sampling = false;
    this.socket?.close();
  }

  private async connect(url: string): Promise<void> {
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
      const call = message.id === undefined ? undefined : this.pending.get(message.id);
      if (!call) return; // an event of a domain nobody enabled; none are
      this.pending.delete(message.id!);
      if (message.error) call.reject(new Error(`inspector: ${message.error.message}`));
      else call.resolve(message.result);
    });
    socket.addEventListener('close', () => {
      for (const call of this.pending.values()) call.reject(new Error('the inspector closed its connection'));
      this.pending.clear();
    });
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => resolve(), { once: true });
      socket.addEventListener('error', () => reject(new Error(`could not connect to the inspector at ${url}`)), { once: true });
    });
  }

  private async sample(): Promise<void> {
    try {
      while (this.sampling) {
        this.samples.push(await this.reading());
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    } catch (err) {
      this.failure = err as Error;
    }
  }

  private call(method: string): Promise<unknown> {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return Promise.reject(new Error('the inspector is not connected'));
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`inspector: no answer to ${method} within ${callTimeoutMs} ms`));
      }, callTimeoutMs);
      const settle =
        <T>(fn: (value: T) => void) =>
        (value: T) => {
          clearTimeout(timer);
          fn(value);
        };
      this.pending.set(id, { resolve: settle(resolve), reject: settle(reject) });
      socket.send(JSON.stringify({ id, method }));
    });
  }
}
