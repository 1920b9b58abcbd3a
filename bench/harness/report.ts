// The report: summary tables for the terminal, a markdown file and an SVG chart of convergence times. Every
// ratio carries its range over the runs and every target its verdict, by the rule of stats.ts (judge).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RequestCounts } from './audit.ts';
import type { CpuShare } from './cpu-profile.ts';
import { allPeers, defaultsPeers, type PeerId, peerDescriptions, workers } from './peers.ts';
import type { RunResult } from './scenario.ts';
import {
  allOf,
  difference,
  formatJudgement,
  formatSpread,
  type Judgement,
  judge,
  median,
  ratio,
  type Spread,
  scaled,
  spread,
} from './stats.ts';

/** Where the report comes from: enough to tell which code, on what machine, under what load, by what command. */
export interface Provenance {
  /** `git rev-parse HEAD`. */
  commit: string;
  /** The work tree had changes (`git status --porcelain` not empty): the commit alone does not say what ran. */
  dirty: boolean;
  /** The command as typed (`npm run bench -- --quick`), from npm's environment when npm ran it. */
  command: string;
  /** What actually ran: node's own command line (`process.execPath` and `process.argv`). */
  argv: string[];
  /** `/proc/loadavg` before the first build or run, and when the report was written. */
  loadBefore: string;
  loadAfter: string;
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  go: string;
}

export interface ReportContext {
  provenance: Provenance;
  startedAt: Date;
  durationMs: number;
  machine: string[];
  versions: string[];
  settings: string[];
  /** Peers that failed the conformance check (not timed), with why. */
  nonConforming: Partial<Record<PeerId, string>>;
  notes: string[];
  /** Where the Capstan peer's CPU went in one extra profiled run (`--cpu-prof`), when the invocation made one. */
  cpuProfile?: CpuProfileSummary;
}

/** The profiled run: its N, the CPU it used (as the tables measure it) and the main thread's self time by category. */
export interface CpuProfileSummary {
  n: number;
  cpuSeconds: number;
  /** Milliseconds of busy (non-idle) main-thread samples over the process's life. */
  busyMs: number;
  shares: CpuShare[];
}

/** The figures of one peer at one N, over its runs. */
export interface Row {
  peer: PeerId;
  n: number;
  /** The runs that converged; `every` has the failed ones too. */
  runs: RunResult[];
  every: RunResult[];
  failed: number;
  /** Seconds. */
  convergence: Spread;
  latencyP50: number;
  latencyP99: number;
  churnP50: number;
  churnP99: number;
  writesPerObject: { total: Spread; configMap: Spread; status: Spread; event: Spread; refused: Spread };
  restart: { requests: Spread; writes: Spread; windowSeconds: Spread; hitBound: number };
  cpuSeconds: Spread;
  /** CPU-ms per HelloWorld: CPU-s × 1000 / N. */
  cpuMsPerObject: Spread;
  peakRssMiB: Spread;
  readyRssMiB: number;
  /**
   * The Capstan peers' restarted operator (RunResult.restartHeap), MiB: the heap's peak while its caches
   * synced, its steady heap after the idle-restart window, and each run's peak over its own steady heap.
   */
  restartHeap: { syncPeakMiB: Spread; steadyMiB: Spread; ratio: Spread };
}

function perObject(runs: RunResult[], pick: (c: RequestCounts) => number): Spread {
  return spread(runs.map((r) => pick(r.createRequests) / r.n));
}

