// Write a report's Markdown and chart again from its JSON, with the report code of this checkout: for a change to
// how a report reads (a verdict's wording, a column), without running the benchmark again. The figures are the
// JSON's own; nothing is measured.
//
//   node bench/render.ts bench/results/hello-world.json
import { basename, dirname } from 'node:path';
import { readSavedReport, writeReportFiles } from './harness/report.ts';

const [jsonPath] = process.argv.slice(2);
if (!jsonPath?.endsWith('.json')) {
  process.stderr.write('usage: node bench/render.ts <report>.json (writes <report>.md and <report>.svg beside it)\n');
  process.exit(2);
}
const report = await readSavedReport(jsonPath);
await writeReportFiles(dirname(jsonPath), basename(jsonPath, '.json'), report, { json: false });
process.stdout.write(`${jsonPath.replace(/\.json$/, '')}.{md,svg} written from ${jsonPath} (${report.results.length} runs)\n`);
