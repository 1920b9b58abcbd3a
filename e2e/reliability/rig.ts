// What every reliability scenario stands on: a control plane of its own (faults break it), the HelloWorld
// example installed as its README says, a fault proxy that is the operator's only path to kube-apiserver,
// the operator as its own process under the generated RBAC with leader election on as shipped and debug
// logs (its request log and one line per reconcile), and the end-state check every scenario ends with.
import type { KubeClient } from '../../src/client/index.ts';
import type { Condition } from '../../src/core/index.ts';
import { ConfigMap } from '../../src/kinds/core/v1.ts';
import {
  type AuditEvent,
  type ControlPlane,
  type ControlPlaneOptions,
  createNamespace,
  type FaultProxy,
  forbiddenSince,
  metricValue,
  type RunningOperator,
  startControlPlane,
  startFaultProxy,
  startOperator,
} from '../../src/testing/index.ts';
import { HelloWorld } from '../../examples/hello-world/src/api/hello-world.ts';
import { managedBy } from '../../examples/hello-world/src/controllers/hello-world.ts';
import { helloWorldCrds } from '../support/crds.ts';
import { exampleOperator, installExample, operatorUser } from '../hello-world/support.ts';

export { HelloWorld, managedBy, operatorUser };

/**
 * `npm test` runs every scenario in a short form (shorter outages, fewer objects); `npm run soak` sets
 * CAPSTAN_RELIABILITY_LONG=1 for the long forms the issue describes. Pick durations with `long ? a : b`.
 */
export const long = process.env['CAPSTAN_RELIABILITY_LONG'] === '1';

/** Parameters the operator runs with, from which the scenarios derive their time bounds. */
export const shipped = {
  /** The watch's reconnect backoff cap (src/watch ReconnectBackoff). */
  watchBackoffCapMs: 30_000,
  /** The workqueue's per-key backoff: 5 ms doubling, capped at 1000 s; its cap is never reached in a test. */
  queueBaseDelayMs: 5,
  /** The client's request timeout. */
  requestTimeoutMs: 30_000,
  /** Leader election as the example ships it (the Manager's defaults). */
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
  /** The Manager's shutdown grace period. */
  shutdownGraceMs: 10_000,
} as const;

/** Events on a time line, printed relative to the first one when a bound fails. */
export class Timeline {
  readonly entries: Array<{ at: number; what: string }> = [];
  readonly origin = Date.now();

  mark(what: string, at = Date.now()): number {
    this.entries.push({ at, what });
    return at;
  }

  /** `what` followed by the time line, for an assertion message. */
  explain(what: string): string {
    const lines = [...this.entries]
      .sort((a, b) => a.at - b.at)
      .map((e) => `  +${((e.at - this.origin) / 1000).toFixed(1).padStart(6)} s  ${e.what}`);
    return `${what}\ntimeline:\n${lines.join('\n')}`;
  }
}

/** One line of the operator's JSON log (pino). */
export interface LogLine {
  level: number;
  time: number;
  msg: string;
  [field: string]: unknown;
}

/** The operator's log lines that parse as JSON. */
export function logLines(operator: Pick<RunningOperator, 'logs'>): LogLine[] {
  const lines: LogLine[] = [];
  for (const text of operator.logs) {
    try {
      const line = JSON.parse(text) as LogLine;
      if (typeof line.msg === 'string' && typeof line.time === 'number') lines.push(line);
    } catch {
      // not a log line (a stack trace, say)
    }
  }
  return lines;
}

/** One API request from the operator's own request log (`--log-level=debug`). */
export interface LoggedRequest {
  method: string;
  path: string;
  code: string;
  startedAt: number;
  durationMs: number;
}

export function requestLog(operator: Pick<RunningOperator, 'logs'>): LoggedRequest[] {
  return logLines(operator)
    .filter((l) => l.msg === 'request')
    .map((l) => l as unknown as LoggedRequest);
}