export function summarize(results: RunResult[]): Row[] {
  const rows: Row[] = [];
  const ns = [...new Set(results.map((r) => r.n))].sort((a, b) => a - b);
  for (const n of ns) {
    for (const peer of allPeers) {
      const all = results.filter((r) => r.peer === peer && r.n === n);
      if (all.length === 0) continue;
      const runs = all.filter((r) => !r.error);
      const cpuSeconds = spread(runs.map((r) => r.cpuSeconds));
      rows.push({
        peer,
        n,
        runs,
        every: all,
        failed: all.length - runs.length,
        convergence: spread(runs.map((r) => r.convergenceMs / 1000)),
        latencyP50: median(runs.map((r) => r.latencyP50Ms)),
        latencyP99: median(runs.map((r) => r.latencyP99Ms)),
        churnP50: median(runs.map((r) => r.churnP50Ms)),
        churnP99: median(runs.map((r) => r.churnP99Ms)),
        writesPerObject: {
          total: perObject(runs, (c) => c.writes),
          configMap: perObject(runs, (c) => c.configMapWrites),
          status: perObject(runs, (c) => c.statusWrites),
          event: perObject(runs, (c) => c.eventWrites),
          refused: perObject(runs, (c) => c.failedWrites),
        },
        restart: {
          requests: spread(runs.map((r) => r.restartRequests.requests)),
          writes: spread(runs.map((r) => r.restartRequests.writes)),
          // Reports made before the window had a rule have no window: NaN, shown as –.
          windowSeconds: spread(runs.map((r) => (r.restartWindowMs ?? Number.NaN) / 1000)),
          hitBound: runs.filter((r) => r.restartWindowHitBound).length,
        },
        cpuSeconds,
        cpuMsPerObject: scaled(cpuSeconds, 1000 / n),
        peakRssMiB: spread(runs.map((r) => r.peakRssBytes / 2 ** 20)),
        readyRssMiB: median(runs.map((r) => r.readyRssBytes / 2 ** 20)),
        restartHeap: {
          syncPeakMiB: spread(runs.map((r) => (r.restartHeap?.syncPeakBytes ?? Number.NaN) / 2 ** 20)),
          steadyMiB: spread(runs.map((r) => (r.restartHeap?.steadyBytes ?? Number.NaN) / 2 ** 20)),
          // Per run (the peak and the steady heap of one process), not the quotient of the two spreads.
          ratio: spread(runs.map((r) => (r.restartHeap ? r.restartHeap.syncPeakBytes / r.restartHeap.steadyBytes : Number.NaN))),
        },
      });
    }
  }
  return rows;
}

const seconds = (n: number) => (Number.isFinite(n) ? `${n.toFixed(n < 10 ? 2 : 1)} s` : '–');
const ms = (n: number) => (Number.isFinite(n) ? `${n.toFixed(0)} ms` : '–');
const num = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
const times = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : '–');
const fmt = (s: Spread, format: (n: number) => string) => formatSpread(s, format);
const mib = (n: number) => n.toFixed(1);

/** One table: its peers, and the controller-runtime its "× controller-runtime" columns compare with. */
interface TableSpec {
  peers: readonly PeerId[];
  controllerRuntime: PeerId;
}

const equalSettings: TableSpec = {
  peers: ['ceiling', 'ceiling-4', 'capstan', 'controller-runtime', 'client-node'],
  controllerRuntime: 'controller-runtime',
};
const atDefaults: TableSpec = { peers: defaultsPeers, controllerRuntime: 'controller-runtime@defaults' };

const header = [
  'peer',
  'N',
  'converged (median, min–max)',
  '× ceiling',
  '× ceiling-4',
  '× controller-runtime',
  'latency p50 / p99',
  'churn p50 / p99',
  'writes / HelloWorld (CM + status + event; refused)',
  'idle restart: requests / writes (window)',
  'CPU-ms / HelloWorld',
  'CPU × controller-runtime',
  'peak RSS MiB (at ready)',
  'restart: sync heap peak / steady MiB (ratio)',
];

function find(rows: readonly Row[], peer: PeerId, n: number): Row | undefined {
  return rows.find((r) => r.peer === peer && r.n === n && r.runs.length > 0);
}

/** `row`'s figure over `reference`'s at the same N, with its range; '–' when either is missing or it is itself. */
function versus(rows: readonly Row[], row: Row, reference: PeerId, pick: (r: Row) => Spread): string {
  if (row.peer === reference) return '1.00×';
  const ref = find(rows, reference, row.n);
  if (!ref || row.runs.length === 0) return '–';
  return fmt(ratio(pick(row), pick(ref)), times);
}

