// `npm run bench`: Capstan's HelloWorld operator beside a controller-runtime peer, a plain client-node
// informer peer and two ceilings, with equal settings and at each framework's defaults, on real local
// control planes (see bench/README.md).
//
//   npm run bench                 full run: N = 100, 1,000, 5,000, 10,000 (the ceiling, capstan and
//                                 controller-runtime only), 3 runs each
//   npm run bench -- --quick      N = 100, one run, without the defaults peers (under 5 minutes)
//   --peers=capstan,ceiling       only these peers;  --n=100,1000  only these N;  --runs=K
//   --profile-n=1000              one extra capstan run with --cpu-prof at that N (the full run's default;
//                                 0 for none), summed by category in the report's targets
//
// One fresh control plane per N, shared by every peer and run at that N; each run in a fresh namespace,
// deleted afterwards. Runs interleave: round r runs every peer once, the order rotated r − 1 places.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type ControlPlane, startControlPlane } from '../src/testing/index.ts';
import { type CpuProfile, selfTimeByCategory } from './harness/cpu-profile.ts';
import { workTree } from './harness/git.ts';
import { controllerRuntimeVersion, ensureGoPeer, goToolchain } from './harness/go-peer.ts';
import { loaderClients } from './harness/loader.ts';
import {
  allPeers,
  ceilingConcurrency,
  largeN,
  largePeers,
  memoryOnlyPeers,
  type PeerId,
  peerRules,
  peerSlug,
  quickPeers,
  workers,
} from './harness/peers.ts';
import {
  type CpuProfileSummary,
  type Provenance,
  type ReportContext,
  readSavedReport,
  summarize,
  textTable,
  writeReportFiles,
} from './harness/report.ts';
import { conformance, measuredRun, type PeerAccount, type RunResult, type RunSettings } from './harness/scenario.ts';
import { runOrder } from './harness/schedule.ts';

const loadBefore = procLoadavg();
// Which code runs, taken before the first run: the reports this run writes into bench/results/ change the work tree.
const codeRan = workTree();
const goVersion = (() => {
  try {
    return execFileSync('go', ['version'], { env: { ...process.env, GOTOOLCHAIN: goToolchain } })
      .toString()
      .trim();
  } catch {
    return 'go: not found';
  }
})();
const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    peers: { type: 'string' },
    n: { type: 'string' },
    runs: { type: 'string' },
    out: { type: 'string' },
    // The JSON of an earlier report: its runs of the peers not run now are kept in the new report.
    keep: { type: 'string' },
    // The N of one extra, profiled run of the capstan peer (0: none); the full run profiles at 1,000.
    'profile-n': { type: 'string' },
  },
});
const quick = flags.quick;
const peers = (flags.peers?.split(',') ?? (quick ? quickPeers : allPeers)) as PeerId[];
for (const p of peers) if (!allPeers.includes(p)) throw new Error(`unknown peer ${p}; peers: ${allPeers.join(', ')}`);
const sizes = flags.n?.split(',').map(Number) ?? (quick ? [100] : [100, 1000, 5000, 10_000]);
const runs = Number(flags.runs ?? (quick ? 1 : 3));
/** The profile behind the CPU target: one extra capstan run with `--cpu-prof`, after the timed runs at this N. */
const profileN = Number(flags['profile-n'] ?? (quick || flags.n ? 0 : 1000));
let cpuProfile: CpuProfileSummary | undefined;
/**
 * The peers timed at `n`, unless --peers named them: above 5,000 only the large-N peers, and the memory-only peers
 * at 5,000 alone.
 */
