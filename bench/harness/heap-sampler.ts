// The heap of a restarted Capstan peer while its caches sync, read through the V8 inspector (issue 20:
// "heap peak during the initial sync ≤ 1.3× the steady heap after it"). The peer runs with
// `--inspect=127.0.0.1:0`; node prints the inspector's address on stderr before the operator's module runs,
// and startOperator hands every line to `onLogLine` as it is printed, so the sampler connects while the
// caches are still filling and samples until the harness calls `endSync` (the operator is ready). Every
// reading is the same, the reliability suite's `Inspector.heapAfterGc` (two full GCs, then `Runtime.getHeapUsage`'s
// `usedSize`), so a peak and the steady reading after the idle-restart window both count live objects only, never
// garbage that a later collection would have freed.

import { Inspector, inspectorUrlInLine } from '../../e2e/reliability/inspector.ts';

/** What one restart's heap readings came to. Bytes of V8 heap in use after a forced full GC. */
export interface SyncHeap {
  /** The largest reading from the inspector's first answer until the operator was ready. */
  syncPeakBytes: number;
  /** Every reading of the sync in order, the first taken as soon as the inspector answered: how the heap grew. */
  syncReadingsBytes: number[];
  /** The reading once the idle-restart window had ended. */
  steadyBytes: number;
}

/** Time from the end of one reading to the start of the next: a forced full GC itself takes tens of ms. */
const intervalMs = 100;
/** How long one inspector call may take before the sampler gives up on the peer. */
const callTimeoutMs = 30_000;

/**
 * Samples one operator process's heap through its inspector (the DevTools client of the reliability suite,
 * e2e/reliability/inspector.ts). Pass `nodeArgs` and `onLogLine` to the peer's start; call `endSync()` as soon as
 * it is ready, `reading()` once its idle-restart window has ended, and `close()` before stopping it (node keeps an
 * exiting process for a connected inspector client).
 */
export class HeapSampler {
  /** The node flags that open the inspector on a free port of the loopback interface. */
  readonly nodeArgs: readonly string[] = ['--inspect=127.0.0.1:0'];
  private inspector: Inspector | undefined;
  private connecting = false;
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
    const url = this.connecting ? undefined : inspectorUrlInLine(line);
    if (!url) return;
    this.connecting = true;
    this.loop = Inspector.connect(url, callTimeoutMs).then(
      (inspector) => {
        this.inspector = inspector;
        return this.sample();
      },
      (err: Error) => {
        this.failure = err;
      },
    );
  };

  /** Stop sampling (no reading starts after this call); the peak of the readings so far. */
  async endSync(): Promise<{ peakBytes: number; readingsBytes: number[] }> {
    this.sampling = false;
    await this.loop;
    if (this.failure) throw this.failure;
    if (this.samples.length === 0) throw new Error('the inspector never answered before the operator was ready');
    return { peakBytes: Math.max(...this.samples), readingsBytes: [...this.samples] };
  }

  /** One reading now: the V8 heap in use after a forced full GC. */
  async reading(): Promise<number> {
    if (!this.inspector) throw new Error('the inspector is not connected');
    return (await this.inspector.heapAfterGc(callTimeoutMs)).usedBytes;
  }

  /** Stop sampling and disconnect, so that the process exits on SIGTERM without waiting for its debugger. */
  async close(): Promise<void> {
    this.sampling = false;
    await this.inspector?.close();
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
}
