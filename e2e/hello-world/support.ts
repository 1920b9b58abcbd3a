// What the HelloWorld end-to-end tests share: the example project as a user has it, kubectl run from its
// folder, the install a user does (namespace, CRD, RBAC from config/), and the operator as its own process
// (examples/hello-world/src/main.ts) under the ServiceAccount that config/rbac binds, never admin.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { type AuditEvent, type Cluster, ensureAssets } from '../../src/testing/index.ts';
import { type CliResult, fixtureDir, repoRoot, runCli } from '../cli/run-cli.ts';
import { probePortInLogLine } from '../../src/internal/probe-log.ts';

export const exampleRoot = new URL('../../examples/hello-world/', import.meta.url).pathname.replace(/\/$/, '');
export const group = 'apps.example.com';
export const crdName = `helloworlds.${group}`;
/** Where config/ puts the operator's ServiceAccount, and so who it is in the audit log. */
export const operatorAccount = { namespace: 'hello-world-system', name: 'hello-world-operator' } as const;
export const operatorUser = `system:serviceaccount:${operatorAccount.namespace}:${operatorAccount.name}`;

// kubectl caches discovery for hours under ~/.kube/cache; CRDs come and go here, so each process has its own.
const kubectlCache = mkdtempSync(join(tmpdir(), 'capstan-kubectl-cache-'));
process.on('exit', () => rmSync(kubectlCache, { recursive: true, force: true }));

