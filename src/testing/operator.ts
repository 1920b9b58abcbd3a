// The operator under test, run as it runs in a cluster: its own process, a token of its ServiceAccount
// that only the generated roles bind (never admin: system:masters bypasses RBAC and API fairness), leader
// election as its Deployment has it, and stopped with one SIGTERM as the kubelet stops a Pod.
import { setTimeout as sleep } from 'node:timers/promises';
import { isAbsolute, join } from 'node:path';
import { OperatorProcess } from '../internal/operator-process.ts';
import { metricsEndpointInLogLine, probePortInLogLine } from '../internal/probe-log.ts';
import type { Cluster } from './cluster.ts';
import { forbiddenSince } from './forbidden.ts';
import { metricsReader, metricValue, readMetrics } from './metrics.ts';
import { applyProjectConfig, type OperatorProject, readOperatorProject } from './operator-project.ts';
import { cleanUpAfter, type TestScope } from './cleanup.ts';

/**
 * How an operator process ended: its exit code, or the signal that ended it (`'SIGKILL'`).
 *
 * @noExample What {@link RunningOperator.exited} and {@link RunningOperator.stop} resolve with.
 */
export type OperatorExitStatus = number | NodeJS.Signals;

/**
 * Options of {@link startOperator}.
 *
 * @noExample Options of {@link startOperator}; its example shows them in use.
 */
export interface StartOperatorOptions {
  /** Where it runs, for example {@link testCluster}'s. */
  cluster: Cluster;
  /**
   * The operator project: its package.json's `name` and `capstan.namespace` name the ServiceAccount and
   * the Lease's namespace, `capstan.main` the entry module; the process runs in this folder. Defaults to the
   * current directory (`npm test` runs in the project's root).
   */
  projectDir?: string;
  /** The entry module, relative to `projectDir` or absolute; defaults to the package's `capstan.main`, else `src/main.ts`. */
  main?: string;
  /** More flags for the manager, after `--health-port=0`, `--metrics-port=0` and the leader-election flags (a later flag wins). */
  args?: readonly string[];
  /**
   * Flags for node itself, before the module (`--inspect=127.0.0.1:0`), after the memory flags every operator runs
   * with (those of the generated Dockerfile's ENTRYPOINT: `--max-semi-space-size=1 --heap-growing-percent=20`); a
   * flag given here again overrides them.
   */
  nodeArgs?: readonly string[];
  /** Added to the environment (which is this process's own); `KUBECONFIG` is always the operator's credentials. */
  env?: NodeJS.ProcessEnv;
  /**
   * Apply config/ first, as the cluster admin: the namespace, the CRDs (waiting until each kind is usable as
   * an owner, probing with its sample from config/samples), then the RBAC. Defaults to false.
   */
  applyConfig?: boolean;
  /**
   * The ServiceAccount whose token it runs with (created if missing; config/rbac binds its rights). Defaults
   * to the package's name in its `capstan.namespace`. `server` puts another address in its kubeconfig (a
   * fault proxy in front of the API server); `expirationSeconds` defaults to an hour.
   */
  serviceAccount?: {
    /** The ServiceAccount's namespace; defaults to the package's `capstan.namespace`. */
    namespace?: string;
    /** The ServiceAccount's name; defaults to the package's `name`. */
    name?: string;
    /** The token's lifetime; defaults to an hour. */
    expirationSeconds?: number;
    /** The server its kubeconfig names instead of the API server, such as a {@link FaultProxy}'s `url`. */
    server?: string;
  };
  /** Credentials made beforehand, used instead of minting a token for {@link StartOperatorOptions.serviceAccount}. */
  credentials?: {
    /** The kubeconfig the operator runs with. */
    kubeconfigPath: string;
    /** Who that kubeconfig authenticates as, as the audit log names it: {@link RunningOperator.forbiddenRequests} counts its 403s. */
    username: string;
  };
  /**
   * `--leader-elect` with the Lease in the package's `capstan.namespace` (as config/manager/deployment.yaml
   * runs it), in another namespace, or `false` for none. Defaults to true.
   */
  leaderElection?:
    | boolean
    | {
        /** The namespace of the Lease. */
        namespace: string;
      };
  /** How long it may take to be ready (`/readyz` 200: caches synced); defaults to 60 s. */
  readyTimeoutMs?: number;
  /** How long {@link RunningOperator.stop} waits after SIGTERM before SIGKILL; defaults to 30 s, a Pod's default grace. */
  graceMs?: number;
  /** Each line it prints (stdout and stderr), as it prints it; they are kept in {@link RunningOperator.logs} too. */
  onLogLine?: (line: string) => void;
  /** Its own process group: a Ctrl-C in the terminal then reaches only this process, which stops the operator. */
  ownProcessGroup?: boolean;
  /** Stop it (`stop()`, which fails the test on a non-zero exit) when `t` ends. */
  t?: TestScope;
  /** Abandons the start: the process is killed and the promise rejects. */
  signal?: AbortSignal;
}

