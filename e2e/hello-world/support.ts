// What the HelloWorld end-to-end tests share: the example project as a user has it, kubectl run from its
// folder, and the install a user does (namespace, CRD, RBAC from config/). The operator runs as its own
// process (examples/hello-world/src/main.ts) under the ServiceAccount that config/rbac binds, never admin,
// through the kit's startOperator (with {@link exampleOperator}'s options).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cluster, ensureAssets, type StartOperatorOptions } from '../../src/testing/index.ts';
import { type CliResult, fixtureDir, repoRoot, runCli } from '../cli/run-cli.ts';

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
  await kubectl(cluster.kubeconfigPath, ['apply', '-k', 'config/rbac']);
  const account = await cluster.serviceAccountKubeconfig({ ...operatorAccount, ...options });
  return { kubeconfigPath: account.kubeconfigPath, token: account.token, installedAt };
}

/**
 * The kit's `startOperator` options for the example (src/main.ts in examples/hello-world, leader election in
 * hello-world-system as its Deployment has it) with the credentials of `kubeconfigPath`: its ServiceAccount's
 * by default, or another account's with its `username`.
 */
export function exampleOperator(cluster: Cluster, kubeconfigPath: string, username: string = operatorUser): StartOperatorOptions {
  return { cluster, projectDir: exampleRoot, credentials: { kubeconfigPath, username } };
}

/**
 * A copy of the example project (package.json, tsconfig.json, src/, config/, chart/) under the repository's
 * .capstan/, with `settings` merged into the "capstan" field of its package.json, after `capstan generate` ran in it
 * (which rewrites chart/ too, as it does in the example: the committed chart is a generated one).
 * Remove `join(root, '..')` when done.
 */
export async function exampleCopy(settings: Record<string, string> = {}): Promise<{ root: string; generated: CliResult }> {
  const root = join(await fixtureDir('hello-world'), 'hello-world');
  await mkdir(join(root, 'node_modules'), { recursive: true });
  for (const path of ['package.json', 'tsconfig.json', 'src', 'config', 'chart'])
    await cp(join(exampleRoot, path), join(root, path), { recursive: true });
  // As in the example itself, `capstan` is this repository.
  await symlink(repoRoot, join(root, 'node_modules', 'capstan'));
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { capstan: Record<string, string> };
  Object.assign(pkg.capstan, settings);
  await writeFile(join(root, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  const generated = await runCli(['generate'], { cwd: root, timeoutMs: 60_000 });
  return { root, generated };
}
