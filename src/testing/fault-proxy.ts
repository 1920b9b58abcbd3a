import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * What the proxy does with new connections: forward them (`pass`), swallow them (`blackHole`), or reset them
 * (`refuse`).
 *
 * @noExample The value of {@link FaultProxy.mode}, set by its `pass()`, `blackHole()` and `refuseConnections()`.
 */
export type FaultMode = 'pass' | 'blackHole' | 'refuse';

/**
 * Options of {@link startFaultProxy}.
 *
 * @noExample Options of {@link startFaultProxy}; its example shows them in use.
 */
export interface FaultProxyOptions {
  /** Where to forward: a URL (`https://127.0.0.1:6443`) or a host and port. */
  target:
    | string
    | {
        /** The server's host name or IP address. */
        host: string;
        /** The server's TCP port. */
        port: number;
      };
  /** The loopback port to listen on; a free one by default. */
  port?: number;
}

/**
 * One connection attempt as the proxy saw it.
 *
 * @noExample Read from {@link FaultProxy.attempts}; {@link FaultProxy}'s example counts the refused ones.
 */
export interface ConnectionAttempt {
  /** `Date.now()` when the client connected. */
  at: number;
  /** What became of it: forwarded, swallowed by a black hole, refused, or the target was unreachable. */
  outcome: 'passed' | 'blackHoled' | 'refused' | 'targetUnreachable';
}

/**
 * A TCP proxy between a client and a server that injects network faults, for tests of clients that must
 * survive them. TLS passes through untouched (the client still talks to the server's certificate).
 *
 * @example
 * ```ts
 * import { startFaultProxy } from 'capstan/testing';
 * declare const apiServerUrl: string;
 * const proxy = await startFaultProxy({ target: apiServerUrl });
 * proxy.delay({ upstreamMs: 200, downstreamMs: 200, jitterMs: 50 }); // a slow, uneven network
 * const since = Date.now();
 * proxy.refuseConnections(); // every new connection is reset
 * // … let the client under test retry through proxy.url …
 * console.log(proxy.attemptsSince(since).filter((a) => a.outcome === 'refused').length);
 * proxy.pass();
 * await proxy.close();
 * ```
 */
export interface FaultProxy {
  /** The target URL with the proxy's host and port (same scheme and path). */
  readonly url: string;
  /** The loopback port it listens on: {@link FaultProxyOptions.port}, or the free one it picked. */
  readonly port: number;
  /** What it does with new connections now. */
  readonly mode: FaultMode;
  /** Forward connections (the default). Connections a black hole swallowed stay silent. */
  pass(): void;
  /**
   * Drop every byte in both directions on every open connection and every new one, keeping the sockets
   * open, as behind a dead NAT entry. Those connections stay silent for good; connections opened after
   * {@link FaultProxy.pass} work.
   */
  blackHole(): void;
  /** Reset (RST) every new connection as soon as it is accepted, until {@link FaultProxy.pass}. */
  refuseConnections(): void;
  /**
   * Delay each chunk by this much on its way to the server (`upstreamMs`) and back (`downstreamMs`), each
   * delay varied uniformly by up to ± `jitterMs`; bytes keep their order (a chunk never overtakes the one
   * before it).
   */
  delay(delays: { upstreamMs?: number; downstreamMs?: number; jitterMs?: number }): void;
  /** Reset (RST) both sides of every open connection; returns how many there were. */
  resetConnections(): number;
  /** Every connection attempt so far, in order. */
  readonly attempts: readonly ConnectionAttempt[];
  /** Attempts at or after `sinceMs` (`Date.now()` scale). */
  attemptsSince(sinceMs: number): ConnectionAttempt[];
  /** How many connections it holds open now, swallowed ones included. */
  readonly openConnections: number;
  /** Stop listening and destroy every connection. */
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  server: Socket;
  dead: boolean;
}

