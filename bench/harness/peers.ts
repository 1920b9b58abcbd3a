// The peers under test, each its own process under its own ServiceAccount kubeconfig, and how the harness
// knows one is ready (its caches synced) before it starts the clock.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PolicyRule } from '../../src/core/index.ts';
import { type Cluster, startOperator } from '../../src/testing/index.ts';
import { ensureGoPeer } from './go-peer.ts';

/**
 * The peers: the two ceilings, the three operators with equal settings (4 workers), and the frameworks at
 * their shipped defaults (`@defaults`). client-node has no default of its own: its peer's 4 workers are its
 * defaults, so it has no `@defaults` variant and stands in both tables.
 */
export type PeerId =
  | 'ceiling'
  | 'ceiling-4'
  | 'capstan'
  | 'controller-runtime'
  | 'client-node'
  | 'capstan@defaults'
  | 'controller-runtime@defaults';
/** Every peer, in the order of the first run (later runs rotate it). */
export const allPeers: readonly PeerId[] = [
  'ceiling',
  'ceiling-4',
  'capstan',
  'controller-runtime',
  'client-node',
  'capstan@defaults',
  'controller-runtime@defaults',
];
/** `--quick` leaves the defaults out: two more peers would take it past 5 minutes (add them with --peers). */
export const quickPeers: readonly PeerId[] = allPeers.filter((p) => !p.endsWith('@defaults'));
/**
 * The peers run at N above 5,000 (issue 20: Capstan, controller-runtime and the ceilings): client-node and the
 * one-worker defaults peers would take most of the full run's time there and tell nothing new.
 */
export const largePeers: readonly PeerId[] = ['ceiling', 'ceiling-4', 'capstan', 'controller-runtime'];
export const largeN = 5000;
/** The peers of the table at shipped defaults; client-node's runs are its equal-settings runs. */
export const defaultsPeers: readonly PeerId[] = ['capstan@defaults', 'controller-runtime@defaults', 'client-node'];

/** Reconcile workers of every operator peer with equal settings: examples/hello-world sets maxConcurrentReconciles(4). */
export const workers = 4;
/** Requests in flight of the ceiling; the ceiling-4 works on `workers` HelloWorlds at once instead. */
export const ceilingConcurrency = 50;

/** A name for the peer in Kubernetes (a ServiceAccount, a namespace): `capstan@defaults` → `capstan-defaults`. */
export function peerSlug(peer: PeerId): string {
  return peer.replace('@', '-');
}

const repoRoot = new URL('../../', import.meta.url).pathname;
const exampleRoot = join(repoRoot, 'examples/hello-world');

/** What each peer's ServiceAccount may do: the union of what the three operators need (the ceiling needs less). */
export const peerRules: PolicyRule[] = [
  { apiGroups: ['apps.example.com'], resources: ['helloworlds'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['apps.example.com'], resources: ['helloworlds/status'], verbs: ['get', 'update', 'patch'] },
  { apiGroups: ['apps.example.com'], resources: ['helloworlds/finalizers'], verbs: ['update'] },
  { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
  { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'update', 'patch'] },
];

export interface PeerDescription {
  id: PeerId;
  title: string;
  /** How it runs, for the report. */
  command: string;
}

export const peerDescriptions: Record<PeerId, PeerDescription> = {
  ceiling: {
    id: 'ceiling',
    title: 'the ceiling',
    command: `bench/peers/controller-runtime/ceiling (Go, client-go without cache or queue) --concurrency=${ceilingConcurrency} (one list+watch; per HelloWorld: ConfigMap create, status merge patch, events.k8s.io Event, all three at once, in no order; QPS -1)`,
  },
  'ceiling-4': {
    id: 'ceiling-4',
    title: 'the ceiling, 4 at once',
    command: `bench/peers/controller-runtime/ceiling --concurrency=${ceilingConcurrency} --helloworlds=${workers} (the same writes, ${workers} HelloWorlds at once as ${workers} workers would, each HelloWorld's three writes at once)`,
  },
  capstan: {
    id: 'capstan',
    title: 'Capstan',
    command: `node ${shippedNodeFlags().join(' ')} examples/hello-world/src/main.ts, as its Dockerfile runs it, with Capstan from dist/ as the package ships it (maxConcurrentReconciles ${workers}, no leader election)`,
  },
  'controller-runtime': {
    id: 'controller-runtime',
    title: 'controller-runtime',
    command: `bench/peers/controller-runtime (Go, built once) --workers=${workers} (QPS -1: client-side throttling off)`,
  },
  'client-node': {
    id: 'client-node',
    title: 'client-node informers',
    command: `node bench/peers/client-node/operator.ts --workers=${workers} (client-node has no client-side throttling, and no default concurrency: the peer's own 4 workers are its defaults)`,
  },
  'capstan@defaults': {
    id: 'capstan@defaults',
    title: 'Capstan at defaults',
    command: `node ${shippedNodeFlags().join(' ')} bench/peers/capstan/defaults.ts: examples/hello-world as it ships, its controller at the builder's default maxConcurrentReconciles (the example sets ${workers})`,
  },
  'controller-runtime@defaults': {
    id: 'controller-runtime@defaults',
    title: 'controller-runtime at defaults',
    command: `bench/peers/controller-runtime --workers=0 (MaxConcurrentReconciles unset: controller-runtime's default, 1; QPS -1, which is controller-runtime's default too)`,
  },
};

/**
 * The node flags of the example's image, between `node` and `src/main.ts` in its Dockerfile's ENTRYPOINT:
 * the bench runs Capstan as it ships (with Capstan itself from dist/, as a user's node_modules has it).
 */
export function shippedNodeFlags(): string[] {
  const dockerfile = readFileSync(join(exampleRoot, 'Dockerfile'), 'utf8');
  const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile);
  const argv = entrypoint ? (JSON.parse(entrypoint[1]!) as unknown) : undefined;
  if (!Array.isArray(argv) || argv.length < 2 || argv.at(-1) !== 'src/main.ts' || !argv.every((a) => typeof a === 'string')) {
    throw new Error(
      `examples/hello-world/Dockerfile: expected ENTRYPOINT ["node", <flags>, "src/main.ts"], found ${entrypoint?.[0] ?? 'no ENTRYPOINT'}`,
    );
  }
  return argv.slice(1, -1);
}

