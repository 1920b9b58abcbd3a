// The code in the documentation, type-checked as a user's own code would be (STYLE.md: "`@example` blocks
// type-checked"): every ```ts block of the guides (docs/**/*.md), the README and the examples' READMEs, and
// every `@example` of the TSDoc in src/. Each block is a module of its own
// (its imports included), compiled with the project's compiler options, where `capstan` and `capstan/...`
// resolve to the sources. Nothing is written to disk: the blocks are served to the compiler from memory.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import ts from 'typescript';

/** One code block and where it came from. */
export interface CodeBlock {
  /** The file that holds it, relative to the repository. */
  file: string;
  /** The 1-based line of the file where the block's code starts. */
  line: number;
  code: string;
}

/** A compiler diagnostic, placed in the document it came from. */
export interface CodeProblem {
  file: string;
  line: number;
  message: string;
}

const repoRoot = new URL('..', import.meta.url).pathname;
const fence = /^(\s*)```(ts|typescript)\s*$/;

/** The ```ts and ```typescript blocks of a Markdown text (other languages are not checked). */
export function markdownBlocks(file: string, text: string, firstLine = 1): CodeBlock[] {
  const lines = text.split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = fence.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]!); j++) body.push(lines[j]!.slice(indent));
    blocks.push({ file, line: firstLine + i + 1, code: body.join('\n') });
    i = j;
  }
  return blocks;
}

/** The code of every `@example` in the TSDoc of a TypeScript source (the fenced blocks within each). */
export function exampleBlocks(file: string, text: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  for (const comment of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const start = comment.index;
    const firstLine = text.slice(0, start).split('\n').length;
    const lines = comment[0].split('\n').map((l) => l.replace(/^\s*\*(?!\/) ?/, '').replace(/^\/\*\*\s?/, ''));
    const exampleAt = lines.findIndex((l) => /^\s*@example\b/.test(l));
    if (exampleAt < 0) continue;
    // From the first @example to the next block tag that is not an @example.
    const tail: string[] = [];
    for (let k = exampleAt; k < lines.length; k++) {
      if (k > exampleAt && /^\s*@(?!example\b)\w+/.test(lines[k]!)) break;
      tail.push(lines[k]!);
    }
    blocks.push(...markdownBlocks(file, tail.join('\n'), firstLine + exampleAt));
  }
  return blocks;
}

/** Type-checks the blocks, each as its own module, with the compiler options of tsconfig.json. */
export function typeCheck(blocks: readonly CodeBlock[], root = repoRoot): CodeProblem[] {
  const config = ts.readConfigFile(join(root, 'tsconfig.json'), (p) => ts.sys.readFile(p));
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  options.noEmit = true;
  // A block is a module even when it imports nothing, as the file a reader pastes it into would be.
  options.moduleDetection = ts.ModuleDetectionKind.Force;
  // A block names what it shows; an unused import or local in an example is not a defect.
  options.noUnusedLocals = false;
  options.noUnusedParameters = false;
  const virtual = new Map<string, CodeBlock>();
  blocks.forEach((block, i) => virtual.set(join(root, '.doc-code', `block-${i}.ts`), block));
  const host = ts.createCompilerHost(options, true);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, onError, create) => {
    const block = virtual.get(name);
    return block ? ts.createSourceFile(name, block.code, version, true) : getSourceFile(name, version, onError, create);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => virtual.has(name) || fileExists(name);
  const readFileOf = host.readFile.bind(host);
  host.readFile = (name) => virtual.get(name)?.code ?? readFileOf(name);
  const program = ts.createProgram({ rootNames: [...virtual.keys()], options, host });
  const problems: CodeProblem[] = [];
  for (const [name, block] of virtual) {
    const source = program.getSourceFile(name);
    const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
    for (const d of diagnostics) {
      const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : 0;
      problems.push({ file: block.file, line: block.line + at, message: ts.flattenDiagnosticMessageText(d.messageText, '\n') });
    }
  }
  return problems;
}

/**
 * Every checked block of the repository: docs/**\/*.md, README.md, the examples' READMEs, and the `@example`s of
 * src/ (tests excepted).
 */
export async function repositoryBlocks(root = repoRoot): Promise<CodeBlock[]> {
  const files = async (dir: string, suffix: string): Promise<string[]> =>
    (await readdir(join(root, dir), { recursive: true }).catch(() => []))
      .map((f) => join(dir, f))
      .filter((f) => f.endsWith(suffix) && !f.endsWith('.test.ts') && !f.startsWith(join('docs', 'api')));
  const blocks: CodeBlock[] = [];
  const readmes = (await readdir(join(root, 'examples'))).map((e) => join('examples', e, 'README.md'));
  for (const file of ['README.md', ...readmes, ...(await files('docs', '.md'))]) {
    const text = await readFile(join(root, file), 'utf8').catch(() => undefined);
    if (text !== undefined) blocks.push(...markdownBlocks(file, text));
  }
  for (const file of await files('src', '.ts')) {
    blocks.push(...exampleBlocks(relative(root, join(root, file)), await readFile(join(root, file), 'utf8')));
  }
  return blocks;
}