/** How a kubectl run ended. */
export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the real kubectl in the example's folder (relative paths as in its README); never rejects. */
export async function runKubectl(
  kubeconfigPath: string,
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<KubectlResult> {
  const { kubectl } = await ensureAssets();
  return new Promise((resolve) => {
    const child = execFile(
      kubectl,
      [`--cache-dir=${kubectlCache}`, ...args],
      {
        cwd: exampleRoot,
        env: { ...process.env, ...options.env, KUBECONFIG: kubeconfigPath },
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/** kubectl that must succeed: resolves with stdout, rejects with stderr in the message. */
export async function kubectl(
  kubeconfigPath: string,
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  const result = await runKubectl(kubeconfigPath, args, options);
  if (result.code !== 0)
    throw new Error(`kubectl ${args.join(' ').slice(0, 200)} failed (${result.code}): ${result.stderr.slice(0, 2000)}`);
  return result.stdout;
}

/**
 * Install the example as its README says, as the cluster admin: the operator's namespace and the CRD from
 * config/, `waitForKind` (before any operator starts, so its requests are never refused for the kind being
 * new), then config/rbac. Returns a kubeconfig of the operator's ServiceAccount, whose only rights are the
 * generated roles, and its token; `server` puts another address (a fault proxy) in that kubeconfig.
 */
export async function installExample(
  cluster: Cluster,
  options: { server?: string; expirationSeconds?: number } = {},
): Promise<{ kubeconfigPath: string; token: string; installedAt: Date }> {
  await kubectl(cluster.kubeconfigPath, ['apply', '-f', 'config/manager/namespace.yaml']);
  await kubectl(cluster.kubeconfigPath, ['apply', '-f', `config/crd/${crdName}.yaml`]);
  await cluster.waitForKind(group, 'v1alpha1', 'HelloWorld', { probeFields: { spec: { name: 'probe' } } });
  const installedAt = new Date();
  await kubectl(cluster.kubeconfigPath, ['apply', '-f', 'config/rbac']);
  const account = await cluster.serviceAccountKubeconfig({ ...operatorAccount, ...options });
  return { kubeconfigPath: account.kubeconfigPath, token: account.token, installedAt };
}

/** The operator while it runs as its own process. */
export interface OperatorProcess {
  readonly child: ChildProcess;
  /** Its JSON log lines so far. */
  readonly logs: string[];
  readonly probePort: number;
  metrics(): Promise<string>;
  /** SIGTERM, as Kubernetes stops a Pod; resolves with the exit code (fails the test after 20 s). */
  stop(): Promise<number | null>;
  /** Send a signal on purpose (SIGKILL for a crash); from then on an exit is not the operator's own doing. */
  kill(signal: NodeJS.Signals): void;
  /** True once the test stopped or killed it (so an exit was not on its own). */
  readonly stoppedOnPurpose: boolean;
  /** Resolves with the exit code (or null after a signal) once the process is gone. */
  readonly exited: Promise<number | null>;
}

/**
 * Start `node src/main.ts` in the example, with leader election as in its Deployment, and resolve once it
 * is ready (`/readyz`: its caches have synced). `nodeArgs` go to node before the script (`--inspect=…`).
 */
export async function startOperator(
  kubeconfigPath: string,
  args: string[] = [],
  options: { nodeArgs?: string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<OperatorProcess> {
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      'src/main.ts',
      '--health-port=0',
      '--leader-elect',
      `--leader-election-namespace=${operatorAccount.namespace}`,
      ...args,
    ],
    { cwd: exampleRoot, env: { ...process.env, ...options.env, KUBECONFIG: kubeconfigPath }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const logs: string[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => logs.push(line));
  createInterface({ input: child.stderr }).on('line', (line) => logs.push(line));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const failed = (what: string) => new Error(`${what}; the operator's last log lines:\n${logs.slice(-30).join('\n')}`);

  const deadline = Date.now() + 60_000;
  let probePort: number | undefined;
  for (;;) {
    if (child.exitCode !== null) throw failed(`the operator exited with ${child.exitCode} before it was ready`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw failed('the operator was not ready within 60 s');
    }
    probePort ??= logs.map(probePortInLogLine).find((port) => port !== undefined);
    if (
      probePort !== undefined &&
      (await fetch(`http://127.0.0.1:${probePort}/readyz`).then(
        (r) => r.ok,
        () => false,
      ))
    )
      break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const port = probePort;
  let stoppedOnPurpose = false;
  return {
    child,
    logs,
    probePort: port,
    exited,
    get stoppedOnPurpose() {
      return stoppedOnPurpose;
    },
    kill(signal: NodeJS.Signals) {
      stoppedOnPurpose = true;
      child.kill(signal);
    },
    metrics: async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text(),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      stoppedOnPurpose = true;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      try {
        const code = await exited;
        if (code !== 0) throw failed(`the operator exited with ${code} on SIGTERM`);
        return code;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** The requests of the operator's ServiceAccount (or of `users`) the API server refused with 403 since `since`. */
export async function forbiddenSince(cluster: Cluster, since: Date, users: readonly string[] = [operatorUser]): Promise<string[]> {
  return (await cluster.auditEvents())
    .filter(
      (e: AuditEvent) => users.includes(e.user.username) && e.responseStatus?.code === 403 && new Date(e.requestReceivedTimestamp) >= since,
    )
    .map((e) => `${e.verb} ${e.requestURI}`);
}

/** The value of one Prometheus series (exact labels, in the exposition's order), or undefined. */
export function metricValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** A namespace of the shared cluster for one test, deleted when the file ends. */
export async function createNamespace(cluster: Cluster, name: string): Promise<string> {
  await cluster.admin.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name } } });
  return name;
}

/**
 * A copy of the example project (package.json, tsconfig.json, src/, config/) under the repository's .capstan/,
 * with `settings` merged into the "capstan" field of its package.json, after `capstan generate` ran in it.
 * Remove `join(root, '..')` when done.
 */
export async function exampleCopy(settings: Record<string, string> = {}): Promise<{ root: string; generated: CliResult }> {
  const root = join(await fixtureDir('hello-world'), 'hello-world');
  await mkdir(join(root, 'node_modules'), { recursive: true });
  for (const path of ['package.json', 'tsconfig.json', 'src', 'config'])
    await cp(join(exampleRoot, path), join(root, path), { recursive: true });
  // As in the example itself, `capstan` is this repository.
  await symlink(repoRoot, join(root, 'node_modules', 'capstan'));
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { capstan: Record<string, string> };
  Object.assign(pkg.capstan, settings);
  await writeFile(join(root, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  const generated = await runCli(['generate'], { cwd: root, timeoutMs: 60_000 });
  return { root, generated };
}