/** Reconciles per `namespace/name` (finished, successfully or not) logged at or after `sinceMs`. */
export function reconcilesPerKey(operator: Pick<RunningOperator, 'logs'>, sinceMs = 0): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of logLines(operator)) {
    if (line.time < sinceMs || (line.msg !== 'reconciled' && !line.msg.startsWith('reconcile failed'))) continue;
    const key = `${String(line['namespace'])}/${String(line['name'])}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** The rig's options: extra control-plane flags, and extra operator flags. */
export interface RigOptions {
  controlPlane?: ControlPlaneOptions;
  /** Flags for every operator the rig starts (besides --health-port=0, --leader-elect, --log-level=debug). */
  operatorArgs?: string[];
  /** Lifetime of the operator's token (default one hour); a soak mints one for longer than it runs. */
  tokenSeconds?: number;
}

/** A control plane of its own with the example installed and a fault proxy in front of kube-apiserver. */
export class Rig {
  readonly cp: ControlPlane;
  readonly proxy: FaultProxy;
  /** The operator's ServiceAccount kubeconfig; its server is the proxy. */
  readonly operatorKubeconfig: string;
  /** That ServiceAccount's token (no log line may carry it). */
  readonly token: string;
  /** After `waitForKind`, before any operator started: when the operator's 403s start to count. */
  readonly installedAt: Date;
  readonly operators: RunningOperator[] = [];
  private readonly options: RigOptions;

  private constructor(
    cp: ControlPlane,
    proxy: FaultProxy,
    install: { kubeconfigPath: string; token: string; installedAt: Date },
    options: RigOptions,
  ) {
    this.cp = cp;
    this.proxy = proxy;
    this.operatorKubeconfig = install.kubeconfigPath;
    this.token = install.token;
    this.installedAt = install.installedAt;
    this.options = options;
  }

  static async start(options: RigOptions = {}): Promise<Rig> {
    // With the HelloWorld CRD from the start: the garbage collector and admission know it at once (installExample
    // applies it again, as a user does, and waitForKind does not wait for their 30 s discovery rereads).
    const cp = await startControlPlane({ ...options.controlPlane, crds: [helloWorldCrds, ...(options.controlPlane?.crds ?? [])] });
    try {
      const proxy = await startFaultProxy({ target: cp.apiServerUrl });
      const install = await installExample(cp, {
        server: proxy.url,
        ...(options.tokenSeconds ? { expirationSeconds: options.tokenSeconds } : {}),
      });
      return new Rig(cp, proxy, install, options);
    } catch (err) {
      await cp.stop();
      throw err;
    }
  }

  get admin(): KubeClient {
    return this.cp.admin;
  }

  /**
   * Start an operator process through the proxy (or with another kubeconfig) and wait until it is ready
   * (its caches synced); it may still be waiting for the Lease (see {@link Rig.leading}).
   */
  async startOperator(
    extraArgs: string[] = [],
    options: { kubeconfigPath?: string; username?: string; nodeArgs?: string[]; env?: NodeJS.ProcessEnv } = {},
  ): Promise<RunningOperator> {
    const operator = await startOperator({
      ...exampleOperator(this.cp, options.kubeconfigPath ?? this.operatorKubeconfig, options.username),
      args: ['--log-level=debug', ...(this.options.operatorArgs ?? []), ...extraArgs],
      nodeArgs: options.nodeArgs,
      env: options.env,
    });
    this.operators.push(operator);
    return operator;
  }

  /** Wait until the operator process leads (its controllers run). */
  async leading(operator: RunningOperator, timeoutMs = shipped.leaseDurationMs + 15_000): Promise<void> {
    const started = Date.now();
    while (Date.now() - started < timeoutMs) {
      if (logLines(operator).some((l) => l.msg.startsWith('became the leader'))) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`the operator did not lead within ${timeoutMs} ms; its last log lines:\n${operator.logs.slice(-20).join('\n')}`);
  }

  namespace(prefix: string): Promise<string> {
    return createNamespace(this.cp, prefix);
  }

  /** Create HelloWorlds `${prefix}-0` … with `spec.name` from `specName`, `parallel` at a time. */
  async createHelloWorlds(
    namespace: string,
    count: number,
    options: { prefix?: string; specName?: (i: number) => string; parallel?: number } = {},
  ): Promise<string[]> {
    const names = Array.from({ length: count }, (_, i) => `${options.prefix ?? 'hw'}-${i}`);
    const client = this.admin.resource(HelloWorld);
    await inBatches(names, options.parallel ?? 20, async (name, i) => {
      await client.create(
        {
          apiVersion: HelloWorld.apiVersion,
          kind: 'HelloWorld',
          metadata: { name },
          spec: { name: options.specName?.(i) ?? `hello ${name}` },
        },
        { namespace },
      );
    });
    return names;
  }

  /** Set `spec.name` of a HelloWorld (a merge patch as the admin). */
  async setName(namespace: string, name: string, value: string): Promise<void> {
    await this.admin.resource(HelloWorld).mergePatch(name, { spec: { name: value } }, { namespace });
  }

  /**
   * What is wrong with the end state of `namespaces`; empty when every invariant holds. When the only problem is
   * requests in flight (a Lease renewal is one every few seconds), the whole check runs again after a moment, up to
   * {@link inFlightRechecks} times: an end state holds once it was read with nothing at work before or after.
   */
  async violations(namespaces: readonly string[]): Promise<string[]> {
    for (let attempt = 1; ; attempt++) {
      const { problems, onlyInFlight } = await this.check(namespaces);
      if (!onlyInFlight || attempt > inFlightRechecks) return problems;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private async check(namespaces: readonly string[]): Promise<{ problems: string[]; onlyInFlight: boolean }> {
    const problems: string[] = [];
    for (const namespace of namespaces) problems.push(...(await violationsIn(this.admin, namespace)));
    for (const [i, operator] of this.operators.entries()) {
      if (!operator.running && !operator.stoppedOnPurpose) problems.push(`operator ${i} exited on its own (${operator.exitStatus})`);
    }
    // Read after the state: an end state holds only once no reconcile is still at work, or queued, and no request is
    // in flight, that could write after it was read (a reconcile whose owner was deleted between its live read and its
    // create makes an orphan; a write whose reconcile already ended can still be on its way).
    const stateProblems = problems.length;
    let onlyInFlight = true;
    for (const [i, operator] of this.operators.entries()) {
      if (!operator.running) continue;
      const busy = await busyness(operator).catch((err: unknown) => ({
        what: `its /metrics could not be read: ${(err as Error).message}`,
        onlyInFlight: false,
      }));
      if (!busy) continue;
      problems.push(`operator ${i} is not idle: ${busy.what}`);
      onlyInFlight &&= busy.onlyInFlight;
    }
    return { problems, onlyInFlight: problems.length > 0 && stateProblems === 0 && onlyInFlight };
  }

  /** Wait until every invariant holds in `namespaces`; the failure lists what is still wrong, with the time line. */
  async converged(namespaces: readonly string[], timeoutMs: number, timeline?: Timeline): Promise<number> {
    const started = Date.now();
    let problems: string[] = [];
    while (Date.now() - started <= timeoutMs) {
      problems = await this.violations(namespaces).catch((err: unknown) => [`could not read the state: ${(err as Error).message}`]);
      if (problems.length === 0) {
        timeline?.mark('converged: every invariant holds');
        return Date.now();
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const what = `not converged within ${timeoutMs} ms; ${problems.length} problems, first ones:\n  ${problems.slice(0, 15).join('\n  ')}`;
    throw new Error(timeline ? timeline.explain(what) : what);
  }

  /** The operator's requests (every ServiceAccount in `users`) refused with 403 since the install. */
  forbidden(users: readonly string[] = [operatorUser]): Promise<string[]> {
    return forbiddenSince(this.cp, users, this.installedAt);
  }

  /** The operator's completed requests in the audit log received at or after `sinceMs`. */
  async auditSince(sinceMs: number, users: readonly string[] = [operatorUser]): Promise<AuditEvent[]> {
    return (await this.cp.auditEvents()).filter(
      (e) => users.includes(e.user.username) && e.stage === 'ResponseComplete' && Date.parse(e.requestReceivedTimestamp) >= sinceMs,
    );
  }

  /** Stop every operator still running, then the proxy and the control plane. */
  async stop(): Promise<void> {
    for (const operator of this.operators) {
      if (operator.running) operator.kill('SIGKILL');
    }
    await this.proxy.close();
    await this.cp.stop();
  }
}

async function violationsIn(admin: KubeClient, namespace: string): Promise<string[]> {
  const problems: string[] = [];
  const helloWorlds = (await admin.resource(HelloWorld).listAll({ namespace })).items;
  const configMaps = (await admin.resource(ConfigMap).listAll({ namespace, labelSelector: `app.kubernetes.io/managed-by=${managedBy}` }))
    .items;
  const byName = new Map(configMaps.map((c) => [c.metadata.name, c]));
  const liveUids = new Set(helloWorlds.map((h) => h.metadata.uid));
  for (const hw of helloWorlds) {
    const key = `${namespace}/${hw.metadata.name}`;
    if (hw.metadata.deletionTimestamp) continue;
    const cm = byName.get(hw.metadata.name);
    const owner = cm?.metadata.ownerReferences?.find((r) => r.controller);
    const ready = hw.status?.conditions?.find((c: Condition) => c.type === 'Ready');
    if (!cm) problems.push(`${key}: no ConfigMap`);
    else if (cm.data?.['message'] !== hw.spec.name)
      problems.push(`${key}: data.message ${preview(cm.data?.['message'])} ≠ spec.name ${preview(hw.spec.name)}`);
    if (cm && (owner?.uid !== hw.metadata.uid || owner?.kind !== 'HelloWorld' || owner?.blockOwnerDeletion !== true)) {
      problems.push(
        `${key}: the ConfigMap's controller is ${owner ? `${owner.kind} ${owner.name} ${owner.uid}` : 'nobody'}, not this HelloWorld (${hw.metadata.uid})`,
      );
    }
    if (hw.status?.observedGeneration !== hw.metadata.generation)
      problems.push(`${key}: status.observedGeneration ${hw.status?.observedGeneration} ≠ generation ${hw.metadata.generation}`);
    if (ready?.status !== 'True' || ready.observedGeneration !== hw.metadata.generation) {
      problems.push(`${key}: Ready=${ready?.status ?? 'absent'} (${ready?.reason ?? ''}) at generation ${ready?.observedGeneration}`);
    }
  }
  for (const cm of configMaps) {
    const owner = cm.metadata.ownerReferences?.find((r) => r.controller);
    if (!owner || !liveUids.has(owner.uid))
      problems.push(`${namespace}/${cm.metadata.name}: an orphaned ConfigMap (controller ${owner?.uid ?? 'none'})`);
  }
  return problems;
}

