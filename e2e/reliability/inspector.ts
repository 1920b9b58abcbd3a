// The operator's V8 heap, read through its inspector (node --inspect=127.0.0.1:0) over the Chrome DevTools
// Protocol with Node's global WebSocket: a forced full GC, then the heap's used size, so that what is
// compared is what the process still holds, not garbage it has not collected yet.
import type { RunningOperator } from '../../src/testing/index.ts';

/** The heap after a forced GC (`Runtime.getHeapUsage`). */
export interface HeapUsage {
  usedBytes: number;
  totalBytes: number;
}

/** The DevTools URL in node's `Debugger listening on ws://127.0.0.1:PORT/ID` line; undefined for any other line. */
export function inspectorUrlInLine(line: string): string | undefined {
  return /Debugger listening on (ws:\/\/\S+)/.exec(line)?.[1];
}

/** The DevTools URL node printed on stderr ('Debugger listening on ws://…'), which lands in the operator's logs. */
export function inspectorUrl(operator: Pick<RunningOperator, 'logs'>): string {
  for (const line of operator.logs) {
    const url = inspectorUrlInLine(line);
    if (url) return url;
  }
  throw new Error(
    `the operator printed no inspector URL (was it started with --inspect?); its first log lines:\n${operator.logs.slice(0, 10).join('\n')}`,
  );
}

/** A DevTools Protocol session with one process. */
export class Inspector {
  private readonly socket: WebSocket;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (result: unknown) => void; reject: (err: Error) => void }>();

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.addEventListener('message', (event: MessageEvent) => {
      const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
      const call = message.id === undefined ? undefined : this.pending.get(message.id);
      if (!call) return; // a notification
      this.pending.delete(message.id!);
      if (message.error) call.reject(new Error(`inspector: ${message.error.message}`));
      else call.resolve(message.result);
    });
    socket.addEventListener('close', () => {
      for (const call of this.pending.values()) call.reject(new Error('inspector: the connection closed'));
      this.pending.clear();
    });
  }

  static async connect(url: string, timeoutMs = 10_000): Promise<Inspector> {
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`inspector: no connection to ${url} within ${timeoutMs} ms`)), timeoutMs);
      socket.addEventListener(
        'open',
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
      socket.addEventListener(
        'error',
        () => {
          clearTimeout(timer);
          reject(new Error(`inspector: cannot connect to ${url}`));
        },
        { once: true },
      );
    });
    return new Inspector(socket);
  }

  /** One protocol method; rejects with the protocol's error. */
  call<T>(method: string, params: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`inspector: ${method} unanswered after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (result) => {
          clearTimeout(timer);
          resolve(result as T);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /**
   * `HeapProfiler.collectGarbage`, then `Runtime.getHeapUsage`. Collected twice: objects that a first full
   * GC only finalizes (weak references, FinalizationRegistry callbacks) are gone after the second.
   */
  async heapAfterGc(timeoutMs?: number): Promise<HeapUsage> {
    await this.call('HeapProfiler.collectGarbage', {}, timeoutMs);
    await this.call('HeapProfiler.collectGarbage', {}, timeoutMs);
    const usage = await this.call<{ usedSize: number; totalSize: number }>('Runtime.getHeapUsage', {}, timeoutMs);
    return { usedBytes: usage.usedSize, totalBytes: usage.totalSize };
  }

  /**
   * The smallest of `samples` {@link heapAfterGc} readings `gapMs` apart: between a GC and its reading the process
   * may allocate (a Lease renewal, a bookmark, a log line), and the smallest reading is the least disturbed one.
   */
  async settledHeap(samples = 3, gapMs = 200): Promise<HeapUsage> {
    let least = await this.heapAfterGc();
    for (let i = 1; i < samples; i++) {
      await new Promise((resolve) => setTimeout(resolve, gapMs));
      const next = await this.heapAfterGc();
      if (next.usedBytes < least.usedBytes) least = next;
    }
    return least;
  }

  /** Detach (node waits for an attached debugger before it exits); resolves once the socket closed. */
  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    const closed = new Promise<void>((resolve) => this.socket.addEventListener('close', () => resolve(), { once: true }));
    this.socket.close();
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 5_000))]);
  }
}
