// `npm run bench`: Capstan's HelloWorld operator beside a controller-runtime peer, a plain client-node
// informer peer and the ceiling, on real local control planes (see bench/README.md).
//
//   npm run bench                 full run: N = 100, 1,000, 5,000, 3 runs each, a fresh control plane per peer
//   npm run bench -- --quick      N = 100, one run, one control plane shared by the peers (under 5 minutes)
//   --peers=capstan,ceiling       only these peers;  --n=100,1000  only these N;  --runs=K
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type ControlPlane, startControlPlane } from '../src/testing/index.ts';
import { controllerRuntimeVersion, ensureGoPeer } from './harness/go-peer.ts';
import { loaderClients } from './harness/loader.ts';
import { allPeers, type PeerId, peerRules, workers } from './harness/peers.ts';
import { markdownReport, type ReportContext, summarize, svgChart, textTable } from './harness/report.ts';
import { conformance, measuredRun, type PeerAccount, type RunResult } from './harness/scenario.ts';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    peers: { type: 'string' },
    n: { type: 'string' },
    runs: { type: 'string' },
    out: { type: 'string' },
    // The JSON of an earlier report: its runs of the peers not run now are kept in the new report.
    keep: { type: 'string' },
  },
});
const quick = flags.quick;
const peers = (flags.peers?.split(',') ?? allPeers) as PeerId[];
for (const p of peers) if (!allPeers.includes(p)) throw new Error(`unknown peer ${p}; peers: ${allPeers.join(', ')}`);
const sizes = flags.n?.split(',').map(Number) ?? (quick ? [100] : [100, 1000, 5000]);
const runs = Number(flags.runs ?? (quick ? 1 : 3));
const plannedRuns = peers.length * sizes.length * runs;
const churnRatePerSecond = 20;
const churnSeconds = quick ? 5 : 10;
const restartObserveMs = quick ? 5_000 : 10_000;
const outDir = flags.out ?? new URL('./results/', import.meta.url).pathname;
const baseName = quick ? 'hello-world-quick' : 'hello-world';
const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;

const started = Date.now();
const log = (line: string) => process.stdout.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);

// Build (or find) the Go peer and the ceiling before any clock starts.
if (peers.includes('controller-runtime') || peers.includes('ceiling')) await ensureGoPeer(log);
// Capstan runs from dist/, as a user's node_modules has it: built from the sources of this checkout.
if (peers.includes('capstan')) {
  const root = new URL('..', import.meta.url).pathname;
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  log('Capstan built into dist/ (npm run build)');
}

const results: RunResult[] = [];
const nonConforming: ReportContext['nonConforming'] = {};
const keptNotes: string[] = [];
if (flags.keep) {
  const kept = JSON.parse(await readFile(flags.keep, 'utf8')) as { context: ReportContext; results: RunResult[] };
  results.push(...kept.results.filter((r) => !peers.includes(r.peer)));
  for (const [peer, why] of Object.entries(kept.context.nonConforming))
    if (!peers.includes(peer as PeerId)) nonConforming[peer as PeerId] = why;
  const keptPeers = [...new Set(results.map((r) => r.peer))];
  keptNotes.push(
    `The runs of ${keptPeers.join(', ')} come from an earlier invocation (\`${kept.context.command}\`, started ${kept.context.startedAt.toString()}, ${(kept.context.durationMs / 60_000).toFixed(1)} min), kept with --keep; this invocation ran ${peers.join(', ')}.`,
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
    name: peer,
    clusterRules: peerRules,
    expirationSeconds: 6 * 3600,
  });
  return { kubeconfigPath: sa.kubeconfigPath, username: sa.username };
}

async function benchPeer(cp: ControlPlane, peer: PeerId): Promise<void> {
  const credentials = await account(cp, peer);
  log(`${peer}: conformance check`);
  const problem = await conformance(cp, peer, credentials, log);
  if (problem) {
    nonConforming[peer] = problem;
    log(`${peer}: FAILED the conformance check, not timed: ${problem}`);
    return;
  }
  for (const n of sizes) {
    for (let run = 1; run <= runs; run++) {
      log(`${peer}: N = ${n}, run ${run} of ${runs}`);
      results.push(
        await measuredRun(
          cp,
          peer,
          credentials,
          {
            n,
            run,
            churnRatePerSecond,
            churnSeconds,
            restartObserveMs,
            timeoutMs: Math.max(120_000, n * 120),
          },
          log,
        ),
      );
      await writeReport(false);
    }
  }
}

