// The test operator (e2e/fixtures/widget-operator-main.ts) as its own process.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface OperatorProcess {
  child: ChildProcess;
  probePort: number;
  identity: string;
  /** Everything it logged (JSON lines). */
  logs: string[];
  exited: Promise<number | null>;
  metrics(): Promise<string>;
}

const main = new URL('../fixtures/widget-operator-main.ts', import.meta.url).pathname;

/** Start the operator and resolve once its caches are synced (it prints its probe port then). */
export async function startOperatorProcess(env: Record<string, string>): Promise<OperatorProcess> {
  const child = spawn(process.execPath, [main], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => logs.push(line));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const first = await Promise.race([
    new Promise<string>((resolve) => createInterface({ input: child.stdout }).once('line', resolve)),
    exited.then((code) => {
      throw new Error(`the operator exited with ${code} before it was ready:\n${logs.slice(-20).join('\n')}`);
    }),
  ]);
  const { probePort, identity } = JSON.parse(first) as { probePort: number; identity: string };
  return {
    child,
    probePort,
    identity,
    logs,
    exited,
    metrics: async () => (await fetch(`http://127.0.0.1:${probePort}/metrics`)).text(),
  };
}
