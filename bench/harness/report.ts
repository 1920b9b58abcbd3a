// The report: a summary table for the terminal, a markdown file and an SVG chart of convergence times.
import type { RequestCounts } from './audit.ts';
import { allPeers, type PeerId, peerDescriptions } from './peers.ts';
import type { RunResult } from './scenario.ts';
import { formatSpread, median, type Spread, spread } from './stats.ts';

export interface ReportContext {
  command: string;
  startedAt: Date;
  durationMs: number;
  machine: string[];
  versions: string[];
  settings: string[];
  /** Peers that failed the conformance check (not timed), with why. */
  nonConforming: Partial<Record<PeerId, string>>;
  notes: string[];
}

/** The figures of one peer at one N, over its runs. */
export interface Row {
  peer: PeerId;
  n: number;
  /** The runs that converged; `every` has the failed ones too. */
  runs: RunResult[];
  every: RunResult[];
  failed: number;
  convergence: Spread;
  ceilingRatio: number;
  latencyP50: number;
  latencyP99: number;
  churnP50: number;
  churnP99: number;
  writesPerObject: { total: number; configMap: number; status: number; event: number; refused: number };
  restart: { requests: number; writes: number };
  cpuSeconds: Spread;
  peakRssMiB: Spread;
  readyRssMiB: number;
}

function perObject(runs: RunResult[], pick: (c: RequestCounts) => number): number {
  return median(runs.map((r) => pick(r.createRequests) / r.n));
}

export function summarize(results: RunResult[]): Row[] {
  const rows: Row[] = [];
  const ns = [...new Set(results.map((r) => r.n))].sort((a, b) => a - b);
  for (const n of ns) {
    const ceiling = median(results.filter((r) => r.peer === 'ceiling' && r.n === n && !r.error).map((r) => r.convergenceMs));
    for (const peer of allPeers) {
      const all = results.filter((r) => r.peer === peer && r.n === n);
      if (all.length === 0) continue;
      const runs = all.filter((r) => !r.error);
      const convergence = spread(runs.map((r) => r.convergenceMs / 1000));
      rows.push({
        peer,
        n,
        runs,
        every: all,
        failed: all.length - runs.length,
        convergence,
        ceilingRatio: convergence.median / (ceiling / 1000),
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
          requests: median(runs.map((r) => r.restartRequests.requests)),
          writes: median(runs.map((r) => r.restartRequests.writes)),
        },
        cpuSeconds: spread(runs.map((r) => r.cpuSeconds)),
        peakRssMiB: spread(runs.map((r) => r.peakRssBytes / 2 ** 20)),
        readyRssMiB: median(runs.map((r) => r.readyRssBytes / 2 ** 20)),
      });
    }
  }
  return rows;
}

const seconds = (n: number) => `${n.toFixed(n < 10 ? 2 : 1)} s`;
const ms = (n: number) => (Number.isFinite(n) ? `${n.toFixed(0)} ms` : '–');
const num = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '–');

const header = [
  'peer',
  'N',
  'converged (median, min–max)',
  '× ceiling',
  'latency p50 / p99',
  'churn p50 / p99',
  'writes / HelloWorld (CM + status + event; refused)',
  'idle restart: requests / writes',
  'CPU-s',
  'peak RSS MiB (at ready)',
];

function cells(row: Row): string[] {
  const w = row.writesPerObject;
  const failed = row.failed ? ` (${row.failed} run(s) failed)` : '';
  return [
    peerDescriptions[row.peer].title,
    String(row.n),
    formatSpread(row.convergence, seconds) + failed,
    row.peer === 'ceiling' ? '1.00' : num(row.ceilingRatio),
    `${ms(row.latencyP50)} / ${ms(row.latencyP99)}`,
    `${ms(row.churnP50)} / ${ms(row.churnP99)}`,
    row.peer === 'ceiling' && Number.isNaN(w.total)
      ? '–'
      : `${num(w.total)} (${num(w.configMap)} + ${num(w.status)} + ${num(w.event)}; ${num(w.refused)})`,
    `${num(row.restart.requests, 0)} / ${num(row.restart.writes, 0)}`,
    formatSpread(row.cpuSeconds, (n) => n.toFixed(2)),
    `${formatSpread(row.peakRssMiB, (n) => n.toFixed(0))} (${num(row.readyRssMiB, 0)})`,
  ];
}

