import assert from 'node:assert/strict';
import test from 'node:test';
import { exampleBlocks, markdownBlocks, repositoryBlocks, typeCheck } from './doc-code.ts';

test('markdownBlocks takes the ts blocks with their first line, indented ones too, and leaves other languages', () => {
  const text = [
    '# Title',
    '```ts',
    'const a = 1;',
    '```',
    '```sh',
    'npm test',
    '```',
    '- item',
    '  ```typescript',
    '  const b = 2;',
    '  ```',
  ].join('\n');
  assert.deepEqual(markdownBlocks('x.md', text), [
    { file: 'x.md', line: 3, code: 'const a = 1;' },
    { file: 'x.md', line: 10, code: 'const b = 2;' },
  ]);
});

test('exampleBlocks takes the code of @example tags (several, up to the next tag) and nothing else', () => {
  const source = [
    '/**',
    ' * Summary with a block that is no example:',
    ' * ```ts',
    ' * notAnExample();',
    ' * ```',
    ' * @example',
    ' * ```ts',
    ' * const one = 1;',
    ' * ```',
    ' * @example Another',
    ' * ```ts',
    ' * const two = 2;',
    ' * ```',
    ' * @see elsewhere',
    ' * ```ts',
    ' * notAnExampleEither();',
    ' * ```',
    ' */',
    'export const x = 1;',
  ].join('\n');
  assert.deepEqual(
    exampleBlocks('x.ts', source).map((b) => [b.line, b.code]),
    [
      [8, 'const one = 1;'],
      [12, 'const two = 2;'],
    ],
  );
});

test('typeCheck places a type error on the line of its document, and resolves capstan imports', () => {
  const problems = typeCheck([
    { file: 'guide.md', line: 10, code: "import { controller } from 'capstan';\nconst n: number = 'text';\nvoid controller;" },
    {
      file: 'guide.md',
      line: 20,
      code: "import { ConfigMap } from 'capstan/kinds/core/v1';\nconst c: ConfigMap = { metadata: { name: 'a' } };\nvoid c;",
    },
  ]);
  assert.equal(problems.length, 1, JSON.stringify(problems));
  assert.equal(problems[0]!.file, 'guide.md');
  assert.equal(problems[0]!.line, 11);
  assert.match(problems[0]!.message, /not assignable to type 'number'/);
});

test('every code block of the guides, the READMEs and the TSDoc examples type-checks', { timeout: 120_000 }, async () => {
  const blocks = await repositoryBlocks();
  for (const file of ['README.md', 'src/controller/builder.ts']) {
    assert.ok(
      blocks.some((b) => b.file === file),
      `found the blocks of ${file}`,
    );
  }
  // A reader copies a block into a file of their own: it may import Capstan and packages, nothing relative.
  for (const block of blocks.filter((b) => b.file.endsWith('.md'))) {
    assert.doesNotMatch(block.code, /from '\.{1,2}\//, `${block.file}:${block.line} imports a relative path; make it self-contained`);
  }
  const problems = typeCheck(blocks);
  assert.deepEqual(
    problems.map((p) => `${p.file}:${p.line}: ${p.message}`),
    [],
    `${problems.length} problems in ${blocks.length} blocks`,
  );
});
