// A supervisor runs one control-plane component in its own process group and ends that group when the
// process that started it goes away, however it goes (even SIGKILL): the IPC channel to the parent closes,
// and we kill the group. It is started by component.ts as `node supervisor.js <json>` with an IPC channel.
import { spawn } from 'node:child_process';
import { openSync, rmSync } from 'node:fs';

interface SupervisorConfig {
  command: string;
  args: string[];
  logPath: string;
  /** Removed once the component is dead, when the parent went away without stopping us. */
  cleanupDir?: string;
  /** How long a SIGTERM may take before SIGKILL. */
  graceMs: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as SupervisorConfig;
const log = openSync(config.logPath, 'a');
const child = spawn(config.command, config.args, { detached: true, stdio: ['ignore', log, log] });
const pid = child.pid;
let exited = false;

child.on('error', (err) => {
  process.send?.({ type: 'error', message: err.message });
  process.exitCode = 127;
});
child.on('exit', (code, signal) => {
  exited = true;
  if (process.connected) process.send?.({ type: 'exit', code, signal });
  process.exitCode = code ?? 128;
  if (process.connected) process.disconnect();
});
if (pid !== undefined) process.send?.({ type: 'started', pid });

function killGroup(signal: NodeJS.Signals): void {
  if (pid === undefined || exited) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function terminate(signal: NodeJS.Signals, graceMs: number): void {
  killGroup(signal);
  if (signal !== 'SIGKILL') setTimeout(() => killGroup('SIGKILL'), graceMs).unref();
}

// The parent is gone: nothing will ever stop this component in an orderly way, so end it now.
process.on('disconnect', () => {
  if (exited) return;
  terminate('SIGKILL', 0);
  child.once('exit', () => {
    if (config.cleanupDir) rmSync(config.cleanupDir, { recursive: true, force: true });
  });
});
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.on(signal, () => terminate('SIGTERM', config.graceMs));
}