/** A plain-text table for the terminal. */
export function textTable(rows: Row[]): string {
  const table = [header, ...rows.map(cells)];
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

function markdownTable(rows: Row[]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${cells(r).join(' | ')} |`)].join(
    '\n',
  );
}

/** Where Capstan stands against each target of issue 9, from the rows. */
function targets(rows: Row[]): string[] {
  const lines: string[] = [];
  const at = (peer: PeerId, n: number) => rows.find((r) => r.peer === peer && r.n === n);
  for (const n of [1000, 5000]) {
    const capstan = at('capstan', n);
    const cr = at('controller-runtime', n);
    if (!capstan) {
      lines.push(`- Convergence at N = ${n} within 1.2× the ceiling and no slower than controller-runtime: **not measured** in this run.`);
      continue;
    }
    const vsCeiling = capstan.ceilingRatio <= 1.2 ? 'met' : 'NOT met';
    const vsCr = cr ? (capstan.convergence.median <= cr.convergence.median ? 'met' : 'NOT met') : 'not measured';
    lines.push(
      `- Convergence at N = ${n}: ${num(capstan.ceilingRatio)}× the ceiling (target ≤ 1.2×: **${vsCeiling}**); ` +
        `${seconds(capstan.convergence.median)} against controller-runtime's ${cr ? seconds(cr.convergence.median) : '–'} (no slower: **${vsCr}**).`,
    );
  }
  const capstanRows = rows.filter((r) => r.peer === 'capstan');
  if (capstanRows.length > 0) {
    const worst = (pick: (r: Row) => number) => Math.max(...capstanRows.map(pick));
    const cm = worst((r) => r.writesPerObject.configMap);
    const status = worst((r) => r.writesPerObject.status);
    const event = worst((r) => r.writesPerObject.event);
    const restartWrites = worst((r) => r.restart.writes);
    lines.push(
      `- Writes per HelloWorld (worst N): ConfigMap ${num(cm)} (target 1: **${cm <= 1 ? 'met' : 'NOT met'}**), ` +
        `status ${num(status)} (≤ 1: **${status <= 1 ? 'met' : 'NOT met'}**), event ${num(event)} (≤ 1: **${event <= 1 ? 'met' : 'NOT met'}**).`,
    );
    lines.push(`- Writes on an idle restart: ${num(restartWrites, 0)} (target 0: **${restartWrites === 0 ? 'met' : 'NOT met'}**).`);
  }
  const big = at('capstan', 5000);
  lines.push(
    big
      ? `- Peak RSS at N = 5,000: ${num(big.peakRssMiB.median, 0)} MiB (target < 128 MiB: **${big.peakRssMiB.median < 128 ? 'met' : 'NOT met'}**).`
      : '- Peak RSS at N = 5,000 under 128 MiB: **not measured** in this run.',
  );
  return lines;
}

export function markdownReport(rows: Row[], context: ReportContext, chartFile: string): string {
  const nonConforming = Object.entries(context.nonConforming);
  return `# HelloWorld operators side by side

Capstan's HelloWorld operator (\`examples/hello-world\`) against a controller-runtime operator and a plain
\`@kubernetes/client-node\` informer operator doing the same work, and against the ceiling: the writes a
perfect operator must make, sent as fast as the API server takes them. Produced by \`${context.command}\`,
started ${context.startedAt.toISOString()}, took ${(context.durationMs / 60_000).toFixed(1)} minutes.

![convergence time per peer and N](${chartFile})

${markdownTable(rows)}

## Targets (Capstan's own bar, issue 9)

${targets(rows).join('\n')}

${nonConforming.length ? `## Not timed: failed the conformance check\n\n${nonConforming.map(([peer, why]) => `- ${peer}: ${why}`).join('\n')}\n` : ''}
## What the columns mean

- **converged**: from the loader's first create until an independent watcher (its own connection, as the
  admin) has seen every ConfigMap with the right \`data.message\` and every HelloWorld Ready=True at its
  generation. Median of the runs, with the fastest and slowest run.
- **× ceiling**: the median convergence over the ceiling's at the same N.
- **latency**: per HelloWorld, from the loader sending its create to the watcher seeing it converged;
  p50/p99 within a run, median over the runs. **churn**: the same for spec.name patches sent at a fixed rate
  after convergence.
- **writes / HelloWorld**: the operator's create/update/patch/delete requests about the run's namespace in
  the audit log, from its start until the churn began, over N: ConfigMap + status subresource + events,
  and how many of all writes the API server refused (409 Conflict and the like).
- **idle restart**: every request the operator made, in the audit log, from its restart on the converged
  cluster until the observation window after it was ready ended.
- **CPU-s**: user + system CPU seconds of the operator process (\`/proc/<pid>/stat\`) from ready until
  converged plus 2 s. **peak RSS**: \`VmHWM\` of \`/proc/<pid>/status\` at the end of the churn; in brackets,
  its value when the operator was ready, before the first HelloWorld (what starting up costs).

## How it ran

${[...context.settings, ...Object.values(peerDescriptions).map((p) => `${p.title}: \`${p.command}\``)].map((l) => `- ${l}`).join('\n')}