/** A peer process while it runs. */
export interface RunningPeer {
  readonly pid: number;
  /** The last 64 KiB of what it printed. */
  logs(): string;
  /** SIGTERM; SIGKILL after 20 s. Resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Start a peer with `account`'s kubeconfig as its only credentials and wait until its caches have synced. */
export async function startPeer(
  id: PeerId,
  cluster: Cluster,
  account: { kubeconfigPath: string; username: string },
  log: (line: string) => void,
): Promise<RunningPeer> {
  if (id === 'capstan') return startCapstan(cluster, account);
  if (id === 'capstan@defaults') return startCapstan(cluster, account, join(repoRoot, 'bench/peers/capstan/defaults.ts'));
  const env = { ...process.env, KUBECONFIG: account.kubeconfigPath };
  let child: ChildProcess;
  switch (id) {
    case 'controller-runtime':
      child = spawn((await ensureGoPeer(log)).controllerRuntime, [`--workers=${workers}`], { env });
      break;
    case 'controller-runtime@defaults':
      // 0 leaves controller.Options.MaxConcurrentReconciles unset: controller-runtime picks its own default.
      child = spawn((await ensureGoPeer(log)).controllerRuntime, ['--workers=0'], { env });
      break;
    case 'client-node':
      child = spawn(process.execPath, [join(repoRoot, 'bench/peers/client-node/operator.ts'), `--workers=${workers}`], { env });
      break;
    case 'ceiling':
      child = spawn((await ensureGoPeer(log)).ceiling, [`--concurrency=${ceilingConcurrency}`], { env });
      break;
    case 'ceiling-4':
      child = spawn((await ensureGoPeer(log)).ceiling, [`--concurrency=${ceilingConcurrency}`, `--helloworlds=${workers}`], { env });
      break;
  }
  let output = '';
  let synced = false;
  const keep = (chunk: Buffer) => {
    const text = chunk.toString();
    if (/^synced$/m.test(text)) synced = true;
    output = (output + text).slice(-65_536);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const peer: RunningPeer = {
    pid: child.pid!,
    logs: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };

  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${id} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output}`);
    if (synced) return peer;
    await sleep(50);
  }
  await peer.stop();
  throw new Error(`${id} was not ready within 120 s:\n${output}`);
}

/**
 * Capstan as it ships (the Dockerfile's node flags, Capstan from dist/), through the test kit's runner: ready
 * once /readyz answers on the port it announces; no leader election, as the other peers have none. `main`
 * replaces the example's entry point (the defaults peer's); it runs in the example's folder all the same.
 */
async function startCapstan(cluster: Cluster, account: { kubeconfigPath: string; username: string }, main?: string): Promise<RunningPeer> {
  const operator = await startOperator({
    cluster,
    projectDir: exampleRoot,
    ...(main ? { main } : {}),
    credentials: account,
    leaderElection: false,
    nodeArgs: [...shippedNodeFlags(), ...(process.env.BENCH_CAPSTAN_NODE_FLAGS?.split(' ').filter(Boolean) ?? [])],
    readyTimeoutMs: 120_000,
    graceMs: 20_000,
  });
  const code = () => (typeof operator.exitStatus === 'number' ? operator.exitStatus : null);
  return {
    pid: operator.pid,
    logs: () => operator.logs.join('\n').slice(-65_536),
    // The run reports a non-zero exit itself; a rejection here would lose the measurements.
    stop: () => operator.stop().then(code, code),
  };
}
