// The operator's metrics as a test reads them. Every read of a /metrics page in the kit goes through
// readMetrics, so that how the page is reached (plain HTTP with --metrics-insecure, HTTPS with a bearer token
// otherwise) changes in one place; metricsReader holds the token of a ServiceAccount allowed to read.
import { request } from 'node:https';
import type { KubeClient } from '../client/index.ts';
import { metricsReaderRules } from '../manifests/index.ts';
import type { Cluster } from './cluster.ts';
import { eventually } from './eventually.ts';
import { ensureObject, serviceAccountAllowed } from './service-account.ts';

/**
 * How {@link readMetrics} reaches the page.
 *
 * @noExample Options of {@link readMetrics}; {@link metricsReader} passes a token for you.
 */
export interface ReadMetricsOptions {
  /** A bearer token: the page is read over HTTPS, as the guarded metrics server serves it. Absent: plain HTTP (`--metrics-insecure`). */
  token?: string;
}

/**
 * The Prometheus text of a manager's `/metrics` page on loopback: plain HTTP without a token (a manager run with
 * `--metrics-insecure`), HTTPS with `Authorization: Bearer <token>` with one (the guarded server; the token's user
 * must be allowed `get` on `/metrics`, see {@link metricsReader}). Rejects unless the page answers 200, with the
 * status and the server's one-line reason.
 *
 * @example
 * ```ts
 * import { register } from 'prom-client';
 * import { MetricsServer } from 'capstan/manager';
 * import { metricValue, readMetrics } from 'capstan/testing';
 * const server = await MetricsServer.start({ port: 0, registry: register, insecure: true });
 * const text = await readMetrics(server.port);
 * console.log(metricValue(text, 'process_start_time_seconds'));
 * await server.close();
 * ```
 */
export async function readMetrics(port: number, options: ReadMetricsOptions = {}): Promise<string> {
  const { token } = options;
  const url = `${token === undefined ? 'http' : 'https'}://127.0.0.1:${port}/metrics`;
  const { status, text } = token === undefined ? await plainGet(url) : await httpsGet(url, token);
  if (status !== 200) throw new Error(`GET ${url}: ${status}: ${text.slice(0, 500)}`);
  return text;
}

async function plainGet(url: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url);
  return { status: response.status, text: await response.text() };
}

