// Guarded /metrics on the real API server (issue 21, item 2): a MetricsServer in this process reviews its callers
// with TokenReview and SubjectAccessReview under a ServiceAccount bound only to the generated metrics_auth_role.
// A ServiceAccount bound to the generated metrics_reader_role scrapes (200), one without it is refused (403 naming
// it), no token and a garbage token are 401, a deleted ServiceAccount's token is 401 once the caches let go, a
// scraper costs one review per token per TTL (audit log), and the server's identity has exactly the generated
// rights: kubectl auth can-i --list equals them, and without them no caller is let in (503).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Counter, Registry } from 'prom-client';
import { parse } from 'yaml';
import { KubeClient } from '../../src/client/index.ts';
import type { Logger } from '../../src/core/index.ts';
import { MetricsServer, metricsVerdictTtlMs } from '../../src/manager/index.ts';
import {
  type Cluster,
  createNamespace,
  eventually,
  metricsReader,
  metricValue,
  readMetrics,
  type ServiceAccountCredentials,
} from '../../src/testing/index.ts';
import { exampleRoot, runKubectl } from '../hello-world/support.ts';
import { assertSameRights, builtIn, parseCanIList, type RbacRule, rowsOfRules } from '../reliability/rbac-rights.ts';
import { fileScope, sharedCluster } from '../support/cluster.ts';

/** kube-apiserver remembers a successful token authentication this long, so TokenReview vouches for a deleted account's token until then. */
const apiServerTokenCacheMs = 10_000;
/** RBAC changes reach the API server's authorizer through its informers: usually within a second; margin to 30 s. */
const rbacPropagationMs = 30_000;
/** Scheduling and requests on a loaded 2-core machine. */
const marginMs = 10_000;

let cluster: Cluster;
let namespace: string;
/** The generated roles, renamed for this file (they are cluster-scoped and the shared cluster has other users). */
let authRole: string;
let readerRole: string;
let authRules: RbacRule[];
let serverAccount: ServiceAccountCredentials;
let serverClient: KubeClient;
let server: MetricsServer;
const registry = new Registry();
new Counter({ name: 'capstan_e2e_metrics_auth_marker_total', help: 'registered by the metrics-auth e2e', registers: [registry] }).inc(7);
const logged: string[] = [];
const log: Logger = {
  debug: (fields, message) => void logged.push(`debug ${message} ${JSON.stringify(fields)}`),
  info: (fields, message) => void logged.push(`info ${message} ${JSON.stringify(fields)}`),
  warn: (fields, message) => void logged.push(`warn ${message} ${JSON.stringify(fields)}`),
  error: (fields, message) => void logged.push(`error ${message} ${JSON.stringify(fields)}`),
  child: () => log,
};

interface Answer {
  status: number;
  wwwAuthenticate: string | undefined;
  body: string;
}