function cells(rows: readonly Row[], row: Row, spec: TableSpec): string[] {
  const w = row.writesPerObject;
  const failed = row.failed ? ` (${row.failed} run(s) failed)` : '';
  const isCeiling = row.peer === 'ceiling' || row.peer === 'ceiling-4';
  const m = (s: Spread) => num(s.median);
  const window = row.restart.windowSeconds.runs
    ? ` (${fmt(row.restart.windowSeconds, (v) => `${v.toFixed(1)} s`)}${row.restart.hitBound ? `; ${row.restart.hitBound} at the bound` : ''})`
    : '';
  return [
    peerDescriptions[row.peer].title,
    String(row.n),
    fmt(row.convergence, seconds) + failed,
    versus(rows, row, 'ceiling', (r) => r.convergence),
    versus(rows, row, 'ceiling-4', (r) => r.convergence),
    isCeiling ? '–' : versus(rows, row, spec.controllerRuntime, (r) => r.convergence),
    `${ms(row.latencyP50)} / ${ms(row.latencyP99)}`,
    `${ms(row.churnP50)} / ${ms(row.churnP99)}`,
    row.runs.length === 0 ? '–' : `${m(w.total)} (${m(w.configMap)} + ${m(w.status)} + ${m(w.event)}; ${m(w.refused)})`,
    `${fmt(row.restart.requests, (v) => v.toFixed(0))} / ${fmt(row.restart.writes, (v) => v.toFixed(0))}${window}`,
    fmt(row.cpuMsPerObject, (v) => v.toFixed(2)),
    isCeiling ? '–' : versus(rows, row, spec.controllerRuntime, (r) => r.cpuSeconds),
    `${fmt(row.peakRssMiB, (v) => v.toFixed(0))} (${num(row.readyRssMiB, 0)})`,
    row.restartHeap.ratio.runs === 0
      ? '–'
      : `${fmt(row.restartHeap.syncPeakMiB, mib)} / ${fmt(row.restartHeap.steadyMiB, mib)} (${fmt(row.restartHeap.ratio, times)})`,
  ];
}

function tableRows(rows: readonly Row[], spec: TableSpec): Row[] {
  return rows
    .filter((r) => spec.peers.includes(r.peer))
    .sort((a, b) => a.n - b.n || spec.peers.indexOf(a.peer) - spec.peers.indexOf(b.peer));
}

/** The ceilings as reference lines of the defaults table: the same runs as in the first table. */
function withCeilings(rows: readonly Row[], spec: TableSpec): TableSpec {
  return { ...spec, peers: ['ceiling', 'ceiling-4', ...spec.peers.filter((p) => rows.some((r) => r.peer === p))] };
}

function plainTable(rows: readonly Row[], spec: TableSpec): string {
  const table = [header, ...tableRows(rows, spec).map((r) => cells(rows, r, spec))];
  const widths = header.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  return table
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Plain-text tables for the terminal: equal settings, and shipped defaults when any defaults peer ran. */
export function textTable(rows: Row[], cpuProfile?: CpuProfileSummary): string {
  const parts = [`Equal settings (${workers} workers):\n${plainTable(rows, equalSettings)}`];
  if (rows.some((r) => r.peer.endsWith('@defaults')))
    parts.push(`Shipped defaults (client-node: its equal-settings runs):\n${plainTable(rows, withCeilings(rows, atDefaults))}`);
  parts.push(
    `Targets:\n${targets(rows, cpuProfile)
      .map((l) => l.replaceAll('**', ''))
      .join('\n')}`,
  );
  return parts.join('\n\n');
}

function markdownTable(rows: readonly Row[], spec: TableSpec): string {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...tableRows(rows, spec).map((r) => `| ${cells(rows, r, spec).join(' | ')} |`),
  ].join('\n');
}

/** `1.16× (0.92×–1.45×)` and its verdict against `limit` (a noisy figure: one run is not enough). */
function ratioVerdict(a: Spread, b: Spread, limit: number): { text: string; judgement: Judgement } {
  const r = ratio(a, b);
  return { text: fmt(r, times), judgement: judge(r, { limit }) };
}

