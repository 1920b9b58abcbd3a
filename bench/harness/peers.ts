// The peers under test, each its own process under its own ServiceAccount kubeconfig, and how the harness
// knows one is ready (its caches synced) before it starts the clock.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
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
  | 'controller-runtime@defaults'
  | 'capstan@npm-start';
/** Every peer, in the order of the first run (later runs rotate it). */
export const allPeers: readonly PeerId[] = [
  'ceiling',
  'ceiling-4',
  'capstan',
  'controller-runtime',
  'client-node',
  'capstan@defaults',
  'controller-runtime@defaults',
  'capstan@npm-start',
];
/** `--quick` leaves the defaults out: two more peers would take it past 5 minutes (add them with --peers). */
export const quickPeers: readonly PeerId[] = allPeers.filter((p) => !p.includes('@'));
/**
 * The peers run at N above 5,000 (issue 20: Capstan, controller-runtime and the ceiling): client-node, the
 * one-worker defaults peers and the ceiling-4 would take most of the full run's time there (each run at 10,000 is
 * about five minutes, most of it the namespace's deletion) and tell nothing new.
 */
export const largePeers: readonly PeerId[] = ['ceiling', 'capstan', 'controller-runtime'];
export const largeN = 5000;
/**
 * The peers run only at N = {@link largeN}, where the memory target is judged: Capstan as `npm start` and
 * `capstan run` run it (TypeScript, the same node flags) has the same operator as `capstan`, so only its
 * memory tells something new.
 */
export const memoryOnlyPeers: readonly PeerId[] = ['capstan@npm-start'];
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
const execFileAsync = promisify(execFile);
/** The example image's command line and its `npm start`, read once from its Dockerfile and package.json. */
const image = shippedEntrypoint();
const startScript = npmStart();

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
    command: `node ${image.nodeFlags.join(' ')} examples/hello-world/${image.main} (built by its tsconfig.build.json), as its Dockerfile runs it, with Capstan from dist/ as the package ships it (maxConcurrentReconciles ${workers}, no leader election)`,
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
    command: `node ${image.nodeFlags.join(' ')} bench/peers/capstan/defaults.ts (TypeScript, stripped): examples/hello-world as it ships, its controller at the builder's default maxConcurrentReconciles (the example sets ${workers})${process.env.BENCH_CAPSTAN_DEFAULT_WORKERS ? `; BENCH_CAPSTAN_DEFAULT_WORKERS=${process.env.BENCH_CAPSTAN_DEFAULT_WORKERS} stood in for the default` : ''}`,
  },
  'capstan@npm-start': {
    id: 'capstan@npm-start',
    title: 'Capstan as npm start runs it',
    command: `${startScript.command} in examples/hello-world (its package.json's start script, which is what \`capstan run\` starts too: the TypeScript sources, types stripped, the image's node flags), Capstan from dist/ (maxConcurrentReconciles ${workers}, no leader election)`,
  },
  'controller-runtime@defaults': {
    id: 'controller-runtime@defaults',
    title: 'controller-runtime at defaults',
    command: `bench/peers/controller-runtime --workers=0 (MaxConcurrentReconciles unset: controller-runtime's default, 1; QPS -1, which is controller-runtime's default too)`,
  },
};

/**
 * The example image's command line, from its Dockerfile's ENTRYPOINT: node's flags and the compiled entry module
 * (`dist/main.js`, which `npm run build` writes). The bench runs Capstan as it ships: that command in the
 * example's folder, with Capstan itself from dist/, as a user's node_modules has it.
 */
