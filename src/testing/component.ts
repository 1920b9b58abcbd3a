import { type ChildProcess, fork } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { ControlPlaneError } from './errors.ts';

/**
 * Controls of one running component (etcd, kube-apiserver or kube-controller-manager) of a {@link ControlPlane},
 * for tests of what an operator does when the cluster misbehaves: a hung API server, a restart, a crash.
 *
 * @example
 * ```ts
 * import { startControlPlane } from 'capstan/testing';
 * const cp = await startControlPlane();
 * cp.apiServer.pause(); // connections stay open, nothing answers: watches and requests hang
 * // … check that the operator notices and its readiness fails …
 * cp.apiServer.resume();
 * await cp.etcd.restart(); // same ports, certificates and data
 * await cp.stop();
 * ```
 */
export interface ControlPlaneComponent {
  /** `etcd`, `kube-apiserver` or `kube-controller-manager`. */
  readonly name: string;
  /** PID of the component itself (also its process group), while it runs. */
  readonly pid: number | undefined;
  /** Whether its process is alive, a paused one included; false after `stop()`, `kill()` or a crash. */
  readonly running: boolean;
  /** Where its stdout and stderr go. */
  readonly logPath: string;
  /** SIGTERM, then SIGKILL after the grace period; resolves once it has exited. */
  stop(): Promise<void>;
  /** SIGKILL; resolves once it has exited. */
  kill(): Promise<void>;
  /** SIGSTOP: the process keeps its sockets open but answers nothing, like a hung server. */
  pause(): void;
  /** SIGCONT after {@link pause}. */
  resume(): void;
  /** Stop (if running) and start again with the same ports, certificates and data; resolves when ready. */
  restart(signal?: AbortSignal): Promise<void>;
}

/** How to start one component and tell when it is ready. */
export interface ComponentSpec {
  name: string;
  command: string;
  args: string[];
  logPath: string;
  cleanupDir: string;
  graceMs?: number;
  /** Resolves once the component serves; called repeatedly until then (it may throw meanwhile). */
  ready: (signal: AbortSignal) => Promise<boolean>;
  readyTimeoutMs: number;
}

const supervisorPath = fileURLToPath(new URL(`./supervisor${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

type SupervisorMessage =
  | { type: 'started'; pid: number }
  | { type: 'exit'; code: number | null; signal: string | null }
  | { type: 'error'; message: string };

/** A component run under a supervisor process that ends it if this process dies. */
export class SupervisedComponent implements ControlPlaneComponent {
  readonly name: string;
  readonly logPath: string;
  private supervisor: ChildProcess | undefined;
  private componentPid: number | undefined;
  private exited: Promise<void> = Promise.resolve();
  private readonly spec: ComponentSpec;

  constructor(spec: ComponentSpec) {
    this.spec = spec;
    this.name = spec.name;
    this.logPath = spec.logPath;
  }

  get pid(): number | undefined {
    return this.componentPid;
  }

  get running(): boolean {
    return this.componentPid !== undefined;
  }

  /** Start the component and wait until `spec.ready` says it serves. */
  async start(signal?: AbortSignal): Promise<void> {
    if (this.running) throw new ControlPlaneError('START_FAILED', `${this.name} is already running`);
    const config = {
      command: this.spec.command,
      args: this.spec.args,
      logPath: this.spec.logPath,
      cleanupDir: this.spec.cleanupDir,
      graceMs: this.spec.graceMs ?? 10_000,
    };
    const supervisor = fork(supervisorPath, [JSON.stringify(config)], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.supervisor = supervisor;
    let failure: string | undefined;
    const started = new Promise<number>((resolve, reject) => {
      supervisor.on('message', (message: SupervisorMessage) => {
        if (message.type === 'started') resolve(message.pid);
        else if (message.type === 'error')
          reject(new ControlPlaneError('START_FAILED', `${this.name} failed to start: ${message.message}`));
        else failure = `exited with ${message.code ?? message.signal}`;
      });
      supervisor.on('exit', () => reject(new ControlPlaneError('START_FAILED', `${this.name}'s supervisor exited before it started`)));
    });
    this.exited = new Promise((resolve) =>
      supervisor.on('exit', () => {
        this.componentPid = undefined;
        this.supervisor = undefined;
        resolve();
      }),
    );
    this.componentPid = await started;
    // Once started, neither the supervisor nor its IPC channel may keep this process alive.
    supervisor.unref();
    supervisor.channel?.unref();

    const deadline = Date.now() + this.spec.readyTimeoutMs;
    let lastError = '';
    for (;;) {
      signal?.throwIfAborted();
      if (failure !== undefined || !this.running) {
        throw new ControlPlaneError(
          'START_FAILED',
          `${this.name} ${failure ?? 'exited'} while starting; last lines of ${this.logPath}:\n${await this.logTail()}`,
        );
      }
      try {
        if (await this.spec.ready(AbortSignal.timeout(5_000))) return;
      } catch (err) {
        lastError = (err as Error).message;
      }
      if (Date.now() > deadline) {
        await this.kill();
        throw new ControlPlaneError(
          'TIMEOUT',
          `${this.name} was not ready within ${this.spec.readyTimeoutMs} ms` +
            `${lastError ? ` (last probe: ${lastError})` : ''}; last lines of ${this.logPath}:\n${await this.logTail()}`,
        );
      }
      await sleep(200, undefined, { signal });
    }
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.signalGroup('SIGCONT'); // a paused process cannot act on SIGTERM
    this.signalGroup('SIGTERM');
    const graceMs = this.spec.graceMs ?? 10_000;
    const timer = setTimeout(() => this.signalGroup('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  async kill(): Promise<void> {
    if (!this.running) return;
    this.signalGroup('SIGKILL');
    await this.exited;
  }

  pause(): void {
    this.requireRunning();
    this.signalGroup('SIGSTOP');
  }

  resume(): void {
    this.requireRunning();
    this.signalGroup('SIGCONT');
  }

  async restart(signal?: AbortSignal): Promise<void> {
    await this.stop();
    await this.start(signal);
  }

  /** Synchronous last resort for `process.on('exit')`. */
  killNow(): void {
    this.signalGroup('SIGKILL');
  }

  private requireRunning(): void {
    if (!this.running) throw new ControlPlaneError('NOT_RUNNING', `${this.name} is not running`);
  }

  private signalGroup(signal: NodeJS.Signals): void {
    if (this.componentPid === undefined) return;
    try {
      process.kill(-this.componentPid, signal);
    } catch {
      // it exited meanwhile
    }
  }

  private async logTail(): Promise<string> {
    const text = await readFile(this.logPath, 'utf8').catch(() => '');
    return text.split('\n').slice(-25).join('\n');
  }
}