/**
 * An operator process started by {@link startOperator}, ready; `await using` stops it as `stop()` does.
 *
 * @noExample Returned by {@link startOperator}; its example reads a metric and its 403s.
 */
export interface RunningOperator extends AsyncDisposable {
  /** Who it is in the audit log: `system:serviceaccount:<namespace>:<name>`. */
  readonly username: string;
  /** Its credentials. */
  readonly kubeconfigPath: string;
  /** The process ID of the operator (the node process running its entry module). */
  readonly pid: number;
  /** The port of its `/healthz` and `/readyz` on 127.0.0.1 (it was started with `--health-port=0`). */
  readonly probePort: number;
  /** The port of its `/metrics` on 127.0.0.1 (it was started with `--metrics-port=0`). */
  readonly metricsPort: number;
  /** Every line it printed so far, stdout and stderr (JSON log lines, or a stack trace), in order. */
  readonly logs: readonly string[];
  /** Just before the process started: its 403s are counted from then on. */
  readonly startedAt: Date;
  /** Whether the process is still alive. */
  readonly running: boolean;
  /** How it ended, or undefined while it runs. */
  readonly exitStatus: OperatorExitStatus | undefined;
  /** Resolves once the process is gone, however it ended. */
  readonly exited: Promise<OperatorExitStatus>;
  /** True once the test stopped or killed it: an exit from then on is not the operator's own doing. */
  readonly stoppedOnPurpose: boolean;
  /**
   * The text of its `/metrics` page, read as Prometheus would: over HTTPS with the token of a ServiceAccount bound
   * to a metrics-reader ClusterRole ({@link metricsReader}), or over plain HTTP when it runs with `--metrics-insecure`.
   */
  metrics(): Promise<string>;
  /** One value of its `/metrics` page (see {@link metricValue}). */
  metricValue(name: string, labels?: Readonly<Record<string, string>>): Promise<number | undefined>;
  /** Its requests the API server refused with 403 since it started (audit log): empty when its RBAC is complete. */
  forbiddenRequests(): Promise<string[]>;
  /**
   * SIGTERM, as Kubernetes stops a Pod; resolves once it exited 0. Rejects, with its last log lines, when it
   * exits otherwise, needs SIGKILL after the grace period, or had already exited on its own with non-zero.
   */
  stop(): Promise<OperatorExitStatus>;
  /** Send a signal on purpose (SIGKILL for a crash); from then on an exit is not its own doing. */
  kill(signal: NodeJS.Signals): void;
  /** Its state and last log lines, for a failure message (`eventually(…, { describe: operator.describe })`). */
  readonly describe: () => string;
}

/**
 * Start an operator as its own process (`node <main> --health-port=0 --metrics-port=0 --leader-elect …`) under a token of its
 * ServiceAccount, and resolve once it is ready (`/readyz` answers 200: its caches have synced; with leader
 * election it may still be waiting for the Lease). With `applyConfig`, the project's config/ is applied
 * first, so a permission its code uses but does not declare shows as a 403 in {@link RunningOperator.forbiddenRequests}
 * here, not in production. If it exits or is not ready in time, the promise rejects with its log lines.
 *
 * Stop it with `stop()`, with `await using`, or by passing `t` so it stops when the test ends.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { test } from 'node:test';
 * import { startOperator, testCluster } from 'capstan/testing';
 * test('the operator starts under its generated RBAC and is refused nothing', async (t) => {
 *   const cluster = await testCluster(t);
 *   const operator = await startOperator({ cluster, applyConfig: true, t });
 *   assert.equal(await operator.metricValue('leader_election_master_status', { name: 'demo-operator' }), 1);
 *   assert.deepEqual(await operator.forbiddenRequests(), []);
 * });
 * ```
 */