function httpsGet(url: string, token: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    // The certificate is the operator's own self-signed one, made in memory at its start (no CA to trust): skipped,
    // as the Kubebuilder scaffold's ServiceMonitor skips it with insecureSkipVerify. The bearer token is what guards.
    const req = request(url, { headers: { authorization: `Bearer ${token}` }, rejectUnauthorized: false, timeout: 30_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer in 30 s`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Where {@link metricsReader}'s ServiceAccount lives and how long its tokens last.
 *
 * @noExample Options of {@link metricsReader}; its example shows the call.
 */
export interface MetricsReaderOptions {
  /** The ServiceAccount's namespace; default `default`. */
  namespace?: string;
  /** The ServiceAccount's name, also the ClusterRole's and the ClusterRoleBinding's; default `capstan-metrics-reader`. */
  name?: string;
  /** Lifetime of each token; default 24 h. A new one is requested when a fifth of its lifetime is left. */
  expirationSeconds?: number;
}

/**
 * A scraper's identity on a cluster: reads guarded `/metrics` pages with its token.
 *
 * @noExample Returned by {@link metricsReader}; its example reads a page.
 */
export interface MetricsReader {
  /** `system:serviceaccount:<namespace>:<name>`, as a 403 or the audit log names it. */
  readonly username: string;
  /** The current token (made, or renewed, when needed). */
  token(): Promise<string>;
  /** The `/metrics` page of a guarded metrics server on loopback `port`, read with the token. */
  read(port: number): Promise<string>;
}

/** Per admin client (one per cluster in a process), the readers set up, by `namespace/name`. */
const setUp = new WeakMap<KubeClient, Map<string, Promise<void>>>();

/**
 * A reader of guarded metrics on `cluster`: a ServiceAccount (`default/capstan-metrics-reader`) bound to a ClusterRole
 * of the same name allowed `get` on `/metrics` (the generated `<operator>-metrics-reader`'s rule), created once per
 * cluster (objects already there are kept), and a token of it from the TokenRequest API, renewed before it expires.
 * The first token is given once the API server's authorizer allows the account, so the metrics server's cache of
 * verdicts never holds an early 403.
 *
 * @example
 * ```ts
 * import { metricValue, metricsReader, startControlPlane } from 'capstan/testing';
 * const cluster = await startControlPlane();
 * const reader = metricsReader(cluster);
 * const text = await reader.read(8443); // an operator's guarded metrics port
 * console.log(metricValue(text, 'controller_runtime_reconcile_total'));
 * await cluster.stop();
 * ```
 */
export function metricsReader(cluster: Cluster, options: MetricsReaderOptions = {}): MetricsReader {
  const namespace = options.namespace ?? 'default';
  const name = options.name ?? 'capstan-metrics-reader';
  const lifetimeSeconds = options.expirationSeconds ?? 24 * 3600;
  const username = `system:serviceaccount:${namespace}:${name}`;
  let current: { token: string; renewAt: number } | undefined;
  let pending: Promise<string> | undefined;
  const token = (): Promise<string> => {
    if (current && Date.now() < current.renewAt) return Promise.resolve(current.token);
    pending ??= (async () => {
      await ensureReader(cluster.admin, namespace, name, username);
      const answer = await cluster.admin.request<{ status: { token: string; expirationTimestamp: string } }>({
        method: 'POST',
        path: `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`,
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: lifetimeSeconds } },
      });
      const expiresAt = Date.parse(answer.status.expirationTimestamp);
      current = { token: answer.status.token, renewAt: expiresAt - (lifetimeSeconds * 1000) / 5 };
      return current.token;
    })().finally(() => {
      pending = undefined;
    });
    return pending;
  };
  return { username, token, read: async (port) => readMetrics(port, { token: await token() }) };
}

function ensureReader(admin: KubeClient, namespace: string, name: string, username: string): Promise<void> {
  const readers = setUp.get(admin) ?? new Map<string, Promise<void>>();
  setUp.set(admin, readers);
  const key = `${namespace}/${name}`;
  let ready = readers.get(key);
  if (!ready) {
    ready = createReader(admin, namespace, name, username);
    readers.set(key, ready);
    ready.catch(() => readers.delete(key)); // a failed setup is tried again by the next caller
  }
  return ready;
}

async function createReader(admin: KubeClient, namespace: string, name: string, username: string): Promise<void> {
  const rbac = '/apis/rbac.authorization.k8s.io/v1';
  await ensureObject(admin, `/api/v1/namespaces/${namespace}/serviceaccounts`, { metadata: { name } });
  await ensureObject(admin, `${rbac}/clusterroles`, { metadata: { name }, rules: metricsReaderRules });
  await ensureObject(admin, `${rbac}/clusterrolebindings`, {
    metadata: { name },
    subjects: [{ kind: 'ServiceAccount', name, namespace }],
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
  });
  // The binding reaches the authorizer through its informers (usually within a second; 30 s allowed).
  await eventually(
    `${username} to be allowed get /metrics`,
    async () =>
      (await serviceAccountAllowed(admin, username, { nonResourceAttributes: { path: '/metrics', verb: 'get' } })) ? true : undefined,
    { timeoutMs: 30_000 },
  );
}

/** One sample of a Prometheus text page. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * The value of the metric `name` in a Prometheus text page: the sum of the samples of that name whose labels
 * include every one of `labels` (the label order of the page does not matter), or `undefined` when no sample
 * matches. With every label of one series given, that is the series' value.
 *
 * @example
 * ```ts
 * import { metricValue } from 'capstan/testing';
 * const text = [
 *   'controller_runtime_reconcile_total{controller="helloworld",result="success"} 12',
 *   'controller_runtime_reconcile_total{controller="helloworld",result="error"} 1',
 * ].join('\n');
 * metricValue(text, 'controller_runtime_reconcile_total', { result: 'success', controller: 'helloworld' }); // 12
 * metricValue(text, 'controller_runtime_reconcile_total', { controller: 'helloworld' }); // 13
 * metricValue(text, 'workqueue_depth'); // undefined
 * ```
 */
export function metricValue(text: string, name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const sample = parseSample(line);
    if (sample?.name !== name) continue;
    if (Object.entries(labels).every(([label, value]) => sample.labels[label] === value)) sum = (sum ?? 0) + sample.value;
  }
  return sum;
}

/** `name{a="x",b="y"} value [timestamp]`, or undefined for a comment, a blank line or anything malformed. */
function parseSample(line: string): Sample | undefined {
  const head = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
  if (!head) return undefined;
  const name = head[1]!;
  const labels: Record<string, string> = {};
  let i = name.length;
  if (line[i] === '{') {
    i++;
    for (;;) {
      while (line[i] === ' ' || line[i] === ',') i++;
      if (line[i] === '}') {
        i++;
        break;
      }
      const label = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i));
      if (!label || line[i + label[0].length] !== '=' || line[i + label[0].length + 1] !== '"') return undefined;
      i += label[0].length + 2;
      let value = '';
      for (;;) {
        const c = line[i++];
        if (c === undefined) return undefined;
        if (c === '"') break;
        if (c === '\\') {
          const escaped = line[i++];
          value += escaped === 'n' ? '\n' : (escaped ?? '');
        } else value += c;
      }
      labels[label[0]] = value;
    }
  }
  const [valueText] = line.slice(i).trim().split(/\s+/);
  if (!valueText) return undefined;
  const value = valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : Number(valueText);
  return Number.isNaN(value) && valueText !== 'NaN' ? undefined : { name, labels, value };
}
