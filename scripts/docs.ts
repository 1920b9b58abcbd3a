// `npm run docs`: the API reference (TypeDoc, from the TSDoc of every entry point in package.json's exports,
// configured by typedoc.json) written to docs/api/, with every TypeDoc warning an error; then the doc-coverage
// check (scripts/doc-coverage.ts): every exported symbol has a summary and an `@example` or a stated reason.
//   node scripts/docs.ts             build and check
//   node scripts/docs.ts --check     check only, write nothing
import { parseArgs } from 'node:util';
import { Application } from 'typedoc';
import { describeGaps, docGaps } from './doc-coverage.ts';

const { values: flags } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
const app = await Application.bootstrapWithPlugins();
const project = await app.convert();
if (project === undefined) {
  process.stderr.write('TypeDoc could not convert the project: see the errors above.\n');
  process.exit(1);
}
app.validate(project);
if (!flags.check) await app.generateDocs(project, app.options.getValue('out'));
const problems = app.logger.errorCount + app.logger.warningCount;
const gaps = docGaps(project);
if (gaps.length > 0) {
  process.stderr.write(
    `${gaps.length} exported symbols miss documentation (a summary, and an @example or \`@noExample <reason>\`):\n${describeGaps(gaps)}\n`,
  );
}
if (problems > 0) process.stderr.write(`TypeDoc reported ${problems} errors and warnings (warnings count as errors here).\n`);
if (problems > 0 || gaps.length > 0) process.exit(1);
process.stdout.write(
  `API reference ${flags.check ? 'checked' : `written to ${app.options.getValue('out')}/`}: ${project.children?.length ?? 0} entry points, every exported symbol documented.\n`,
);
