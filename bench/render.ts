// Write a report's Markdown and chart again from its JSON, with the report code of this checkout: for a change to
// how a report reads (a verdict's wording, a column), without running the benchmark again. The figures are the
// JSON's own; nothing is measured.
//
//   node bench/render.ts bench/results/hello-world.json
import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { markdownReport, type ReportContext, summarize, svgChart } from './harness/report.ts';
import type { RunResult } from './harness/scenario.ts';

const [jsonPath] = process.argv.slice(2);
if (!jsonPath?.endsWith('.json')) {
  process.stderr.write('usage: node bench/render.ts <report>.json (writes <report>.md and <report>.svg beside it)\n');
  process.exit(2);
}
const saved = JSON.parse(await readFile(jsonPath, 'utf8')) as {
  context: Omit<ReportContext, 'startedAt'> & { startedAt: string };
  results: RunResult[];
};
const context: ReportContext = { ...saved.context, startedAt: new Date(saved.context.startedAt) };
const rows = summarize(saved.results);
const base = join(dirname(jsonPath), basename(jsonPath, '.json'));
await writeFile(`${base}.svg`, svgChart(rows));
await writeFile(`${base}.md`, markdownReport(rows, context, `${basename(base)}.svg`));
process.stdout.write(`${base}.md and ${base}.svg written from ${jsonPath} (${saved.results.length} runs)\n`);