/** GET /metrics over HTTPS (the server's certificate is its own self-signed one), with a bearer token if given. */
function scrape(port: number, token?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/metrics',
        rejectUnauthorized: false,
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          const header = res.headers['www-authenticate'];
          resolve({ status: res.statusCode ?? 0, wwwAuthenticate: Array.isArray(header) ? header.join(', ') : header, body });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function generatedRole(file: string): Promise<{ rules: RbacRule[] }> {
  return parse(await readFile(join(exampleRoot, 'config', 'rbac', file), 'utf8')) as { rules: RbacRule[] };
}

/** Wait until the authorizer lets the ServiceAccount `user` of `namespace` do this. */
async function allowed(user: string, attributes: object): Promise<void> {
  await eventually(
    `${user} to be allowed ${JSON.stringify(attributes)}`,
    async () => {
      const review = await cluster.admin.request<{ status?: { allowed?: boolean } }>({
        method: 'POST',
        path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: { user, groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'], ...attributes },
        },
      });
      return review.status?.allowed === true ? true : undefined;
    },
    { timeoutMs: rbacPropagationMs },
  );
}

const metricsGet = { nonResourceAttributes: { path: '/metrics', verb: 'get' } };

/** A ServiceAccount of this file's namespace, bound to the reader role (or to nothing) and in effect. */
async function account(name: string, reader: boolean): Promise<ServiceAccountCredentials> {
  const credentials = await cluster.serviceAccountKubeconfig({
    namespace,
    name,
    ...(reader ? { bind: [{ kind: 'ClusterRole' as const, name: readerRole }] } : {}),
  });
  if (reader) await allowed(credentials.username, metricsGet);
  return credentials;
}

before(async () => {
  cluster = await sharedCluster();
  namespace = await createNamespace(cluster, 'metrics-auth', fileScope);
  const rbac = '/apis/rbac.authorization.k8s.io/v1';
  authRole = `${namespace}-metrics-auth-role`;
  readerRole = `${namespace}-metrics-reader`;
  authRules = (await generatedRole('metrics_auth_role.yaml')).rules;
  const readerRules = (await generatedRole('metrics_reader_role.yaml')).rules;
  for (const [name, rules] of [
    [authRole, authRules],
    [readerRole, readerRules],
  ] as const) {
    await cluster.admin.request({ method: 'POST', path: `${rbac}/clusterroles`, body: { metadata: { name }, rules } });
    fileScope.after(() => cluster.admin.request({ method: 'DELETE', path: `${rbac}/clusterroles/${name}` }).then(() => undefined));
  }
  // The cluster-scoped bindings serviceAccountKubeconfig makes are named after the namespace: deleted with it.
  fileScope.after(async () => {
    const bindings = await cluster.admin.request<{ items: Array<{ metadata: { name: string } }> }>({ path: `${rbac}/clusterrolebindings` });
    for (const { metadata } of bindings.items.filter((b) => b.metadata.name.startsWith(`${namespace}:`)))
      await cluster.admin.request({ method: 'DELETE', path: `${rbac}/clusterrolebindings/${metadata.name}` });
  });
  serverAccount = await cluster.serviceAccountKubeconfig({
    namespace,
    name: 'metrics-server',
    bind: [{ kind: 'ClusterRole', name: authRole }],
  });
  for (const resource of [
    { group: 'authentication.k8s.io', resource: 'tokenreviews' },
    { group: 'authorization.k8s.io', resource: 'subjectaccessreviews' },
  ])
    await allowed(serverAccount.username, { resourceAttributes: { verb: 'create', ...resource } });
  serverClient = await KubeClient.fromKubeconfig({ kubeconfigPath: serverAccount.kubeconfigPath, userAgent: 'metrics-auth-e2e' });
  fileScope.after(() => serverClient.close());
  server = await MetricsServer.start({ port: 0, registry, client: serverClient, log });
  fileScope.after(() => server.close());
});

test('a ServiceAccount bound to the generated metrics-reader ClusterRole scrapes: 200 with the registry', { timeout: 60_000 }, async () => {
  const reader = await account('reader', true);
  const text = await readMetrics(server.port, { token: reader.token });
  assert.equal(metricValue(text, 'capstan_e2e_metrics_auth_marker_total'), 7, text.slice(0, 500));
  // The kit's own reader (capstan/testing), as every test reads an operator's metrics.
  const kit = metricsReader(cluster);
  assert.equal(kit.username, 'system:serviceaccount:default:capstan-metrics-reader');
  assert.equal(metricValue(await kit.read(server.port), 'capstan_e2e_metrics_auth_marker_total'), 7);
});

test('a ServiceAccount without the role is refused: 403 naming it', { timeout: 60_000 }, async () => {
  const nosy = await account('nosy', false);
  const answer = await scrape(server.port, nosy.token);
  assert.equal(answer.status, 403, answer.body);
  assert.match(answer.body, new RegExp(`^forbidden: user "${nosy.username}" may not get /metrics`));
  assert.doesNotMatch(answer.body, /capstan_e2e_metrics_auth_marker_total/);
  await assert.rejects(readMetrics(server.port, { token: nosy.token }), /: 403: forbidden/);
});

test('no token, or a garbage one: 401 with WWW-Authenticate: Bearer', { timeout: 60_000 }, async () => {
  for (const token of [undefined, 'garbage', 'eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl']) {
    const answer = await scrape(server.port, token);
    assert.deepEqual([answer.status, answer.wwwAuthenticate?.startsWith('Bearer')], [401, true], `${token}: ${answer.body}`);
    assert.match(answer.body, /^unauthorized: /);
    assert.doesNotMatch(answer.body, /capstan_e2e_metrics_auth_marker_total/);
  }
});

test("a deleted ServiceAccount's token is refused (401) once the API server's token cache and the verdict TTL have passed", {
  timeout: 120_000,
}, async () => {
  const doomed = await account('doomed', true);
  assert.equal((await scrape(server.port, doomed.token)).status, 200);
  const deletedAt = Date.now();
  await cluster.admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${namespace}/serviceaccounts/doomed` });
  const boundMs = apiServerTokenCacheMs + metricsVerdictTtlMs + marginMs;
  const seen: string[] = [];
  let refusedAfterMs: number | undefined;
  while (Date.now() - deletedAt < boundMs) {
    const answer = await scrape(server.port, doomed.token);
    const at = Date.now() - deletedAt;
    if (seen.at(-1)?.endsWith(` ${answer.status}`) !== true) seen.push(`${(at / 1000).toFixed(1)} s ${answer.status}`);
    assert.ok(
      [200, 401].includes(answer.status),
      `a deleted account's token is answered 200 (cached) or 401, not ${answer.status}: ${answer.body}`,
    );
    if (answer.status === 401) {
      refusedAfterMs = at;
      break;
    }
    await sleep(500);
  }
  process.stdout.write(`# the deleted account's token, by time since the deletion: ${seen.join(', ')}\n`);
  assert.ok(
    refusedAfterMs !== undefined,
    `still served ${boundMs} ms after the deletion (API server cache ${apiServerTokenCacheMs} ms + verdict TTL ${metricsVerdictTtlMs} ms + margin ${marginMs} ms): ${seen.join(', ')}`,
  );
});