/** Where Capstan stands against each target of issue 20, from the rows: one line per target and N. */
function targets(rows: readonly Row[], cpuProfile?: CpuProfileSummary): string[] {
  const lines: string[] = [];
  const ns = [...new Set(rows.map((r) => r.n))].sort((a, b) => a - b);
  const missing = (peers: PeerId[], n: number) => peers.filter((p) => !find(rows, p, n));
  const notMeasured = (what: string, peers: PeerId[]) => `- ${what}: **not measured** (no converged run of ${peers.join(', ')}).`;
  for (const n of ns) {
    const capstan = find(rows, 'capstan', n);
    const ceiling = find(rows, 'ceiling', n);
    const ceiling4 = find(rows, 'ceiling-4', n);
    const cr = find(rows, 'controller-runtime', n);
    const at = `N = ${n.toLocaleString('en-US')}`;
    if (capstan && ceiling) {
      const { text, judgement } = ratioVerdict(capstan.convergence, ceiling.convergence, 1.2);
      const against4 = ceiling4
        ? `; ${fmt(ratio(capstan.convergence, ceiling4.convergence), times)} the ceiling-4 (no target: the gap left once 4-at-a-time is allowed for is Capstan's overhead)`
        : '';
      lines.push(
        n >= 1000
          ? `- Convergence at ${at}: ${text} the ceiling (target ≤ 1.2×: ${formatJudgement(judgement)})${against4}.`
          : `- Convergence at ${at}: ${text} the ceiling (the 1.2× target is for N ≥ 1,000)${against4}.`,
      );
    } else lines.push(notMeasured(`Convergence against the ceiling at ${at}`, missing(['capstan', 'ceiling'], n)));
    if (capstan && cr) {
      const { text, judgement } = ratioVerdict(capstan.convergence, cr.convergence, 1);
      lines.push(
        `- Convergence at ${at}, equal settings: ${fmt(capstan.convergence, seconds)} against controller-runtime's ${fmt(cr.convergence, seconds)}, ${text} (no slower: ${formatJudgement(judgement)}).`,
      );
      const cpu = ratioVerdict(capstan.cpuSeconds, cr.cpuSeconds, 1);
      lines.push(
        `- CPU per HelloWorld at ${at}: ${fmt(capstan.cpuMsPerObject, (v) => `${v.toFixed(2)} ms`)} against controller-runtime's ${fmt(cr.cpuMsPerObject, (v) => `${v.toFixed(2)} ms`)}, ${cpu.text} (at most: ${formatJudgement(cpu.judgement)}).`,
      );
      const restart = judge(difference(capstan.restart.requests, cr.restart.requests), { limit: 0, noisy: false });
      lines.push(
        `- Requests on an idle restart at ${at}: ${fmt(capstan.restart.requests, (v) => v.toFixed(0))} against controller-runtime's ${fmt(cr.restart.requests, (v) => v.toFixed(0))} (at most as many: ${formatJudgement(restart)}).`,
      );
    } else
      lines.push(
        notMeasured(
          `Convergence, CPU and idle-restart requests against controller-runtime at ${at}`,
          missing(['capstan', 'controller-runtime'], n),
        ),
      );
    const defaultsCapstan = find(rows, 'capstan@defaults', n);
    const others = defaultsPeers.filter((p) => p !== 'capstan@defaults');
    const otherRows = others.map((p) => find(rows, p, n)).filter((r): r is Row => r !== undefined);
    if (defaultsCapstan && otherRows.length === others.length) {
      const each = otherRows.map((o) => ({ o, ...ratioVerdict(defaultsCapstan.convergence, o.convergence, 1) }));
      lines.push(
        `- Convergence at ${at}, shipped defaults: Capstan ${fmt(defaultsCapstan.convergence, seconds)}; ${each
          .map((e) => `${e.text} ${peerDescriptions[e.o.peer].title}`)
          .join(', ')} (fastest of all: ${formatJudgement(allOf(each.map((e) => e.judgement)))}).`,
      );
    } else if (defaultsCapstan || otherRows.length > 0)
      lines.push(notMeasured(`Fastest at shipped defaults at ${at}`, missing([...defaultsPeers], n)));
    else lines.push(`- Fastest at shipped defaults at ${at}: not part of the run (no peer at its defaults ran at this N).`);
  }
  const capstanRuns = rows.filter((r) => r.peer === 'capstan').flatMap((r) => r.runs);
  if (capstanRuns.length > 0) {
    const counted = (pick: (r: RunResult) => number) => spread(capstanRuns.map(pick));
    const per = (pick: (c: RequestCounts) => number) => counted((r) => pick(r.createRequests) / r.n);
    const cm = per((c) => c.configMapWrites);
    const status = per((c) => c.statusWrites);
    const event = per((c) => c.eventWrites);
    const restartWrites = counted((r) => r.restartRequests.writes);
    const exact = (s: Spread, limit: number) => formatJudgement(judge(s, { limit, noisy: false }));
    const two = (v: number) => v.toFixed(2);
    lines.push(
      `- Writes per HelloWorld (every run at every N): ConfigMap ${fmt(cm, two)} (target 1: ${exact(cm, 1)}), ` +
        `status ${fmt(status, two)} (1: ${exact(status, 1)}), event ${fmt(event, two)} (1: ${exact(event, 1)}).`,
    );
    lines.push(`- Writes on an idle restart: ${fmt(restartWrites, (v) => v.toFixed(0))} (target 0: ${exact(restartWrites, 0)}).`);
  } else lines.push(notMeasured('Writes per HelloWorld and on an idle restart', ['capstan']));
  for (const row of rows.filter((r) => (r.peer === 'capstan' || r.peer === 'capstan@defaults') && r.restartHeap.ratio.runs > 0)) {
    const { syncPeakMiB, steadyMiB, ratio: heapRatio } = row.restartHeap;
    lines.push(
      `- Heap peak during the initial sync of an idle restart, ${peerDescriptions[row.peer].title} at N = ${row.n.toLocaleString('en-US')}: ` +
        `${fmt(syncPeakMiB, (v) => `${v.toFixed(1)} MiB`)} against ${fmt(steadyMiB, (v) => `${v.toFixed(1)} MiB`)} steady after it, ` +
        `${fmt(heapRatio, times)} (target ≤ 1.3×: ${formatJudgement(judge(heapRatio, { limit: 1.3 }))}).`,
    );
  }
  for (const [peer, way] of [
    ['capstan', "as the image's ENTRYPOINT runs it (compiled JavaScript)"],
    ['capstan@npm-start', 'as `npm start` and `capstan run` run it (TypeScript, types stripped)'],
  ] as const) {
    const big = find(rows, peer, 5000);
    if (!big) {
      lines.push(notMeasured(`Peak RSS at N = 5,000 under 128 MiB ${way}`, [peer]));
      continue;
    }
    const judgement = judge(big.peakRssMiB, { limit: 128, strict: true });
    // What the RSS is made of, for a target that is not met: the V8 heap is a small part of it.
    const heap = big.restartHeap.steadyMiB;
    const anon = spread(big.runs.flatMap((r) => (r.endRss ? [r.endRss.anonBytes / 2 ** 20] : [])));
    const file = spread(big.runs.flatMap((r) => (r.endRss ? [r.endRss.fileBytes / 2 ** 20] : [])));
    const explained =
      judgement.verdict === 'met' || anon.runs === 0
        ? ''
        : ` What it is made of: ${big.readyRssMiB.toFixed(0)} MiB when ready, before the first HelloWorld (median); at the end of the churn ` +
          `${fmt(anon, (v) => `${v.toFixed(0)} MiB`)} anonymous (the V8 heap in use ${heap.runs > 0 ? fmt(heap, (v) => `${v.toFixed(0)} MiB`) : 'not read'}, ` +
          `the rest V8's reserve and code, undici's and TLS's buffers, malloc) and ${fmt(file, (v) => `${v.toFixed(0)} MiB`)} file-backed (the pages of node's own executable it has touched).`;
    lines.push(
      `- Peak RSS at N = 5,000 ${way}: ${fmt(big.peakRssMiB, (v) => `${v.toFixed(0)} MiB`)} (target < 128 MiB: ${formatJudgement(judgement)}).${explained}`,
    );
  }
  if (cpuProfile) {
    const top = cpuProfile.shares.slice(0, 12).map((c) => `${c.category} ${(c.share * 100).toFixed(1)} %`);
    lines.push(
      `- Where Capstan's CPU goes (the profile behind the CPU target; one extra run of the capstan peer at N = ${cpuProfile.n.toLocaleString('en-US')} with \`--cpu-prof\`, not in the tables: ` +
        `${cpuProfile.cpuSeconds.toFixed(2)} CPU-s, ${(cpuProfile.busyMs / 1000).toFixed(2)} s of main-thread samples over the process's life, start-up included; ` +
        `self time by category): ${top.join(', ')}.`,
    );
  }
  return lines;
}

