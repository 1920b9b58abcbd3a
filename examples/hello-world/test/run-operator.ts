// Runs the operator as it runs in a cluster, on a local control plane: the CRDs, namespace and RBAC of
// config/ applied, and the operator started as a process with a token of its ServiceAccount, which only
// the generated roles bind. A permission the code needs but does not declare fails here, not in production.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import { type Cluster, type ClusterDescriptor, connectToCluster, ensureAssets, startControlPlane } from 'capstan/testing';

const root = join(import.meta.dirname, '..');
const run = promisify(execFile);
const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { name: string; capstan: { namespace: string } };

/** The operator under test, and what a test needs around it. */
export interface RunningOperator {
  cluster: Cluster;
  /** `system:serviceaccount:<namespace>:<name>`: who the operator is in the audit log. */
  username: string;
  /** kubectl as the cluster admin, from the project root. */
  kubectl(...args: string[]): Promise<string>;
  /** A new namespace for one test's objects. */
  createNamespace(prefix: string): Promise<string>;
  /** The requests of the operator the API server refused with 403 Forbidden since it started. */
  forbiddenRequests(): Promise<string[]>;
  /** Poll `check` until it returns something other than undefined; fails with the operator's logs. */
  eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs?: number): Promise<T>;
}

/** The cluster $CAPSTAN_TEST_CLUSTER describes (a control plane shared by several runs), or a new local one. */
async function testCluster(t: TestContext): Promise<Cluster> {
  const descriptor = process.env['CAPSTAN_TEST_CLUSTER'];
  if (descriptor) {
    const cluster = await connectToCluster(JSON.parse(await readFile(descriptor, 'utf8')) as ClusterDescriptor);
    t.after(() => cluster.admin.close());
    return cluster;
  }
  const controlPlane = await startControlPlane();
  t.after(() => controlPlane.stop());
  return controlPlane;
}

/** Apply config/ to a cluster and start src/main.ts under the generated RBAC; stopped (SIGTERM) after the test. */
export async function startOperator(t: TestContext): Promise<RunningOperator> {
  const started = Date.now();
  const cluster = await testCluster(t);
  const assets = await ensureAssets();
  const kubectl = async (...args: string[]) =>
    (await run(assets.kubectl, args, { cwd: root, env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath } })).stdout;

  await kubectl('apply', '-f', 'config/manager/namespace.yaml');
  for (const file of (await readdir(join(root, 'config/crd'))).filter((f) => f.endsWith('.yaml'))) {
    await kubectl('apply', '--server-side', '-f', `config/crd/${file}`);
    await kubectl('wait', '--for=condition=Established', '--timeout=60s', '-f', `config/crd/${file}`);
  }
  await kubectl('apply', '-f', 'config/rbac');
  // A token for the ServiceAccount of config/rbac: its only rights are the generated roles' rules.
  const account = await cluster.serviceAccountKubeconfig({ namespace: pkg.capstan.namespace, name: pkg.name });

  const port = await freePort();
  const operator = spawn(
    process.execPath,
    ['src/main.ts', '--leader-elect', `--leader-election-namespace=${pkg.capstan.namespace}`, `--health-port=${port}`],
    { cwd: root, env: { ...process.env, KUBECONFIG: account.kubeconfigPath }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let logs = '';
  operator.stdout.on('data', (chunk: Buffer) => (logs += chunk.toString()));
  operator.stderr.on('data', (chunk: Buffer) => (logs += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => operator.once('exit', (code) => resolve(code)));
  t.after(async () => {
    const code = await stop(operator, exited);
    if (code !== 0) throw new Error(`the operator exited with ${code} on SIGTERM; its logs:\n${logs}`);
  });

  const eventually = async <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      if (operator.exitCode !== null) throw new Error(`the operator exited with ${operator.exitCode}; its logs:\n${logs}`);
      try {
        const value = await check();
        if (value !== undefined) return value;
      } catch (err) {
        last = err;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(
      `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}; the operator's logs:\n${logs}`,
    );
  };
  await eventually('the operator to be ready', async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok ? true : undefined));

  return {
    cluster,
    username: account.username,
    kubectl,
    eventually,
    async createNamespace(prefix) {
      const name = `${prefix}-${Date.now().toString(36)}`;
      await kubectl('create', 'namespace', name);
      return name;
    },
    async forbiddenRequests() {
      return (await cluster.auditEvents())
        .filter(
          (e) =>
            e.user.username === account.username &&
            e.responseStatus?.code === 403 &&
            Date.parse(e.requestReceivedTimestamp) >= started - 1000,
        )
        .map((e) => `${e.verb} ${e.requestURI}`);
    },
  };
}

async function stop(operator: ChildProcess, exited: Promise<number | null>): Promise<number | null> {
  if (operator.exitCode !== null) return operator.exitCode;
  operator.kill('SIGTERM');
  const timeout = setTimeout(() => operator.kill('SIGKILL'), 30_000);
  try {
    return await exited;
  } finally {
    clearTimeout(timeout);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
