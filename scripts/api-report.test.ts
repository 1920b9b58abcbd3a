// The public surface is a promise: a change to it must show up as a diff of api/capstan.api.md, and one name
// means one thing across every entry point.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { exportedNames, renderReport, reportPath } from './api-report.ts';

// The report is read from dist/*.d.ts, which npm test builds before the unit tests.
const names = await exportedNames();

test('api/capstan.api.md is the public API of this build', async () => {
  const committed = await readFile(reportPath, 'utf8').catch(() => '');
  assert.ok(
    committed === renderReport(names),
    'the public API differs from api/capstan.api.md: review the change, then run `npm run api:update` and commit the report ' +
      '(`node scripts/api-report.ts | diff api/capstan.api.md -` shows it)',
  );
});

test('a name exported by several entry points is the same declaration in each', () => {
  const identities = new Map<string, Set<string>>();
  for (const n of names) identities.set(n.name, (identities.get(n.name) ?? new Set()).add(n.identity));
  const ambiguous = [...identities].filter(([, ids]) => ids.size > 1).map(([name, ids]) => `${name}: ${[...ids].join(' and ')}`);
  assert.deepEqual(ambiguous, []);
});