function shippedEntrypoint(): { nodeFlags: string[]; main: string } {
  const dockerfile = readFileSync(join(exampleRoot, 'Dockerfile'), 'utf8');
  const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile);
  const argv = entrypoint ? (JSON.parse(entrypoint[1]!) as unknown) : undefined;
  const main: unknown = Array.isArray(argv) ? argv.at(-1) : undefined;
  if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string') || typeof main !== 'string' || !main.endsWith('.js')) {
    throw new Error(
      `examples/hello-world/Dockerfile: expected ENTRYPOINT ["node", <flags>, "<compiled main>.js"], found ${entrypoint?.[0] ?? 'no ENTRYPOINT'}`,
    );
  }
  return { nodeFlags: argv.slice(1, -1), main };
}

/** The example's `npm start`: its package.json's start script, `node <flags> <main>`. */
function npmStart(): { command: string; nodeFlags: string[]; main: string } {
  const pkg = JSON.parse(readFileSync(join(exampleRoot, 'package.json'), 'utf8')) as { scripts?: { start?: string } };
  const command = pkg.scripts?.start ?? '';
  const argv = command.split(' ');
  const main = argv.at(-1);
  if (argv[0] !== 'node' || main === undefined || !main.endsWith('.ts')) {
    throw new Error(
      `examples/hello-world/package.json: expected a start script "node <flags> <main>.ts", found ${JSON.stringify(command)}`,
    );
  }
  return { command, nodeFlags: argv.slice(1, -1), main };
}

let exampleBuilt: Promise<unknown> | undefined;
/** `npm run build` in the example, once per bench invocation (the image's build stage). */
function buildExample(): Promise<unknown> {
  exampleBuilt ??= execFileAsync(join(repoRoot, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], { cwd: exampleRoot });
  return exampleBuilt;
}

/** A peer process while it runs. */
export interface RunningPeer {
  readonly pid: number;
  /** The last 64 KiB of what it printed. */
  logs(): string;
  /** SIGTERM; SIGKILL after 20 s. Resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** What a Capstan peer's start may add, for the inspector of the idle restart (see heap-sampler.ts). */
export interface CapstanStartOptions {
  /** Node flags after the shipped ones and `BENCH_CAPSTAN_NODE_FLAGS`. */
  nodeArgs?: readonly string[];
  /** Each line it prints, as it prints it, before it is ready too. */
  onLogLine?: (line: string) => void;
}

/**
 * Start a peer with `account`'s kubeconfig as its only credentials and wait until its caches have synced.
 * `capstanOptions` apply to the Capstan peers only.
 */
export async function startPeer(
  id: PeerId,
  cluster: Cluster,
  account: { kubeconfigPath: string; username: string },
  log: (line: string) => void,
  capstanOptions: CapstanStartOptions = {},
): Promise<RunningPeer> {
  if (id === 'capstan') return startCapstan(cluster, account, capstanOptions);
  if (id === 'capstan@defaults') return startCapstan(cluster, account, capstanOptions, join(repoRoot, 'bench/peers/capstan/defaults.ts'));
  if (id === 'capstan@npm-start') return startCapstan(cluster, account, capstanOptions, startScript.main, startScript.nodeFlags);
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
 * once /readyz answers on the port it announces; no leader election, as the other peers have none. `main` and
 * `nodeFlags` replace the image's entry point and flags (the defaults peer's module, `npm start`'s command); it
 * runs in the example's folder all the same.
 * `options` add node flags and a log-line hook (the idle restart's inspector).
 */
async function startCapstan(
  cluster: Cluster,
  account: { kubeconfigPath: string; username: string },
  options: CapstanStartOptions,
  main?: string,
  nodeFlags?: readonly string[],
): Promise<RunningPeer> {
  if (!main) await buildExample();
  const operator = await startOperator({
    cluster,
    projectDir: exampleRoot,
    main: main ?? image.main,
    credentials: account,
    leaderElection: false,
    nodeArgs: [
      ...(nodeFlags ?? image.nodeFlags),
      ...(process.env.BENCH_CAPSTAN_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
      ...(options.nodeArgs ?? []),
    ],
    ...(options.onLogLine ? { onLogLine: options.onLogLine } : {}),
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
