// What `capstan control-plane up` records under ~/.cache/capstan/run so that later commands (`env`, `down`)
// and later test runs (`testCluster`) find the detached control plane. One reader for the CLI and the kit.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ClusterDescriptor } from './cluster.ts';

/** The record of a control plane started by `capstan control-plane up`. */
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
  /** How a test connects to it; absent in a record written by a Capstan older than the test kit. */
  cluster?: ClusterDescriptor;
}

/** `~/.cache/capstan/run`, or `$CAPSTAN_RUN_DIR`. */
export function runDir(): string {
  return process.env['CAPSTAN_RUN_DIR'] ?? join(homedir(), '.cache', 'capstan', 'run');
}

const statePath = () => join(runDir(), 'control-plane.json');

/** The recorded control plane, whether or not its host process still runs; undefined when none is recorded. */
export async function readRunState(): Promise<RunState | undefined> {
  try {
    return JSON.parse(await readFile(statePath(), 'utf8')) as RunState;
  } catch {
    return undefined;
  }
}

/** The recorded control plane if its host process is alive, else undefined. */
export async function runningControlPlane(): Promise<RunState | undefined> {
  const state = await readRunState();
  return state && isAlive(state.hostPid) ? state : undefined;
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