let shared: ControlPlane | undefined;
try {
  if (quick) shared = await newControlPlane();
  for (const peer of peers) {
    const cp = shared ?? (await newControlPlane());
    try {
      if (versions.length === 0) versions = await describeVersions(cp);
      await benchPeer(cp, peer);
    } finally {
      if (!shared) await cp.stop();
    }
  }
} finally {
  await shared?.stop();
}

await writeReport(true);
process.stdout.write(`\n${textTable(summarize(results))}\n\n`);
for (const [peer, why] of Object.entries(nonConforming)) process.stdout.write(`not timed: ${peer} failed the conformance check: ${why}\n`);
process.stdout.write(`report: ${join(outDir, `${baseName}.md`)} (took ${((Date.now() - started) / 60_000).toFixed(1)} min)\n`);

/** Write the report from the runs so far; called after every run, so an interrupted run leaves one too. */
async function writeReport(finished: boolean): Promise<void> {
  const rows = summarize(results);
  const done = results.filter((r) => peers.includes(r.peer)).length + peers.filter((p) => nonConforming[p]).length * sizes.length * runs;
  const context: ReportContext = {
    command,
    startedAt: new Date(started),
    durationMs: Date.now() - started,
    machine: [
      `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; load average when the report was written ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
      "The machine is shared: other engineers' builds and tests ran on the same 2 cores during the run, so absolute times are noisy; compare peers within one report, and mind the spread.",
    ],
    versions,
    settings: [
      `N = ${sizes.join(', ')}; ${runs} run(s) each; ${quick ? 'one control plane shared by the peers, each run in a fresh namespace' : 'a fresh control plane per peer, each run in a fresh namespace (deleted, and waited for, after the run)'}.`,
      `Loader: ${loaderClients} parallel clients creating HelloWorlds (as the admin); churn: ${churnRatePerSecond} spec.name patches a second for ${churnSeconds} s, open loop; idle restart observed for ${restartObserveMs / 1000} s after ready.`,
      `Every peer: its own process, its own ServiceAccount with the same ClusterRole (never system:masters), ${workers} reconcile workers (the ceiling: ${loaderClients} requests in flight), no leader election, started fresh for each run; client-side request throttling off for all (controller-runtime and the ceiling QPS -1; client-node and Capstan have none).`,
      'Before timing, each peer passed the conformance check (ConfigMap with message and controller ownerReference, observedGeneration, Ready=True, exactly one Normal event in the audit log) or is listed as not timed.',
    ],
    nonConforming,
    notes: [
      ...keptNotes,
      ...(finished
        ? []
        : [`**Partial report**: ${done} of ${plannedRuns} runs done when it was written; the run was still going (or was stopped).`]),
    ],
  };
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, `${baseName}.svg`), svgChart(rows));
  await writeFile(join(outDir, `${baseName}.md`), markdownReport(rows, context, `${baseName}.svg`));
  await writeFile(join(outDir, `${baseName}.json`), `${JSON.stringify({ context, results }, null, 2)}\n`);
}

async function describeVersions(cp: ControlPlane): Promise<string[]> {
  const goVersion = (() => {
    try {
      return execFileSync('go', ['version'], { env: { ...process.env, GOTOOLCHAIN: 'go1.26.8' } })
        .toString()
        .trim();
    } catch {
      return 'go: not found';
    }
  })();
  return [
    `Kubernetes ${cp.versions.kubernetes} (kube-apiserver, kube-controller-manager with the garbage collector), etcd ${cp.versions.etcd}, audit log at Metadata level`,
    `Node.js ${process.versions.node}; @kubernetes/client-node ${await packageVersion('@kubernetes/client-node')}; Capstan at ${gitHead()}`,
    `controller-runtime ${await controllerRuntimeVersion()} (k8s.io/client-go as its go.mod requires); ${goVersion}`,
  ];
}

async function packageVersion(name: string): Promise<string> {
  const path = new URL(`../node_modules/${name}/package.json`, import.meta.url);
  return (JSON.parse(await readFile(path, 'utf8')) as { version: string }).version;
}

function gitHead(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: new URL('..', import.meta.url).pathname })
      .toString()
      .trim();
  } catch {
    return 'unknown commit';
  }
}
