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

/**
 * Write each snippet as a module of its own in `.capstan/<dir>` (prefixed with where it comes from) and run tsc on
 * them, with `capstan` and `capstan/*` mapped to the sources. Returns tsc's answer.
 */
async function typecheckSnippets(dir: string, snippets: ReadonlyArray<{ from: string; code: string }>) {
  const outDir = join(root, '.capstan', dir);
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  for (const [i, snippet] of snippets.entries()) {
    await writeFile(join(outDir, `${snippet.from.replace(/[/.]/g, '_')}_${i}.ts`), `// from ${snippet.from}\nexport {};\n${snippet.code}`);
  }
  await writeFile(
    join(outDir, 'tsconfig.json'),
    JSON.stringify({
      extends: '../../tsconfig.json',
      compilerOptions: { noEmit: true, paths: { capstan: ['../../src/index.ts'], 'capstan/*': ['../../src/*/index.ts'] } },
      include: ['*.ts'],
    }),
  );
  const tsc = spawnSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(outDir, 'tsconfig.json')], { encoding: 'utf8' });
  return { ok: tsc.status === 0, output: `(files in ${outDir}):\n${tsc.stdout}${tsc.stderr}` };
}

test('every @example under src/ type-checks against the public exports', { timeout: 120_000 }, async () => {
  const snippets: Array<{ from: string; code: string }> = [];
  for (const file of await sourceFiles(join(root, 'src'))) {
    for (const code of examplesIn(await readFile(file, 'utf8'))) snippets.push({ from: relative(root, file), code });
  }
  assert.ok(snippets.length > 0, 'found @example blocks');
  const tsc = await typecheckSnippets('examples', snippets);
  assert.ok(tsc.ok, `examples that do not type-check ${tsc.output}`);
});

/** The ```ts code blocks of a Markdown file. */
export function markdownBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m) => m[1]!);
}

test('every TypeScript block of README.md and the examples’ READMEs type-checks against the public exports', {
  timeout: 120_000,
}, async () => {
  const readmes = ['README.md', ...(await readdir(join(root, 'examples'))).map((e) => join('examples', e, 'README.md'))];
  const snippets: Array<{ from: string; code: string }> = [];
  for (const readme of readmes) {
    const markdown = await readFile(join(root, readme), 'utf8').catch(() => '');
    for (const code of markdownBlocks(markdown)) {
      // A reader copies a block into a file of their own: it may import Capstan and typebox, nothing relative.
      assert.doesNotMatch(code, /from '\.{1,2}\//, `a block of ${readme} imports a relative path; make it self-contained:\n${code}`);
      snippets.push({ from: readme, code });
    }
  }
  assert.ok(snippets.length >= 2, `found the README blocks (${snippets.length})`);
  const tsc = await typecheckSnippets('readme-blocks', snippets);
  assert.ok(tsc.ok, `README blocks that do not type-check ${tsc.output}`);
});