const peersAt = (n: number) => {
  if (flags.peers) return peers;
  const atN = n > largeN ? peers.filter((p) => largePeers.includes(p)) : peers;
  return n === largeN ? atN : atN.filter((p) => !memoryOnlyPeers.includes(p));
};
const plannedRuns = sizes.reduce((sum, n) => sum + peersAt(n).length * runs, 0);
const churnRatePerSecond = 20;
const churnSeconds = quick ? 5 : 10;
/** The idle-restart window: until the operator sent nothing for this long after ready… */
const restartQuietMs = 5_000;
/** …but no longer than this after ready. */
const restartBoundMs = 60_000;
const outDir = flags.out ?? new URL('./results/', import.meta.url).pathname;
const baseName = quick ? 'hello-world-quick' : 'hello-world';
const repoRoot = new URL('..', import.meta.url).pathname;

const started = Date.now();
const log = (line: string) => process.stdout.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);

// Build (or find) the Go peer and the ceiling before any clock starts.
if (peers.some((p) => p.startsWith('controller-runtime') || p.startsWith('ceiling'))) await ensureGoPeer(log);
// Capstan runs from dist/, as a user's node_modules has it: built from the sources of this checkout.
if (peers.some((p) => p.startsWith('capstan'))) {
  execFileSync(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
  log('Capstan built into dist/ (npm run build)');
}

const results: RunResult[] = [];
const nonConforming: ReportContext['nonConforming'] = {};
const keptNotes: string[] = [];
if (flags.keep) {
  const kept = await readSavedReport(flags.keep);
  results.push(...kept.results.filter((r) => !peers.includes(r.peer)));
  for (const [peer, why] of Object.entries(kept.context.nonConforming))
    if (!peers.includes(peer as PeerId)) nonConforming[peer as PeerId] = why;
  const keptPeers = [...new Set(results.map((r) => r.peer))];
  const from = kept.context.provenance;
  keptNotes.push(
    `The runs of ${keptPeers.join(', ')} come from an earlier invocation (\`${from?.command ?? kept.context.command}\`${from ? ` at ${from.commit}${from.dirty ? ' (dirty)' : ''}` : ''}, started ${kept.context.startedAt.toISOString()}, ${(kept.context.durationMs / 60_000).toFixed(1)} min), kept with --keep: they were not interleaved with this invocation's runs.`,
  );
}
let versions: string[] = [];

async function newControlPlane(): Promise<ControlPlane> {
  // The CRD from the start: the garbage collector and admission know it at once (no 30 s discovery reread).
  const crd = new URL('../examples/hello-world/config/crd/helloworlds.apps.example.com.yaml', import.meta.url).pathname;
  const cp = await startControlPlane({ crds: [crd], log: (line) => log(`control plane: ${line}`) });
  try {
    await cp.waitForKind('apps.example.com', 'v1alpha1', 'HelloWorld', { probeFields: { spec: { name: 'probe' } } });
    log('control plane up, HelloWorld CRD served and cascading');
    return cp;
  } catch (err) {
    await cp.stop();
    throw err;
  }
}

async function account(cp: ControlPlane, peer: PeerId): Promise<PeerAccount> {
  const sa = await cp.serviceAccountKubeconfig({
    namespace: 'bench-operators',
    name: peerSlug(peer),
    clusterRules: peerRules,
    expirationSeconds: 6 * 3600,
  });
  return { kubeconfigPath: sa.kubeconfigPath, username: sa.username };
}

/** Every N on a control plane of its own, shared by all peers and runs at that N; the runs interleaved. */
async function benchSize(n: number, first: boolean): Promise<void> {
  const cp = await newControlPlane();
  try {
    if (versions.length === 0) versions = await describeVersions(cp);
    const accounts = new Map<PeerId, PeerAccount>();
    for (const peer of peers) accounts.set(peer, await account(cp, peer));
    // Conformance once per peer, before any timing, on the first control plane.
    if (first) {
      for (const peer of peers) {
        log(`${peer}: conformance check`);
        const problem = await conformance(cp, peer, accounts.get(peer)!, log);
        if (!problem) continue;
        nonConforming[peer] = problem;
        log(`${peer}: FAILED the conformance check, not timed: ${problem}`);
      }
    }
    const timed = peersAt(n).filter((p) => !nonConforming[p]);
    for (let run = 1; run <= runs; run++) {
      const order = runOrder(timed, run);
      log(`N = ${n}, round ${run} of ${runs}: ${order.join(', ')}`);
      for (const [place, peer] of order.entries()) {
        log(`${peer}: N = ${n}, run ${run} of ${runs}`);
        results.push(await measuredRun(cp, peer, accounts.get(peer)!, runSettings(n, run, place + 1), log));
        await writeReport(false);
      }
    }
    if (n === profileN && timed.includes('capstan')) {
      cpuProfile = await profiledRun(cp, accounts.get('capstan')!, n);
      await writeReport(false);
    }
  } finally {
    await cp.stop();
  }
}

/** The settings of one run: the `run`th of its peer at `n`, `order`th in its round (0: outside the rounds). */
function runSettings(n: number, run: number, order: number): RunSettings & { order: number } {
  return {
    n,
    run,
    order,
    churnRatePerSecond,
    churnSeconds,
    restartQuietMs,
    restartBoundMs,
    timeoutMs: Math.max(120_000, n * 120),
  };
}

/**
 * One more run of the capstan peer, its measured process started with `--cpu-prof` (written when it exits, at the
 * idle restart; the restarted process runs without it), summed by category: what a missed CPU target is made of.
 * Not in the tables: the profiler costs CPU of its own.
 */
async function profiledRun(cp: ControlPlane, capstanAccount: PeerAccount, n: number): Promise<CpuProfileSummary> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-cpu-profile-'));
  try {
    log(`capstan: N = ${n}, one extra run with --cpu-prof (not in the tables)`);
    const settings = { ...runSettings(n, runs + 1, 0), capstanNodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] };
    const run = await measuredRun(cp, 'capstan', capstanAccount, settings, log);
    const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
    if (files.length !== 1) throw new Error(`expected one .cpuprofile from the profiled run in ${dir}, found ${files.length}`);
    const shares = selfTimeByCategory(JSON.parse(await readFile(join(dir, files[0]!), 'utf8')) as CpuProfile);
    return { n, cpuSeconds: run.cpuSeconds, busyMs: shares.reduce((sum, c) => sum + c.ms, 0), shares };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

for (const [index, n] of sizes.entries()) await benchSize(n, index === 0);

await writeReport(true);
process.stdout.write(`\n${textTable(summarize(results), cpuProfile)}\n\n`);
for (const [peer, why] of Object.entries(nonConforming)) process.stdout.write(`not timed: ${peer} failed the conformance check: ${why}\n`);
process.stdout.write(`report: ${join(outDir, `${baseName}.md`)} (took ${((Date.now() - started) / 60_000).toFixed(1)} min)\n`);

/** Write the report from the runs so far; called after every run, so an interrupted run leaves one too. */
async function writeReport(finished: boolean): Promise<void> {
  const done =
    results.filter((r) => peers.includes(r.peer)).length +
    sizes.reduce((sum, n) => sum + peersAt(n).filter((p) => nonConforming[p]).length * runs, 0);
  const context: ReportContext = {
    provenance: provenance(),
    startedAt: new Date(started),
    durationMs: Date.now() - started,
    machine: [
      "The machine is shared: other engineers' builds and tests may run on the same cores during the run (the load average above tells), so absolute times are noisy; compare peers within one report, and mind the spread.",
    ],
    versions,
    settings: [
      `N = ${sizes.join(', ')}; ${runs} run(s) of every peer at each N${sizes.some((n) => n > largeN && peersAt(n).length < peers.length) ? ` (above N = ${largeN.toLocaleString('en-US')}: ${largePeers.filter((p) => peers.includes(p)).join(', ')} only)` : ''}${!flags.peers && memoryOnlyPeers.some((p) => peers.includes(p)) ? `; ${memoryOnlyPeers.join(', ')} at N = ${largeN.toLocaleString('en-US')} only` : ''}.`,
      `One fresh control plane per N, shared by every peer and every run at that N; each run in a fresh namespace, deleted (and waited for) after the run, so the next run's caches start empty.`,
      `Runs interleaved: round r runs every peer once, in the order of the first round rotated r − 1 places (${peers.join(', ')}; then ${runOrder(peers, 2).join(', ')}; …); each run starts a fresh operator process.`,
      `Loader: ${loaderClients} parallel clients creating HelloWorlds (as the admin); churn: ${churnRatePerSecond} spec.name patches a second for ${churnSeconds} s, open loop.`,
      `Idle restart: the converged operator gets SIGTERM and is started again; its window ends when the audit log has shown no request from it for ${restartQuietMs / 1000} s after it was ready, or ${restartBoundMs / 1000} s after ready at the most. The Capstan peers' restarted operator runs with \`--inspect=127.0.0.1:0\`: its V8 heap in use after a forced GC (HeapProfiler.collectGarbage, Runtime.getHeapUsage) is read every 100 ms until it is ready (the sync peak) and once after the window (steady); the window's figures are audit counts, which the forced GCs do not change.`,
      `Equal settings: each peer its own process, its own ServiceAccount with the same ClusterRole (never system:masters), ${workers} reconcile workers (the ceiling: ${ceilingConcurrency} requests in flight; the ceiling-4: ${workers} HelloWorlds at once), no leader election; client-side request throttling off for all (controller-runtime and the ceilings QPS -1; client-node and Capstan have none). At defaults: the frameworks' own default concurrency, everything else equal.`,
      'Before timing, each peer passed the conformance check (ConfigMap with message and controller ownerReference, observedGeneration, Ready=True, exactly one Normal event in the audit log) or is listed as not timed.',
      ...(quick && !flags.peers
        ? ['`--quick` leaves out the peers at shipped defaults (two more peers would take it past 5 minutes); the full run has them.']
        : []),
    ],
    nonConforming,
    ...(cpuProfile ? { cpuProfile } : {}),
    notes: [
      ...keptNotes,
      ...(finished
        ? []
        : [`**Partial report**: ${done} of ${plannedRuns} runs done when it was written; the run was still going (or was stopped).`]),
    ],
  };
  await writeReportFiles(outDir, baseName, { context, results });
}

/** Which code ran where, how loaded, by what command: recorded in every report, md and JSON. */
function provenance(): Provenance {
  const args = process.argv.slice(2);
  // npm sets npm_lifecycle_event to the script's name (`bench`): say the command as it was typed.
  const script = process.env.npm_lifecycle_event;
  const command = script ? `npm run ${script}${args.length ? ` -- ${args.join(' ')}` : ''}` : `node ${process.argv.slice(1).join(' ')}`;
  return {
    ...codeRan,
    command,
    argv: [process.execPath, ...process.argv.slice(1)],
    loadBefore,
    loadAfter: procLoadavg(),
    cores: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown CPU',
    memoryGiB: totalmem() / 2 ** 30,
    node: process.versions.node,
    go: goVersion,
  };
}

function procLoadavg(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').trim();
  } catch {
    return 'unknown (no /proc/loadavg)';
  }
}

async function describeVersions(cp: ControlPlane): Promise<string[]> {
  return [
    `Kubernetes ${cp.versions.kubernetes} (kube-apiserver, kube-controller-manager with the garbage collector), etcd ${cp.versions.etcd}, audit log at Metadata level`,
    `@kubernetes/client-node ${await packageVersion('@kubernetes/client-node')}; controller-runtime ${await controllerRuntimeVersion()} (k8s.io/client-go as its go.mod requires)`,
  ];
}

async function packageVersion(name: string): Promise<string> {
  const path = new URL(`../node_modules/${name}/package.json`, import.meta.url);
  return (JSON.parse(await readFile(path, 'utf8')) as { version: string }).version;
}