## Machine and versions

${[...context.machine, ...context.versions].map((l) => `- ${l}`).join('\n')}

${context.notes.length ? `## Notes\n\n${context.notes.map((l) => `- ${l}`).join('\n')}\n` : ''}
## Every run

| peer | N | run | converged | loader | latency p50 / p99 | churn p50 / p99 | writes (CM/status/event/refused) | server ms per CM/status write (mean) | restart req / writes | CPU-s | peak RSS MiB (at ready) | RSS at the end, MiB: anon + file | error |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
${runLines(rows)}
`;
}

/** The API server's mean time per ConfigMap or status write (audit log); NaN in reports made before it was counted. */
function serialWriteMs(c: RequestCounts): number {
  const count = c.configMapWrites + c.statusWrites;
  return count > 0 && c.configMapAndStatusServerMs !== undefined ? c.configMapAndStatusServerMs / count : Number.NaN;
}

function runLines(rows: Row[]): string {
  const lines: string[] = [];
  for (const row of rows) {
    for (const r of row.every) {
      const c = r.createRequests;
      lines.push(
        `| ${r.peer} | ${r.n} | ${r.run} | ${seconds(r.convergenceMs / 1000)} | ${seconds(r.loaderMs / 1000)} | ${ms(r.latencyP50Ms)} / ${ms(r.latencyP99Ms)} | ` +
          `${ms(r.churnP50Ms)} / ${ms(r.churnP99Ms)} | ${c.writes} (${c.configMapWrites}/${c.statusWrites}/${c.eventWrites}/${c.failedWrites}) | ` +
          `${num(serialWriteMs(c), 1)} | ` +
          `${r.restartRequests.requests} / ${r.restartRequests.writes} | ${num(r.cpuSeconds)} | ${num(r.peakRssBytes / 2 ** 20, 0)} (${num(r.readyRssBytes / 2 ** 20, 0)}) | ${r.endRss ? `${num(r.endRss.anonBytes / 2 ** 20, 0)} + ${num(r.endRss.fileBytes / 2 ** 20, 0)}` : '–'} | ${r.error ?? ''} |`,
      );
    }
  }
  return lines.join('\n');
}

const colours: Record<PeerId, string> = {
  ceiling: '#9e9e9e',
  capstan: '#1f77b4',
  'controller-runtime': '#2ca02c',
  'client-node': '#ff7f0e',
};

/** Bars of the median convergence time per peer, one panel per N (each with its own scale), min–max whiskers. */
export function svgChart(rows: Row[]): string {
  const ns = [...new Set(rows.map((r) => r.n))].sort((a, b) => a - b);
  const panelWidth = 260;
  const height = 300;
  const top = 50;
  const bottom = 250;
  const width = Math.max(720, ns.length * panelWidth + 40);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height + 30}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="20" y="20" font-size="14" font-weight="bold">Time until every HelloWorld converged (median, min–max whiskers; lower is better)</text>`,
  ];
  ns.forEach((n, p) => {
    const panel = rows.filter((r) => r.n === n && r.runs.length > 0);
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
  allPeers.forEach((peer, i) => {
    const x = 30 + i * 170;
    parts.push(`<rect x="${x}" y="${height - 5}" width="12" height="12" fill="${colours[peer]}"/>`);
    parts.push(`<text x="${x + 16}" y="${height + 5}">${peerDescriptions[peer].title}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
