// `npm start`: the HelloWorld operator of examples/hello-world, end to end, in one command. It starts a local
// control plane (building it the first time), installs the CRD with `capstan install`, waits until the kind
// is usable for ownership, applies the operator's namespace and generated RBAC, runs the operator as its own
// process under that ServiceAccount (never admin) with readable logs, applies the sample and prints the
// ConfigMap it gets, then keeps running until Ctrl-C, which stops everything it started within 15 s.
//
//   npm start                              a new local control plane, removed on exit
//   npm start -- --use-current-context     the cluster of $KUBECONFIG's current context instead
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { prettyFactory } from 'pino-pretty';
import { operatorNodeFlags } from '../src/internal/operator-process.ts';
import { parse } from 'yaml';
import {
  type Cluster,
  connectToCluster,
  ensureAssets,
  eventually,
  type RunningOperator,
  startControlPlane,
  startOperator,
} from '../src/testing/index.ts';

const usage = `Usage: npm start [-- --use-current-context]

Runs the HelloWorld operator of examples/hello-world on a new local control plane (or, with
--use-current-context, on the cluster of $KUBECONFIG's current context), applies its sample and prints
the ConfigMap it gets. Ctrl-C stops everything it started.`;

const flags = (() => {
  try {
    return parseArgs({ options: { 'use-current-context': { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } } })
      .values;
  } catch (err) {
    process.stderr.write(`npm start: ${(err as Error).message}\n\n${usage}\n`);
    process.exit(2);
  }
})();
if (flags.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}

const example = new URL('../examples/hello-world/', import.meta.url).pathname.replace(/\/$/, '');
const cliMain = new URL('../src/cli/main.ts', import.meta.url).pathname;
const operatorAccount = { namespace: 'hello-world-system', name: 'hello-world-operator' };
const say = (line = '') => process.stdout.write(`${line}\n`);
const run = promisify(execFile);

// Ctrl-C (SIGINT to the whole foreground process group), SIGTERM or SIGHUP: stop in order. A second one
// stops at once; the control plane's supervisors still end its components when this process is gone.
const stopping = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (stopping.signal.aborted) {
      operator?.kill('SIGKILL');
      process.exit(130);
    }
    stopping.abort(new Error(`stopped by ${signal}`));
  });
}
const signal = stopping.signal;
const cleanups: Array<() => Promise<unknown>> = [];
let operator: RunningOperator | undefined;

