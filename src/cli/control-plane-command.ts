import { spawn } from 'node:child_process';
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import type { BuiltInController, ControlPlane } from '../testing/index.ts';
import { builtInControllers } from '../testing/built-in-controllers.ts';
import { CliFailure } from './failure.ts';
import { isAlive, readRunState, removeRunState, runDir, runningControlPlane, writeRunState } from '../testing/run-state.ts';

/** `capstan control-plane up|env|down|run`: a local control plane for development and `kubectl`. */
export function controlPlaneCommand(): Command {
  const command = new Command('control-plane').description(
    'a local Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager) built from source and cached',
  );

  command
    .command('up')
    .description('start a control plane in the background and record it under ~/.cache/capstan/run')
    .option('--timeout <seconds>', 'how long to wait for it (the first build takes 10–25 minutes)', '3600')
    .option('--crds <paths...>', crdsHelp)
    .option('--controllers <names>', controllersHelp, parseControllers)
    .action(async (opts: { timeout: string; crds?: string[]; controllers?: BuiltInController[] }) =>
      up(Number(opts.timeout) * 1000, opts.crds ?? [], opts.controllers ?? []),
    );

  command
    .command('env')
    .description('print the shell lines that point kubectl at the running control plane: eval "$(capstan control-plane env)"')
    .action(async () => {
      const state = await requireRunning();
      process.stdout.write(`export KUBECONFIG=${state.kubeconfigPath}\nexport PATH=${dirname(state.kubectl)}:$PATH\n`);
    });

  command.command('down').description('stop the control plane that `up` started').action(down);

  command
    .command('run')
    .description('start a control plane in the foreground until Ctrl-C')
    .option('--crds <paths...>', crdsHelp)
    .option('--controllers <names>', controllersHelp, parseControllers)
    .action(async (opts: { crds?: string[]; controllers?: BuiltInController[] }) => runForeground(opts.crds ?? [], opts.controllers ?? []));

  command
    .command('serve', { hidden: true })
    .description('the detached host process of `up`')
    .option('--crds <paths...>')
    .option('--controllers <names>', controllersHelp, parseControllers)
    .action(async (opts: { crds?: string[]; controllers?: BuiltInController[] }) => serve(opts.crds ?? [], opts.controllers ?? []));

  return command;
}

const crdsHelp =
  'CRD files or folders (config/crd) to install before kube-controller-manager starts, so that their kinds are ' +
  'usable as owners at once (a CRD installed later waits up to 30 s for the discovery rereads of the garbage collector and admission)';

const controllersHelp =
  'kube-controller-manager controllers to run besides the garbage collector and the namespace controller, comma-separated ' +
  `(${builtInControllers.join(', ')}); there is no kubelet, so Pods stay Pending unless a test runs startFakeKubelet`;

/** `--controllers=deployment,replicaset`: known names only, so that a typo fails here and not in the background. */
function parseControllers(value: string): BuiltInController[] {
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !(builtInControllers as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new CliFailure(`--controllers: unknown controller ${unknown.join(', ')}; choose from ${builtInControllers.join(', ')}`);
  }
  return names as BuiltInController[];
}

async function requireRunning() {
  const state = await runningControlPlane();
  if (!state) {
    throw new CliFailure('no control plane is running: start one with `capstan control-plane up`');
  }
  return state;
}