/** How many times {@link Rig.violations} looks again when the only problem is requests in flight. */
const inFlightRechecks = 3;

/**
 * What an operator is still doing (reconciles at work, keys queued, API requests in flight), or `undefined` when it
 * is idle; `onlyInFlight` when requests in flight are all there is. The requests counted are every request the
 * operator's client sent and has no answer for: its reconciles' writes, its Events (written in the background,
 * after their reconcile ended), its Lease renewals; they count only while it leads: a standby writes nothing (its
 * controllers stopped, their writes aborted, when its term ended), and a cut-off one has its Lease calls hanging.
 */
async function busyness(operator: RunningOperator): Promise<{ what: string; onlyInFlight: boolean } | undefined> {
  const text = await operator.metrics();
  const active = metricValue(text, 'controller_runtime_active_workers') ?? 0;
  const queued = metricValue(text, 'workqueue_depth') ?? 0;
  const leads = (metricValue(text, 'leader_election_master_status') ?? 1) > 0;
  const inFlight = leads ? requestsInFlight(text) : 0;
  if (active === 0 && queued === 0 && inFlight === 0) return undefined;
  const verbs = [...text.matchAll(/^capstan_client_requests_in_flight\{verb="([^"]+)"\} ([1-9]\d*)$/gm)].map((m) => `${m[2]} ${m[1]}`);
  return {
    what: `${active} reconcile(s) at work, ${queued} key(s) queued, ${inFlight} request(s) in flight${verbs.length ? ` (${verbs.join(', ')})` : ''}`,
    onlyInFlight: active === 0 && queued === 0,
  };
}

/** `capstan_client_requests_in_flight`, every verb; an operator that does not export it fails the check (it must). */
export function requestsInFlight(metricsText: string): number {
  const value = metricValue(metricsText, 'capstan_client_requests_in_flight');
  if (value === undefined)
    throw new Error('the operator exports no capstan_client_requests_in_flight: its requests in flight cannot be seen');
  return value;
}

function preview(value: string | undefined): string {
  if (value === undefined) return 'absent';
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
}

/** Run `fn` over `items`, at most `parallel` at a time. */
export async function inBatches<T>(items: readonly T[], parallel: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, worker));
}
