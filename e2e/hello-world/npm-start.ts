// `npm start` as a user runs it in a terminal: its own process group (the terminal's foreground group), its
// output collected, and Ctrl-C delivered the way a terminal delivers it, SIGINT to the whole group.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const repoRoot = new URL('../..', import.meta.url).pathname;

export interface NpmStart {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the first match of `pattern` in stdout and stderr together; fails if npm exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  /**
   * Ctrl-C: SIGINT to the process group, as a terminal sends it. Resolves once npm and every process it had
   * started (found through /proc, whatever process group they are in) have ended, or after `boundMs`, with
   * how long that took and the command lines of those still running then (which are then killed).
   */
  interrupt(boundMs: number): Promise<{ ms: number; left: string[]; exit: { code: number | null; signal: NodeJS.Signals | null } }>;
}

/**
 * Check how a Ctrl-C'd `npm start` ended: everything gone within 15 s, and the script's own shutdown clean.
 * npm itself dies of the SIGINT it was sent (as in a terminal), so its exit status says nothing.
 */
export function assertStoppedByCtrlC(started: NpmStart, result: Awaited<ReturnType<NpmStart['interrupt']>>, what: string): void {
  process.stdout.write(`# ${what}: every process gone ${result.ms} ms after Ctrl-C (npm: ${result.exit.code ?? result.exit.signal})\n`);
  assert.deepEqual(result.left, [], `every process of ${what} ends within 15 s of Ctrl-C`);
  assert.ok(
    result.exit.code === 0 || result.exit.code === 130 || result.exit.signal === 'SIGINT',
    `npm exits 0 or of the SIGINT (${result.exit.code ?? result.exit.signal})`,
  );
  assert.doesNotMatch(started.output(), /^npm start: /m, 'the script reported no failure, neither running nor stopping');
  assert.match(started.output(), /^stopping the operator$/m);
}

export function npmStart(args: string[], env: NodeJS.ProcessEnv): NpmStart {
  const child = spawn('npm', ['start', ...(args.length > 0 ? ['--', ...args] : [])], {
    cwd: repoRoot,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    output: () => output,
    async waitFor(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = pattern.exec(output);
        if (match) return match;
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(`npm start exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}:\n${output}`);
        if (Date.now() > deadline) throw new Error(`npm start did not print ${pattern} within ${timeoutMs} ms:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    async interrupt(boundMs) {
      const tree = descendants(child.pid!);
      const started = Date.now();
      process.kill(-child.pid!, 'SIGINT');
      const left = await survivors(tree, boundMs);
      const ms = Date.now() - started;
      for (const pid of left) process.kill(pid, 'SIGKILL');
      const exit = await exited;
      return { ms, left: left.map(commandOf), exit };
    },
  };
}

/** `pid` and all its descendants, from /proc (whatever process group they put themselves in). */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command may contain spaces and parentheses: the parent pid is the 2nd field after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  }
  return tree;
}

/** Which of `pids` are still running after waiting up to `graceMs` for them to end. */
async function survivors(pids: readonly number[], graceMs: number): Promise<number[]> {
  const deadline = Date.now() + graceMs;
  for (;;) {
    const alive = pids.filter(running);
    if (alive.length === 0 || Date.now() > deadline) return alive;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Alive and not a zombie (a zombie has ended; only its exit status waits to be collected). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The command line of `pid`, for a failure message. */
function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').slice(0, 200);
  } catch {
    return '(gone)';
  }
}
