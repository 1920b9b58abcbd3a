// An operator's entry module as a child process of node: what `capstan run` (a development runner) and the
// test kit's `startOperator` (capstan/testing) share. It starts the process, hands over each line it
// prints, and stops it the way Kubernetes stops a Pod: one SIGTERM (a second signal would make the manager
// skip its graceful shutdown), then SIGKILL once the grace period is over. Whatever happens to the parent,
// short of SIGKILL, the child does not outlive it.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** How the process ended: its exit code, or the signal that ended it. */
export type ExitStatus = number | NodeJS.Signals;

/**
 * Node's flags for an operator, wherever it runs: the generated Dockerfile's ENTRYPOINT, `npm start`, `capstan run`
 * and the test kit's `startOperator` all pass them, so an operator's memory is the same in a test, on a laptop and
 * in its Pod. They trade a little CPU for memory, as GOGC does for a Go operator: a young generation of 1 MiB
 * semi-spaces (by default they grow to tens of MiB under a burst of watch events, and keep them), and an old
 * generation that grows by 20 % between full collections (V8's own factor, up to 4×, follows the GC's speed). V8 reads
 * the first when the process starts (`v8.setFlagsFromString` cannot shrink it afterwards), so they are node's
 * flags and not the manager's. Measured in `bench/results/hello-world.md` (peak RSS); a later flag of the same
 * name overrides them.
 */
export const operatorNodeFlags: readonly string[] = ['--max-semi-space-size=1', '--heap-growing-percent=20'];

/** What {@link OperatorProcess.spawn} starts. */
export interface OperatorProcessOptions {
  /** The entry module, relative to `cwd` or absolute. */
  main: string;
  cwd: string;
  /** After the module: the manager's flags. */
  args?: readonly string[];
  /** Before the module, after {@link operatorNodeFlags}: more of node's own flags (`--inspect=…`). */
  nodeArgs?: readonly string[];
  /** The whole environment of the process. */
  env: NodeJS.ProcessEnv;
  /**
   * Its own process group, so that a Ctrl-C in the terminal (SIGINT to the foreground group) reaches only
   * the parent, which then sends the operator its one SIGTERM.
   */
  ownProcessGroup?: boolean;
  /** `lines` (the default): stderr goes to `onLine` like stdout; `inherit`: straight to the parent's stderr. */
  stderr?: 'lines' | 'inherit';
  /** Each line the process prints, as it prints it. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

/** How a {@link OperatorProcess.stop} went. */
export interface StopOutcome {
  status: ExitStatus;
  /** True when the grace period ran out and the process was killed with SIGKILL. */
  killed: boolean;
}

export class OperatorProcess {
  readonly pid: number;
  /** Resolves once the process is gone. */
  readonly exited: Promise<ExitStatus>;
  private readonly child: ChildProcess;
  private status: ExitStatus | undefined;
  private signalled = false;
  private readonly killOnExit = () => this.child.kill('SIGKILL');

  private constructor(child: ChildProcess) {
    this.child = child;
    if (child.pid === undefined) throw new Error('the operator process did not start');
    this.pid = child.pid;
    process.on('exit', this.killOnExit);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        process.off('exit', this.killOnExit);
        this.status = code ?? signal ?? 'SIGKILL';
        resolve(this.status);
      }),
    );
  }

  /** Start `node [operatorNodeFlags] [nodeArgs] main [args]`; throws at once if node cannot be started at all. */
  static spawn(options: OperatorProcessOptions): OperatorProcess {
    const argv = [...operatorNodeFlags, ...(options.nodeArgs ?? []), options.main, ...(options.args ?? [])];
    const child = spawn(process.execPath, argv, {
      cwd: options.cwd,
      env: options.env,
      detached: options.ownProcessGroup === true,
      stdio: ['ignore', 'pipe', options.stderr === 'inherit' ? 'inherit' : 'pipe'],
    });
    const onLine = options.onLine ?? (() => undefined);
    if (child.stdout) createInterface({ input: child.stdout }).on('line', (line) => onLine(line, 'stdout'));
    if (child.stderr) createInterface({ input: child.stderr }).on('line', (line) => onLine(line, 'stderr'));
    return new OperatorProcess(child);
  }

  /** How it ended, or undefined while it runs. */
  get exitStatus(): ExitStatus | undefined {
    return this.status;
  }

  get running(): boolean {
    return this.status === undefined;
  }

  /** True once {@link stop} or {@link kill} was called: an exit from then on is not the operator's own doing. */
  get stoppedOnPurpose(): boolean {
    return this.signalled;
  }

  /** Send `signal` (SIGKILL for a crash, SIGSTOP to freeze it); does nothing once it has exited. */
  kill(signal: NodeJS.Signals): void {
    this.signalled = true;
    if (this.running) this.child.kill(signal);
  }

  /** One SIGTERM, then SIGKILL if it is still running after `graceMs`; resolves once it is gone. */
  async stop(graceMs: number): Promise<StopOutcome> {
    if (!this.running) return { status: this.status!, killed: false };
    this.kill('SIGTERM');
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      this.child.kill('SIGKILL');
    }, graceMs);
    try {
      return { status: await this.exited, killed };
    } finally {
      clearTimeout(timer);
    }
  }
}