async function up(timeoutMs: number, crdPaths: string[], controllers: BuiltInController[]): Promise<void> {
  // Absolute, for the host process; read now, so that a mistyped path fails here rather than in the background.
  const crds = crdPaths.map((path) => resolve(path));
  if (crds.length > 0) await (await import('../testing/crds.ts')).loadCrds(crds);
  const existing = await readRunState();
  if (existing && isAlive(existing.hostPid)) {
    process.stdout.write(`a control plane is already running (pid ${existing.hostPid})\nexport KUBECONFIG=${existing.kubeconfigPath}\n`);
    if (crds.length > 0)
      process.stderr.write('--crds applies to a new control plane only: install them on this one with `capstan install`\n');
    if (controllers.length > 0)
      process.stderr.write('--controllers applies to a new control plane only: `capstan control-plane down` this one first\n');
    return;
  }
  await removeRunState();
  await mkdir(runDir(), { recursive: true });
  const logPath = join(runDir(), 'control-plane.log');
  const log = await open(logPath, 'w');
  const main = fileURLToPath(new URL(`./main${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));
  const host = spawn(
    process.execPath,
    [
      main,
      'control-plane',
      'serve',
      ...(crds.length > 0 ? ['--crds', ...crds] : []),
      ...(controllers.length > 0 ? [`--controllers=${controllers.join(',')}`] : []),
    ],
    {
      detached: true,
      stdio: ['ignore', log.fd, log.fd],
      env: process.env,
    },
  );
  host.unref();
  await log.close();
  process.stderr.write(`starting the control plane (pid ${host.pid}); progress in ${logPath}\n`);
  const deadline = Date.now() + timeoutMs;
  let shown = 0;
  for (;;) {
    const text = await readFile(logPath, 'utf8').catch(() => '');
    const lines = text.split('\n');
    for (const line of lines.slice(shown, -1)) process.stderr.write(`${line}\n`);
    shown = Math.max(shown, lines.length - 1);
    const state = await readRunState();
    if (state && state.hostPid === host.pid) {
      process.stdout.write(`control plane up: ${state.apiServerUrl}\nexport KUBECONFIG=${state.kubeconfigPath}\n`);
      return;
    }
    if (!isAlive(host.pid)) throw new CliFailure(`the control plane failed to start; see ${logPath}`);
    if (Date.now() > deadline) {
      process.kill(host.pid!, 'SIGTERM');
      throw new CliFailure(`the control plane was not up within ${timeoutMs / 1000} s; see ${logPath}`);
    }
    await sleep(500);
  }
}

async function serve(crds: string[], controllers: BuiltInController[]): Promise<void> {
  const { startControlPlane } = await import('../testing/index.ts');
  const cp = await startControlPlane({ crds, controllers, log: (line) => process.stdout.write(`[capstan] ${line}\n`) });
  const ports = [cp.apiServerUrl, cp.etcdUrl].map((u) => Number(new URL(u).port));
  await writeRunState({
    hostPid: process.pid,
    kubeconfigPath: cp.kubeconfigPath,
    apiServerUrl: cp.apiServerUrl,
    etcdUrl: cp.etcdUrl,
    dir: cp.dir,
    kubectl: cp.assets.kubectl,
    logPath: join(runDir(), 'control-plane.log'),
    components: Object.fromEntries([cp.etcd, cp.apiServer, cp.controllerManager].map((c) => [c.name, { pid: c.pid }])),
    ports,
    cluster: cp.describe(),
  });
  await untilSignal();
  await cp.stop();
  await removeRunState();
}

async function down(): Promise<void> {
  const state = await readRunState();
  if (!state) {
    process.stdout.write('no control plane is running\n');
    return;
  }
  if (isAlive(state.hostPid)) {
    process.kill(state.hostPid, 'SIGTERM');
    const deadline = Date.now() + 30_000;
    while (isAlive(state.hostPid) && Date.now() < deadline) await sleep(200);
  }
  // Whatever is left (a host killed with SIGKILL leaves its supervisors to clean up; be sure anyway).
  for (const pid of [state.hostPid, ...Object.values(state.components).map((c) => c.pid)]) {
    if (pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  await removeRunState();
  process.stdout.write('control plane stopped\n');
}

async function runForeground(crds: string[], controllers: BuiltInController[]): Promise<void> {
  const { startControlPlane } = await import('../testing/index.ts');
  const cp: ControlPlane = await startControlPlane({ crds, controllers });
  process.stdout.write(
    [
      '',
      `Local control plane up: ${cp.apiServerUrl} (Kubernetes ${cp.versions.kubernetes}, etcd ${cp.versions.etcd})`,
      'In another shell:',
      `  export KUBECONFIG=${cp.kubeconfigPath}`,
      `  export PATH=${dirname(cp.assets.kubectl)}:$PATH`,
      '  kubectl get namespaces',
      'Press Ctrl-C to stop it.',
      '',
    ].join('\n'),
  );
  await untilSignal();
  process.stdout.write('stopping the control plane\n');
  await cp.stop();
}

/** Resolves on the first SIGINT, SIGTERM or SIGHUP, keeping the process alive until then. */
function untilSignal(): Promise<NodeJS.Signals> {
  const keepAlive = setInterval(() => undefined, 1 << 30);
  return new Promise((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(signal, () => {
        clearInterval(keepAlive);
        resolve(signal);
      });
    }
  });
}
