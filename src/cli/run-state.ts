import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** What `capstan control-plane up` records so that `env` and `down` find the detached control plane. */
export interface RunState {
  /** The detached host process that owns the control plane. */
  hostPid: number;
  kubeconfigPath: string;
  apiServerUrl: string;
  etcdUrl: string;
  dir: string;
  kubectl: string;
  logPath: string;
  components: Record<string, { pid: number | undefined }>;
  ports: number[];
}

/** `~/.cache/capstan/run`, or `$CAPSTAN_RUN_DIR`. */
export function runDir(): string {
  return process.env['CAPSTAN_RUN_DIR'] ?? join(homedir(), '.cache', 'capstan', 'run');
}

const statePath = () => join(runDir(), 'control-plane.json');

export async function readRunState(): Promise<RunState | undefined> {
  try {
    return JSON.parse(await readFile(statePath(), 'utf8')) as RunState;
  } catch {
    return undefined;
  }
}

export async function writeRunState(state: RunState): Promise<void> {
  await mkdir(runDir(), { recursive: true });
  await writeFile(statePath(), JSON.stringify(state, null, 2));
}

export async function removeRunState(): Promise<void> {
  await rm(statePath(), { force: true });
}

export function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