test('one TokenReview and one SubjectAccessReview per token per TTL, however often it scrapes (audit log)', {
  timeout: 60_000,
}, async () => {
  const frequent = await account('frequent', true);
  const from = new Date(); // the API server runs on this machine's clock; its timestamps are finer than a millisecond
  const started = Date.now();
  for (let i = 0; i < 5; i++) assert.equal((await scrape(server.port, frequent.token)).status, 200);
  const tookMs = Date.now() - started;
  assert.ok(tookMs < metricsVerdictTtlMs, `five scrapes took ${tookMs} ms, longer than the TTL: the count below would prove nothing`);
  await sleep(1_000); // the audit log is written as each request completes; a second for the file
  const reviews = (await cluster.auditEvents()).filter(
    (e) =>
      e.user.username === serverAccount.username &&
      e.stage === 'ResponseComplete' &&
      e.verb === 'create' &&
      new Date(e.requestReceivedTimestamp) >= from,
  );
  const count = (resource: string) => reviews.filter((e) => e.objectRef?.resource === resource).length;
  assert.deepEqual(
    { tokenreviews: count('tokenreviews'), subjectaccessreviews: count('subjectaccessreviews') },
    { tokenreviews: 1, subjectaccessreviews: 1 },
    reviews.map((e) => `${e.requestReceivedTimestamp} ${e.verb} ${e.requestURI} ${e.responseStatus?.code}`).join('\n'),
  );
});

test("the server's identity needs exactly the generated metrics_auth_role: can-i --list equals it, and without it no caller gets in (503)", {
  timeout: 60_000,
}, async () => {
  // Sufficient: every test above ran the server under this account alone. Exactly these rights, and no more:
  const listed = await runKubectl(cluster.kubeconfigPath, [
    'auth',
    'can-i',
    '--list',
    `--as=${serverAccount.username}`,
    `--namespace=${namespace}`,
  ]);
  assert.equal(listed.code, 0, listed.stderr);
  assertSameRights(`kubectl auth can-i --list --as=${serverAccount.username}`, parseCanIList(listed.stdout), [
    ...rowsOfRules(authRules),
    ...builtIn,
  ]);
  // Necessary: a server whose account lacks them lets no one in, not even a reader, and says why.
  const bare = await account('bare-server', false);
  const bareClient = await KubeClient.fromKubeconfig({ kubeconfigPath: bare.kubeconfigPath });
  const bareServer = await MetricsServer.start({ port: 0, registry, client: bareClient, log });
  try {
    const reader = await account('reader-of-bare', true);
    const answer = await scrape(bareServer.port, reader.token);
    assert.equal(answer.status, 503, answer.body);
    assert.match(answer.body, /^could not check the caller's token: .*(forbidden|Forbidden)/);
    assert.ok(
      logged.some((line) => line.startsWith('warn metrics request refused: the caller could not be reviewed')),
      logged.slice(-5).join('\n'),
    );
  } finally {
    await bareServer.close();
    await bareClient.close();
  }
});
