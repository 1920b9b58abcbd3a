// Run `capstan` from the sources as a user would: a separate process, stdin an open pipe that never ends
// (so a command that prompted would hang and time out instead of passing), output captured.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';

export const repoRoot = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
export const cliMain = join(repoRoot, 'src', 'cli', 'main.ts');

/** How a `capstan` run ended. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `capstan <args>` in `cwd`; fails the test if it takes longer than `timeoutMs`. */
export function runCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliMain, ...args], { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timeoutMs = options.timeoutMs ?? 30_000;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`capstan ${args.join(' ')} did not finish within ${timeoutMs} ms (waiting for input?)\n${stdout}${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * A new folder under the repository's `.capstan/` (ignored by git and ESLint), so that fixture modules
 * resolve `typebox` and the other dependencies from the repository's node_modules.
 */
export async function fixtureDir(prefix: string): Promise<string> {
  const base = join(repoRoot, '.capstan', 'cli-tests');
  await mkdir(base, { recursive: true });
  return mkdtemp(join(base, `${prefix}-`));
}

/** `import` specifiers of Capstan layers for fixture modules: the sources, by absolute file URL. */
export function layerUrl(layer: string): string {
  return new URL(`../../src/${layer}/index.ts`, import.meta.url).href;
}
