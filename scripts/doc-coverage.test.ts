import assert from 'node:assert/strict';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Application, TSConfigReader } from 'typedoc';
import { docGaps } from './doc-coverage.ts';

const root = new URL('..', import.meta.url).pathname;

test('docGaps finds each missing summary and example, and honours a stated reason', { timeout: 60_000 }, async (t) => {
  // A project of its own inside the repository (so that tsdoc.json's `extends` resolves), converted by TypeDoc.
  const dir = join(root, '.capstan', 'doc-coverage-fixture');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  t.after(() => rm(dir, { recursive: true, force: true }));
  await copyFile(join(root, 'tsdoc.json'), join(dir, 'tsdoc.json'));
  await writeFile(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { strict: true, module: 'nodenext', target: 'es2024', noEmit: true, allowImportingTsExtensions: true, types: [] },
      include: ['*.ts'],
    }),
  );
  await writeFile(
    join(dir, 'api.ts'),
    [
      '/** @module fixture/api */',
      'export function bare(): void {}',
      '/** Has a summary only. */',
      'export function summaryOnly(): void {}',
      '/**',
      ' * Has both.',
      ' * @example',
      ' * ```ts',
      ' * complete();',
      ' * ```',
      ' */',
      'export function complete(): void {}',
      '/**',
      ' * Options with a reason.',
      ' * @noExample Options of {@link complete}.',
      ' */',
      'export interface Reasoned { a?: number }',
      '/**',
      ' * A reason left empty.',
      ' * @noExample',
      ' */',
      'export type EmptyReason = string;',
      '',
    ].join('\n'),
  );
  await writeFile(
    join(dir, 'generated.ts'),
    [
      '/**',
      ' * Generated shapes.',
      ' * @noExample Generated data shapes.',
      ' * @module fixture/generated',
      ' */',
      '/** A shape, covered by its module. */',
      'export interface Shape { a?: number }',
      'export interface Unsummarised { b?: number }',
      "export { complete } from './api.ts';",
      '',
    ].join('\n'),
  );
  const app = await Application.bootstrapWithPlugins(
    {
      entryPoints: [join(dir, 'api.ts'), join(dir, 'generated.ts')],
      tsconfig: join(dir, 'tsconfig.json'),
      logLevel: 'Error',
    },
    [new TSConfigReader()],
  );
  const project = await app.convert();
  assert.ok(project, 'TypeDoc converted the fixture');
  const gaps = docGaps(project)
    .map((g) => `${g.module} ${g.name}: ${g.missing.join('+')}`)
    .sort();
  assert.deepEqual(gaps, [
    'fixture/api EmptyReason: example',
    'fixture/api bare: summary+example',
    'fixture/api summaryOnly: example',
    'fixture/generated Unsummarised: summary',
  ]);
});