/** A report as its JSON keeps it: how the runs ran, and every run. */
export interface SavedReport {
  context: ReportContext;
  results: RunResult[];
}

/**
 * Write a report's files, `<baseName>.svg`, `.md` and `.json`, into `outDir` from its runs; `json: false` leaves the
 * JSON as it is (a report rendered again from it).
 */
export async function writeReportFiles(outDir: string, baseName: string, report: SavedReport, { json = true } = {}): Promise<void> {
  const rows = summarize(report.results);
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, `${baseName}.svg`), svgChart(rows));
  await writeFile(join(outDir, `${baseName}.md`), markdownReport(rows, report.context, `${baseName}.svg`));
  if (json) await writeFile(join(outDir, `${baseName}.json`), `${JSON.stringify(report, null, 2)}\n`);
}

/** A report's JSON read back, its start time a Date again; reports from before provenance carry `context.command`. */
export async function readSavedReport(path: string): Promise<SavedReport & { context: { command?: string } }> {
  const saved = JSON.parse(await readFile(path, 'utf8')) as SavedReport & { context: { startedAt: string; command?: string } };
  return { ...saved, context: { ...saved.context, startedAt: new Date(saved.context.startedAt) } };
}

export function markdownReport(rows: Row[], context: ReportContext, chartFile: string): string {
  const nonConforming = Object.entries(context.nonConforming);
  const p = context.provenance;
  const defaultsRan = rows.some((r) => r.peer.endsWith('@defaults'));
  return `# HelloWorld operators side by side

Capstan's HelloWorld operator (\`examples/hello-world\`) against a controller-runtime operator and a plain
\`@kubernetes/client-node\` informer operator doing the same work, and against two ceilings: the writes a
perfect operator must make, sent as fast as the API server takes them, and the same 4 HelloWorlds at a time.
Produced by \`${p.command}\` at commit ${p.commit}${p.dirty ? ' (dirty: the work tree had changes)' : ''},
started ${context.startedAt.toISOString()}, took ${(context.durationMs / 60_000).toFixed(1)} minutes.

![convergence time per peer and N](${chartFile})

## Equal settings (${workers} workers)

${markdownTable(rows, equalSettings)}

## Shipped defaults

${
  defaultsRan
    ? `Each framework as it ships: Capstan's builder default, controller-runtime's MaxConcurrentReconciles default;
client-node has no default of its own, so its rows are its equal-settings runs (its peer's 4 workers). The
ceilings' rows are the same runs as above, for reference.

${markdownTable(rows, withCeilings(rows, atDefaults))}`
    : 'Not run in this invocation (`--quick` leaves the defaults peers out; add them with `--peers`).'
}

## Targets (issue 20)

A verdict is **met** when every run satisfies the target, **not met** when no run does, and **not
distinguishable** when the runs fall on both sides of it; a comparison of two peers reads the range of their
ratio (the slowest run of one against the fastest of the other, and the other way round). A time, CPU or
memory figure from a single run has no spread: its verdict is not distinguishable ("1 run: no spread").
Counts from the audit log (writes, requests) are judged from any number of runs.

${targets(rows, context.cpuProfile).join('\n')}

${nonConforming.length ? `## Not timed: failed the conformance check\n\n${nonConforming.map(([peer, why]) => `- ${peer}: ${why}`).join('\n')}\n` : ''}
## What the columns mean

- **converged**: from the loader's first create until an independent watcher (its own connection, as the
  admin) has seen every ConfigMap with the right \`data.message\` and every HelloWorld Ready=True at its
  generation. Median of the runs, with the fastest and slowest run.
- **× ceiling**, **× ceiling-4**, **× controller-runtime**: the peer's convergence over the other's at the
  same N: the median over the median, and in brackets the range of every quotient of one run over another
  (fastest of one over slowest of the other, slowest over fastest). The table at shipped defaults compares
  with controller-runtime at its defaults.
- **latency**: per HelloWorld, from the loader sending its create to the watcher seeing it converged;
  p50/p99 within a run, median over the runs. **churn**: the same for spec.name patches sent at a fixed rate
  after convergence.
- **writes / HelloWorld**: the operator's create/update/patch/delete requests about the run's namespace in
  the audit log, from its start until the churn began, over N (median of the runs): ConfigMap + status
  subresource + events, and how many of all writes the API server refused (409 Conflict and the like).
- **idle restart**: every request the operator made, in the audit log, from its restart on the converged
  cluster until its window ended; in brackets the window, from ready until the audit log had shown no request
  from it for 5 s (at most 60 s: "at the bound" counts the runs where it never went quiet).
- **CPU-ms / HelloWorld**: user + system CPU of the operator process (\`/proc/<pid>/stat\`) from ready until
  converged plus 2 s, over N. **CPU × controller-runtime**: the same ratio as for convergence, of CPU.
  **peak RSS**: \`VmHWM\` of \`/proc/<pid>/status\` at the end of the churn; in brackets, its value when the
  operator was ready, before the first HelloWorld (what starting up costs).
- **restart: sync heap peak / steady** (Capstan peers): the restarted operator's V8 heap in use
  (\`Runtime.getHeapUsage\` after \`HeapProfiler.collectGarbage\`, through its inspector): the largest reading,
  taken every 100 ms from the inspector's first answer until it was ready (its caches synced from the populated
  namespace), and the same reading once the idle-restart window had ended; the ratio is each run's peak over
  its own steady heap.

## How it ran

${[
  ...context.settings,
  ...Object.values(peerDescriptions)
    .filter((d) => rows.some((r) => r.peer === d.id))
    .map((d) => `${d.title}: \`${d.command}\``),
]
  .map((l) => `- ${l}`)
  .join('\n')}

