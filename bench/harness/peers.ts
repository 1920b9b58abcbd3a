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

export type PeerId = 'ceiling' | 'capstan' | 'controller-runtime' | 'client-node';
export const allPeers: readonly PeerId[] = ['ceiling', 'capstan', 'controller-runtime', 'client-node'];

/** Reconcile workers of every operator peer: examples/hello-world sets maxConcurrentReconciles(4). */
export const workers = 4;

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
    command: `bench/peers/controller-runtime/ceiling (Go, client-go without cache or queue) --concurrency=50 (one list+watch; per HelloWorld: ConfigMap create, status merge patch, events.k8s.io Event, all at once; QPS -1)`,
  },
  capstan: {
    id: 'capstan',
    title: 'Capstan',
    command: `node ${shippedNodeFlags().join(' ')} examples/hello-world/src/main.ts, as its Dockerfile runs it, with Capstan from dist/ as the package ships it (maxConcurrentReconciles 4, no leader election)`,
  },
  'controller-runtime': {
    id: 'controller-runtime',
    title: 'controller-runtime',
    command: `bench/peers/controller-runtime (Go, built once) --workers=4 (QPS -1: client-side throttling off)`,
  },
  'client-node': {
    id: 'client-node',
    title: 'client-node informers',
    command: `node bench/peers/client-node/operator.ts --workers=4 (client-node has no client-side throttling)`,
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
  const env = { ...process.env, KUBECONFIG: account.kubeconfigPath };
  let child: ChildProcess;
  switch (id) {
    case 'controller-runtime':
      child = spawn((await ensureGoPeer(log)).controllerRuntime, [`--workers=${workers}`], { env });
      break;
    case 'client-node':
      child = spawn(process.execPath, [join(repoRoot, 'bench/peers/client-node/operator.ts'), `--workers=${workers}`], { env });
      break;
    case 'ceiling':
      child = spawn((await ensureGoPeer(log)).ceiling, ['--concurrency=50'], { env });
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
 * once /readyz answers on the port it announces; no leader election, as the other peers have none.
 */
async function startCapstan(cluster: Cluster, account: { kubeconfigPath: string; username: string }): Promise<RunningPeer> {
  const operator = await startOperator({
    cluster,
    projectDir: exampleRoot,
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