try {
  const workDir = await mkdtemp(join(tmpdir(), 'capstan-start-'));
  cleanups.push(() => rm(workDir, { recursive: true, force: true }));
  const target = flags['use-current-context'] ? await currentContext(workDir) : await localControlPlane();
  const kubectl = async (args: string[]) => {
    const env = { ...process.env, KUBECONFIG: target.cluster.kubeconfigPath };
    const out = await run(target.kubectl, [`--cache-dir=${join(workDir, 'kubectl-cache')}`, ...args], { cwd: example, env, signal });
    return out.stdout;
  };
  const step = async (args: string[]) => {
    say(`\n$ kubectl ${args.join(' ')}`);
    process.stdout.write(await kubectl(args));
  };

  say(`\n$ capstan install        # in examples/hello-world`);
  await run(process.execPath, [cliMain, 'install', '--kubeconfig', target.cluster.kubeconfigPath], {
    cwd: example,
    signal,
  }).then(
    (out) => process.stdout.write(out.stdout),
    (err: Error & { stderr?: string }) => Promise.reject(new Error(`capstan install failed: ${err.stderr || err.message}`)),
  );
  // Says how long it took, and why when it has to wait (a cluster that got the CRD after its garbage collector started).
  await target.cluster.waitForKind('apps.example.com', 'v1alpha1', 'HelloWorld', {
    probeFields: { spec: { name: 'probe' } },
    log: say,
    signal,
  });
  await step(['apply', '-f', 'config/manager/namespace.yaml']);
  await step(['apply', '-k', 'config/rbac']);
  // A day's token (the default is an hour): npm start may well be left running for an afternoon.
  const account = await target.cluster.serviceAccountKubeconfig({ ...operatorAccount, expirationSeconds: 86_400 });

  say(
    `\n$ node ${operatorNodeFlags.join(' ')} src/main.ts --health-port=0 --metrics-port=0   # in examples/hello-world, as ${account.username}`,
  );
  const running = await startExampleOperator(target.cluster, account);
  operator = running;
  cleanups.push(() => stopOperator(running));
  await step(['apply', '-f', 'config/samples/hello-world.yaml']);
  const namespace = target.namespace;
  await eventually(
    'the sample to be Ready',
    async () =>
      (await kubectl(['get', 'helloworld', 'hello-world', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])) === 'True',
    { signal },
  );
  say(`the sample is Ready after ${process.uptime().toFixed(1)} s`);
  await step(['get', 'helloworlds']);
  await step(['get', 'configmap', 'hello-world', '-o', 'yaml']);

  say(
    [
      '',
      `The HelloWorld operator is running on ${target.description}, as ${account.username}.`,
      'In another shell:',
      `  export KUBECONFIG=${target.cluster.kubeconfigPath}`,
      ...(target.kubectlOnPath ? [] : [`  export PATH=${dirname(target.kubectl)}:$PATH`]),
      `  cd ${example}`,
      `  kubectl get helloworlds${namespace === 'default' ? '' : ` -n ${namespace}`}`,
      `  kubectl patch helloworld hello-world --type=merge -p '{"spec":{"name":"Hello again!"}}'`,
      "  kubectl get configmap hello-world -o jsonpath='{.data.message}'",
      '  kubectl delete helloworld hello-world',
      'Press Ctrl-C to stop.',
    ].join('\n'),
  );
  if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
  say('\nstopping');
} catch (err) {
  if (!signal.aborted) {
    process.stderr.write(`npm start: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
} finally {
  for (const cleanup of cleanups.reverse())
    await cleanup().catch((err: unknown) => process.stderr.write(`npm start: while stopping: ${(err as Error).message}\n`));
  if (flags['use-current-context'] && process.exitCode !== 1) {
    say('The CRD, the namespace hello-world-system with its RBAC, and the sample stay on the cluster; remove them with:');
    say(
      `  kubectl delete -f ${example}/config/samples/hello-world.yaml && kubectl delete -k ${example}/config/rbac && kubectl delete -k ${example}/config/crd && kubectl delete -f ${example}/config/manager/namespace.yaml`,
    );
  }
  // Nothing of ours is left running; do not wait for idle sockets or timers of libraries.
  process.exit();
}

interface Target {
  cluster: Cluster;
  kubectl: string;
  kubectlOnPath: boolean;
  /** Where the sample goes: the context's namespace. */
  namespace: string;
  description: string;
}

async function localControlPlane(): Promise<Target> {
  // With the example's CRD, installed before kube-controller-manager starts, so that its garbage collector (and
  // admission) know HelloWorld from the start and waitForKind does not wait for their 30 s discovery rereads;
  // `capstan install` below then applies the same file, as a user does, and changes nothing.
  const cp = await startControlPlane({ crds: [join(example, 'config', 'crd')], log: (line) => say(`[capstan] ${line}`), signal });
  cleanups.push(async () => {
    say('stopping the control plane');
    await cp.stop();
  });
  say(`Local control plane up: ${cp.apiServerUrl} (Kubernetes ${cp.versions.kubernetes}, etcd ${cp.versions.etcd})`);
  return {
    cluster: cp,
    kubectl: cp.assets.kubectl,
    kubectlOnPath: false,
    namespace: 'default',
    description: `the local control plane at ${cp.apiServerUrl}`,
  };
}

interface KubeconfigFile {
  'current-context'?: string;
  contexts?: Array<{ name: string; context: { cluster: string; namespace?: string } }>;
  clusters?: Array<{ name: string; cluster: { server: string; 'certificate-authority-data'?: string; 'certificate-authority'?: string } }>;
}

/** The cluster of the current context, announced before anything is changed on it. */
async function currentContext(workDir: string): Promise<Target> {
  const kubeconfigPath = process.env['KUBECONFIG']?.split(delimiter).find(Boolean) ?? join(homedir(), '.kube', 'config');
  if (!existsSync(kubeconfigPath)) throw new Error(`--use-current-context: no kubeconfig at ${kubeconfigPath}; set KUBECONFIG`);
  const config = parse(await readFile(kubeconfigPath, 'utf8')) as KubeconfigFile;
  const name = config['current-context'];
  const context = config.contexts?.find((c) => c.name === name)?.context;
  const entry = config.clusters?.find((c) => c.name === context?.cluster)?.cluster;
  if (!name || !context || !entry) throw new Error(`--use-current-context: ${kubeconfigPath} has no usable current context`);
  const namespace = context.namespace ?? 'default';
  say(`npm start will change the cluster of context "${name}" (${entry.server}, kubeconfig ${kubeconfigPath}):`);
  say("  it installs the CRD helloworlds.apps.example.com, the namespace hello-world-system with the operator's");
  say(`  ServiceAccount and RBAC (ClusterRole hello-world-operator), and the sample HelloWorld in namespace ${namespace}.`);

  // The operator's ServiceAccount kubeconfig trusts the same certificate authority as the context.
  const caCertPath = join(workDir, 'ca.crt');
  if (entry['certificate-authority-data']) await writeFile(caCertPath, Buffer.from(entry['certificate-authority-data'], 'base64'));
  else if (entry['certificate-authority']) await writeFile(caCertPath, await readFile(entry['certificate-authority']));
  else
    throw new Error(
      `--use-current-context: the cluster of context "${name}" names no certificate authority, which the operator's kubeconfig needs`,
    );
  const cluster = await connectToCluster({ kubeconfigPath, caCertPath, auditLogPath: join(workDir, 'no-audit-log'), dir: workDir });
  cleanups.push(() => cluster.admin.close());
  const onPath = await run('kubectl', ['version', '--client'], { signal }).then(
    () => true,
    () => false,
  );
  const kubectl = onPath ? 'kubectl' : (await ensureAssets({ log: (line) => say(`[capstan] ${line}`), signal })).kubectl;
  return { cluster, kubectl, kubectlOnPath: onPath, namespace, description: `context "${name}" (${entry.server})` };
}

/**
 * The operator through the test kit's runner, in its own process group (Ctrl-C reaches only us, and it gets
 * exactly one SIGTERM), without leader election, its JSON log lines made readable; resolves once it is ready.
 * If it exits on its own later, everything stops.
 */
async function startExampleOperator(cluster: Cluster, account: { kubeconfigPath: string; username: string }): Promise<RunningOperator> {
  const pretty = prettyFactory({ colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
  const running = await startOperator({
    cluster,
    projectDir: example,
    credentials: account,
    leaderElection: false,
    ownProcessGroup: true,
    // Its manager lets in-flight reconciles finish for up to 10 s; leave room for the control plane's stop.
    graceMs: 8_000,
    onLogLine: (line) => (line.startsWith('{') ? process.stdout.write(pretty(line)) : process.stderr.write(`${line}\n`)),
    signal,
  });
  void running.exited.then((status) => {
    if (running.stoppedOnPurpose || signal.aborted) return;
    process.stderr.write(`npm start: the operator exited (${status}); stopping\n`);
    process.exitCode = 1;
    stopping.abort(new Error('the operator exited'));
  });
  return running;
}

async function stopOperator(running: RunningOperator): Promise<void> {
  if (!running.running) return;
  say('stopping the operator');
  await running.stop();
}