## Provenance

- Command: \`${p.command}\`; node ran \`${p.argv.join(' ')}\`.
- Commit ${p.commit}${p.dirty ? ', **dirty**: the work tree had changes not in the commit' : ', clean work tree'}.
- Load average (/proc/loadavg) before: \`${p.loadBefore}\`; when this report was written: \`${p.loadAfter}\`.
- Machine: ${p.cores} × ${p.cpuModel}, ${p.memoryGiB.toFixed(0)} GiB. Node.js ${p.node}; ${p.go}.
${[...context.machine, ...context.versions].map((l) => `- ${l}`).join('\n')}

${context.notes.length ? `## Notes\n\n${context.notes.map((l) => `- ${l}`).join('\n')}\n` : ''}
## Every run

In the order they ran (each round runs every peer once, the order rotating one place a round).

| peer | N | run | place | converged | loader | latency p50 / p99 | churn p50 / p99 | writes (CM/status/event/refused) | server ms per CM/status write (mean) | restart req / writes (window) | restart heap MiB: sync peak / steady | CPU-s | peak RSS MiB (at ready) | RSS at the end, MiB: anon + file | load 1 min before / after | error |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
${runLines(rows)}
`;
}

/** The API server's mean time per ConfigMap or status write (audit log); NaN in reports made before it was counted. */
function serialWriteMs(c: RequestCounts): number {
  const count = c.configMapWrites + c.statusWrites;
  return count > 0 && c.configMapAndStatusServerMs !== undefined ? c.configMapAndStatusServerMs / count : Number.NaN;
}

function runLines(rows: readonly Row[]): string {
  const runs = rows.flatMap((row) => row.every).sort((a, b) => a.n - b.n || a.run - b.run || (a.order ?? 0) - (b.order ?? 0));
  return runs
    .map((r) => {
      const c = r.createRequests;
      const window = Number.isFinite(r.restartWindowMs)
        ? ` (${(r.restartWindowMs / 1000).toFixed(1)} s${r.restartWindowHitBound ? ', bound' : ''})`
        : '';
      return (
        `| ${r.peer} | ${r.n} | ${r.run} | ${r.order ?? '–'} | ${seconds(r.convergenceMs / 1000)} | ${seconds(r.loaderMs / 1000)} | ${ms(r.latencyP50Ms)} / ${ms(r.latencyP99Ms)} | ` +
        `${ms(r.churnP50Ms)} / ${ms(r.churnP99Ms)} | ${c.writes} (${c.configMapWrites}/${c.statusWrites}/${c.eventWrites}/${c.failedWrites}) | ` +
        `${num(serialWriteMs(c), 1)} | ` +
        `${r.restartRequests.requests} / ${r.restartRequests.writes}${window} | ${r.restartHeap ? `${mib(r.restartHeap.syncPeakBytes / 2 ** 20)} / ${mib(r.restartHeap.steadyBytes / 2 ** 20)}` : '–'} | ${num(r.cpuSeconds)} | ${num(r.peakRssBytes / 2 ** 20, 0)} (${num(r.readyRssBytes / 2 ** 20, 0)}) | ${r.endRss ? `${num(r.endRss.anonBytes / 2 ** 20, 0)} + ${num(r.endRss.fileBytes / 2 ** 20, 0)}` : '–'} | ${num(r.loadBefore)} / ${num(r.loadAfter)} | ${r.error ?? ''} |`
      );
    })
    .join('\n');
}

const colours: Record<PeerId, string> = {
  ceiling: '#9e9e9e',
  'ceiling-4': '#c7c7c7',
  capstan: '#1f77b4',
  'controller-runtime': '#2ca02c',
  'client-node': '#ff7f0e',
  'capstan@defaults': '#aec7e8',
  'controller-runtime@defaults': '#98df8a',
  'capstan@npm-start': '#17becf',
};

/** Bars of the median convergence time per peer, one panel per N (each with its own scale), min–max whiskers. */
export function svgChart(rows: Row[]): string {
  const ns = [...new Set(rows.map((r) => r.n))].sort((a, b) => a - b);
  const shown = allPeers.filter((p) => rows.some((r) => r.peer === p));
  const panelWidth = Math.max(260, 40 * shown.length + 50);
  const top = 50;
  const bottom = 250;
  const legendRows = Math.ceil(shown.length / 4);
  const height = bottom + 30 + legendRows * 20;
  const width = Math.max(800, ns.length * panelWidth + 40);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="20" y="20" font-size="14" font-weight="bold">Time until every HelloWorld converged (median, min–max whiskers; lower is better)</text>`,
  ];
  ns.forEach((n, p) => {
    const panel = shown.map((peer) => find(rows, peer, n)).filter((r): r is Row => r !== undefined);
    const x0 = 30 + p * panelWidth;
    const max = Math.max(...panel.map((r) => r.convergence.max)) * 1.15 || 1;
    const scale = (v: number) => bottom - ((bottom - top) * v) / max;
    parts.push(
      `<text x="${x0 + panelWidth / 2 - 20}" y="${top - 12}" font-size="12" font-weight="bold">N = ${n.toLocaleString('en-US')}</text>`,
    );
    parts.push(`<line x1="${x0}" y1="${bottom}" x2="${x0 + panelWidth - 30}" y2="${bottom}" stroke="#333"/>`);
    const barWidth = (panelWidth - 50) / Math.max(1, panel.length);
    panel.forEach((row, i) => {
      const x = x0 + 10 + i * barWidth;
      const y = scale(row.convergence.median);
      parts.push(`<rect x="${x}" y="${y}" width="${barWidth - 8}" height="${bottom - y}" fill="${colours[row.peer]}"/>`);
      if (row.convergence.runs > 1) {
        const cx = x + (barWidth - 8) / 2;
        parts.push(`<line x1="${cx}" y1="${scale(row.convergence.min)}" x2="${cx}" y2="${scale(row.convergence.max)}" stroke="#000"/>`);
      }
      parts.push(`<text x="${x}" y="${y - 4}">${row.convergence.median.toFixed(1)} s</text>`);
    });
  });
  shown.forEach((peer, i) => {
    const x = 30 + (i % 4) * 200;
    const y = bottom + 25 + Math.floor(i / 4) * 20;
    parts.push(`<rect x="${x}" y="${y - 10}" width="12" height="12" fill="${colours[peer]}"/>`);
    parts.push(`<text x="${x + 16}" y="${y}">${peerDescriptions[peer].title}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