export async function startOperator(options: StartOperatorOptions): Promise<RunningOperator> {
  const { cluster, signal } = options;
  const dir = options.projectDir ?? process.cwd();
  // Read only for what the options leave out: a fixture module without a project gives them all.
  let project: OperatorProject | undefined;
  const needProject = async (what: string): Promise<OperatorProject> => {
    project ??= await readOperatorProject(dir);
    if (project) return project;
    throw new Error(`startOperator: ${dir} has no package.json, so give ${what}`);
  };
  if (options.applyConfig) await applyProjectConfig(cluster, { dir }, signal);
  const credentials =
    options.credentials ??
    (await cluster.serviceAccountKubeconfig({
      namespace: options.serviceAccount?.namespace ?? (await needProject('serviceAccount.namespace')).namespace,
      name: options.serviceAccount?.name ?? (await needProject('serviceAccount.name')).name,
      ...(options.serviceAccount?.expirationSeconds ? { expirationSeconds: options.serviceAccount.expirationSeconds } : {}),
      ...(options.serviceAccount?.server ? { server: options.serviceAccount.server } : {}),
    }));
  const election = options.leaderElection ?? true;
  const leaseNamespace =
    election === false
      ? undefined
      : election === true
        ? (await needProject('leaderElection: { namespace }')).namespace
        : election.namespace;
  const main = options.main ?? (await needProject('main')).main;

  const logs: string[] = [];
  const startedAt = new Date();
  const child = OperatorProcess.spawn({
    main: isAbsolute(main) ? main : join(dir, main),
    cwd: dir,
    nodeArgs: options.nodeArgs,
    args: [
      '--health-port=0',
      '--metrics-port=0',
      ...(leaseNamespace ? ['--leader-elect', `--leader-election-namespace=${leaseNamespace}`] : []),
      ...(options.args ?? []),
    ],
    env: { ...process.env, ...options.env, KUBECONFIG: credentials.kubeconfigPath },
    ownProcessGroup: options.ownProcessGroup,
    onLine: (line) => {
      logs.push(line);
      options.onLogLine?.(line);
    },
  });
  const describe = () => {
    const state = child.running
      ? 'is running'
      : `exited with ${child.exitStatus}${child.stoppedOnPurpose ? ' once stopped' : ' on its own'}`;
    return `the operator (pid ${child.pid}, ${credentials.username}) ${state}; its last log lines:\n${logs.slice(-30).join('\n')}`;
  };
  const failed = (what: string) => new Error(`${what}; ${describe()}`);

  let ports: { probe: number; metrics: MetricsEndpoint };
  try {
    ports = await untilReady(child, logs, options.readyTimeoutMs ?? 60_000, signal, failed);
  } catch (err) {
    child.kill('SIGKILL');
    await child.exited;
    throw err;
  }

  const graceMs = options.graceMs ?? 30_000;
  let stopping: Promise<OperatorExitStatus> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      // Signalled on purpose before (a SIGKILL for a crash): stopping only makes sure it is gone.
      const signalledBefore = child.stoppedOnPurpose;
      if (!child.running) {
        const status = child.exitStatus!;
        if (!signalledBefore && status !== 0) throw failed(`the operator had exited on its own with ${status}`);
        return status;
      }
      const { status, killed } = await child.stop(graceMs);
      if (signalledBefore) return status;
      if (killed) throw failed(`the operator did not exit within ${graceMs} ms of SIGTERM`);
      if (status !== 0) throw failed(`the operator exited with ${status} on SIGTERM`);
      return status;
    })());
  const port = ports.probe;
  const reader = ports.metrics.secure ? metricsReader(cluster) : undefined;
  const readOwnMetrics = async () => (reader ? reader.read(ports.metrics.port) : readMetrics(ports.metrics.port));
  const operator: RunningOperator = {
    username: credentials.username,
    kubeconfigPath: credentials.kubeconfigPath,
    pid: child.pid,
    probePort: port,
    metricsPort: ports.metrics.port,
    logs,
    startedAt,
    get running() {
      return child.running;
    },
    get exitStatus() {
      return child.exitStatus;
    },
    exited: child.exited,
    get stoppedOnPurpose() {
      return child.stoppedOnPurpose;
    },
    metrics: readOwnMetrics,
    metricValue: async (name, labels) => metricValue(await readOwnMetrics(), name, labels),
    forbiddenRequests: () => forbiddenSince(cluster, credentials.username, startedAt),
    stop,
    kill: (signal) => child.kill(signal),
    describe,
    [Symbol.asyncDispose]: async () => {
      await stop();
    },
  };
  if (options.t)
    cleanUpAfter(options.t, async () => {
      if (!stopping) await stop();
    });
  return operator;
}

/** Where an operator serves `/metrics`, as its log line says. */
interface MetricsEndpoint {
  port: number;
  secure: boolean;
}

/** Wait for the probe and metrics ports in its log and then for `/readyz` 200; the ports. */
async function untilReady(
  child: OperatorProcess,
  logs: readonly string[],
  timeoutMs: number,
  signal: AbortSignal | undefined,
  failed: (what: string) => Error,
): Promise<{ probe: number; metrics: MetricsEndpoint }> {
  const deadline = Date.now() + timeoutMs;
  let probePort: number | undefined;
  let metrics: MetricsEndpoint | undefined;
  let seen = 0;
  for (;;) {
    signal?.throwIfAborted();
    if (!child.running) throw failed(`the operator exited with ${child.exitStatus} before it was ready`);
    if (Date.now() > deadline) throw failed(`the operator was not ready within ${timeoutMs} ms`);
    for (; (probePort === undefined || metrics === undefined) && seen < logs.length; seen++) {
      probePort ??= probePortInLogLine(logs[seen]!);
      metrics ??= metricsEndpointInLogLine(logs[seen]!);
    }
    if (probePort !== undefined && metrics !== undefined) {
      const ready = await fetch(`http://127.0.0.1:${probePort}/readyz`, { signal }).then(
        async (response) => {
          await response.body?.cancel();
          return response.ok;
        },
        () => false,
      );
      if (ready) return { probe: probePort, metrics };
    }
    await sleep(100, undefined, { signal });
  }
}