/**
 * Start a fault-injecting TCP proxy on 127.0.0.1 in front of `target`.
 *
 * @example
 * ```ts
 * import { KubeClient } from 'capstan/client';
 * import { startControlPlane, startFaultProxy } from 'capstan/testing';
 * const cp = await startControlPlane();
 * const proxy = await startFaultProxy({ target: cp.apiServerUrl });
 * const client = await KubeClient.fromKubeconfig({ kubeconfigPath: cp.kubeconfigPath, server: proxy.url });
 * proxy.blackHole();   // the client's connections go silent
 * proxy.pass();        // new connections work again
 * console.log(proxy.attempts.length);
 * await client.close();
 * await proxy.close();
 * await cp.stop();
 * ```
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = typeof options.target === 'string' ? new URL(options.target) : undefined;
  const host = target ? target.hostname.replace(/^\[|\]$/g, '') : (options.target as { host: string }).host;
  const port = target ? Number(target.port || (target.protocol === 'https:' ? 443 : 80)) : (options.target as { port: number }).port;
  const proxy = new TcpFaultProxy(host, port);
  await proxy.listen(options.port ?? 0);
  const url = target ? new URL(target) : new URL(`tcp://127.0.0.1`);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  proxy.url = url.toString().replace(/\/$/, '');
  return proxy;
}

class TcpFaultProxy implements FaultProxy {
  url = '';
  mode: FaultMode = 'pass';
  readonly attempts: ConnectionAttempt[] = [];
  private readonly server: Server;
  private readonly pairs = new Set<Pair>();
  private upstreamMs = 0;
  private downstreamMs = 0;
  private jitterMs = 0;
  private readonly targetHost: string;
  private readonly targetPort: number;

  constructor(targetHost: string, targetPort: number) {
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.server = createServer((client) => this.accept(client));
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  get openConnections(): number {
    return this.pairs.size;
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
  }

  pass(): void {
    this.mode = 'pass';
  }

  blackHole(): void {
    this.mode = 'blackHole';
    for (const pair of this.pairs) pair.dead = true;
  }

  refuseConnections(): void {
    this.mode = 'refuse';
  }

  delay(delays: { upstreamMs?: number; downstreamMs?: number; jitterMs?: number }): void {
    this.upstreamMs = delays.upstreamMs ?? 0;
    this.downstreamMs = delays.downstreamMs ?? 0;
    this.jitterMs = delays.jitterMs ?? 0;
  }

  resetConnections(): number {
    const count = this.pairs.size;
    for (const pair of [...this.pairs]) {
      pair.client.resetAndDestroy();
      pair.server.resetAndDestroy();
      this.pairs.delete(pair);
    }
    return count;
  }

  attemptsSince(sinceMs: number): ConnectionAttempt[] {
    return this.attempts.filter((a) => a.at >= sinceMs);
  }

  async close(): Promise<void> {
    this.resetConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    const attempt: ConnectionAttempt = { at: Date.now(), outcome: 'passed' };
    this.attempts.push(attempt);
    client.on('error', () => undefined);
    if (this.mode === 'refuse') {
      attempt.outcome = 'refused';
      client.resetAndDestroy();
      return;
    }
    const server = connect({ host: this.targetHost, port: this.targetPort });
    const pair: Pair = { client, server, dead: this.mode === 'blackHole' };
    if (pair.dead) attempt.outcome = 'blackHoled';
    this.pairs.add(pair);
    let connected = false;
    server.on('connect', () => {
      connected = true;
    });
    server.on('error', () => {
      if (pair.dead) return; // nothing gets through a black hole, not even a failure
      if (!connected) {
        attempt.outcome = 'targetUnreachable';
        client.resetAndDestroy();
      }
      this.drop(pair);
    });
    client.on('close', () => this.drop(pair));
    server.on('close', () => {
      // A swallowed connection never learns that the server went away.
      if (!pair.dead) this.drop(pair);
    });
    this.forward(pair, client, server, () => this.jittered(this.upstreamMs));
    this.forward(pair, server, client, () => this.jittered(this.downstreamMs));
  }

  private jittered(ms: number): number {
    if (ms === 0 || this.jitterMs === 0) return ms;
    return Math.max(0, ms + (Math.random() * 2 - 1) * this.jitterMs);
  }

  /** Copy `from` → `to` in order, each chunk after the current delay, unless the pair is dead. */
  private forward(pair: Pair, from: Socket, to: Socket, delayMs: () => number): void {
    const queue: Array<{ chunk: Buffer | 'end'; due: number }> = [];
    let timer: NodeJS.Timeout | undefined;
    const pump = () => {
      timer = undefined;
      while (queue.length > 0 && queue[0]!.due <= Date.now()) {
        const { chunk } = queue.shift()!;
        if (pair.dead) continue;
        if (chunk === 'end') to.end();
        else to.write(chunk);
      }
      // A jittered due time is fractional and the clock may tick past it meanwhile: never a negative timeout.
      if (queue.length > 0) timer = setTimeout(pump, Math.max(0, queue[0]!.due - Date.now()));
    };
    const enqueue = (chunk: Buffer | 'end') => {
      if (pair.dead) return;
      // In order: never due before the chunk ahead of it.
      queue.push({ chunk, due: Math.max(Date.now() + delayMs(), queue.at(-1)?.due ?? 0) });
      if (!timer) pump();
    };
    from.on('data', (chunk: Buffer) => enqueue(chunk));
    from.on('end', () => enqueue('end'));
  }

  private drop(pair: Pair): void {
    if (!this.pairs.delete(pair)) return;
    pair.client.destroy();
    pair.server.destroy();
  }
}
