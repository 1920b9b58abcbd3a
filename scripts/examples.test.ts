// STYLE.md: every exported symbol's TSDoc `@example` must type-check. Collect the ```ts blocks of every
// `@example` under src/, write each as a module that imports Capstan by its package name, and run tsc on
// them with `capstan/*` mapped to the sources.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { test } from 'node:test';

const root = new URL('..', import.meta.url).pathname;

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')).map((e) => join(e.parentPath, e.name));
}

/** The ```ts code blocks of the `@example` tags in one file's comments. */
export function examplesIn(source: string): string[] {
  const examples: string[] = [];
  for (const comment of source.matchAll(/\/\*\*([\s\S]*?)\*\//g)) {
    const body = comment[1]!
      .split('\n')
      .map((line) => line.replace(/^\s*\* ?/, ''))
      .join('\n');
    for (const match of body.matchAll(/@example\s*```ts\n([\s\S]*?)```/g)) examples.push(match[1]!);
  }
  return examples;
}

test('every @example under src/ type-checks against the public exports', { timeout: 120_000 }, async () => {
  const outDir = join(root, '.capstan', 'examples');
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  let count = 0;
  for (const file of await sourceFiles(join(root, 'src'))) {
    for (const example of examplesIn(await readFile(file, 'utf8'))) {
      const name = `${relative(join(root, 'src'), file).replace(/[/.]/g, '_')}_${count++}.ts`;
      await writeFile(join(outDir, name), `// from ${relative(root, file)}\nexport {};\n${example}`);
    }
  }
  assert.ok(count > 0, 'found @example blocks');
  await writeFile(
    join(outDir, 'tsconfig.json'),
    JSON.stringify({
      extends: '../../tsconfig.json',
      compilerOptions: { noEmit: true, paths: { capstan: ['../../src/index.ts'], 'capstan/*': ['../../src/*/index.ts'] } },
      include: ['*.ts'],
    }),
  );
  const tsc = spawnSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(outDir, 'tsconfig.json')], { encoding: 'utf8' });
  assert.equal(tsc.status, 0, `examples that do not type-check (files in ${outDir}):\n${tsc.stdout}${tsc.stderr}`);
});

/** The ```ts code blocks of a Markdown file. */
export function markdownBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m) => m[1]!);
}

test('every TypeScript block of README.md and the examples’ READMEs type-checks against the public exports', {
  timeout: 120_000,
}, async () => {
  const outDir = join(root, '.capstan', 'readme-blocks');
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const readmes = ['README.md', ...(await readdir(join(root, 'examples'))).map((e) => join('examples', e, 'README.md'))];
  let count = 0;
  for (const readme of readmes) {
    const markdown = await readFile(join(root, readme), 'utf8').catch(() => '');
    for (const block of markdownBlocks(markdown)) {
      // A reader copies a block into a file of their own: it may import Capstan and typebox, nothing relative.
      assert.doesNotMatch(block, /from '\.{1,2}\//, `a block of ${readme} imports a relative path; make it self-contained:\n${block}`);
      await writeFile(join(outDir, `${readme.replace(/[/.]/g, '_')}_${count++}.ts`), `// from ${readme}\nexport {};\n${block}`);
    }
  }
  assert.ok(count >= 2, `found the README blocks (${count})`);
  await writeFile(
    join(outDir, 'tsconfig.json'),
    JSON.stringify({
      extends: '../../tsconfig.json',
      compilerOptions: { noEmit: true, paths: { capstan: ['../../src/index.ts'], 'capstan/*': ['../../src/*/index.ts'] } },
      include: ['*.ts'],
    }),
  );
  const tsc = spawnSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(outDir, 'tsconfig.json')], { encoding: 'utf8' });
  assert.equal(tsc.status, 0, `README blocks that do not type-check (files in ${outDir}):\n${tsc.stdout}${tsc.stderr}`);
});
