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
    const child = spawn(process.execPath, [cliMain, ...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
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

/** A long-running `capstan` (or any) process whose output a test waits on. */
export interface RunningProcess {
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in the output (`from` = where to start looking), or fails after `timeoutMs`. */
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs?: number, from?: number): Promise<RegExpExecArray>;
  /** Send a signal and wait for the exit code. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

/** Start `command args` and collect its output. */
export function startProcess(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): RunningProcess {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    pid: child.pid!,
    stdout: () => output.stdout,
    stderr: () => output.stderr,
    async waitFor(stream, pattern, timeoutMs = 60_000, from = 0) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = new RegExp(pattern.source, pattern.flags.replace('g', '')).exec(output[stream].slice(from));
        if (match) return match;
        if (child.exitCode !== null)
          throw new Error(`exited with ${child.exitCode} before printing ${pattern}\nstdout:\n${output.stdout}\nstderr:\n${output.stderr}`);
        if (Date.now() > deadline)
          throw new Error(`no ${pattern} on ${stream} within ${timeoutMs} ms\nstdout:\n${output.stdout}\nstderr:\n${output.stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async stop(signal = 'SIGTERM', timeoutMs = 30_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Start `capstan <args>` from the sources. */
export function startCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): RunningProcess {
  return startProcess(process.execPath, [cliMain, ...args], options);
}

/** Everything `run` printed, for a failed assertion's message: `capstan run`'s stderr, then its stdout (the operator's log). */
export function outputOf(run: RunningProcess): string {
  return `stderr:\n${run.stderr()}\nstdout:\n${run.stdout()}`;
}
