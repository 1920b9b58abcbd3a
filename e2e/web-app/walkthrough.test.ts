// The second example, examples/web-app, walked through with kubectl as a user would, on the shared control plane
// (which runs the deployment, replicaset and endpointslice controllers; the kit's fake kubelet makes Pods Ready).
// The operator runs as its own process under its generated RBAC. Covered: create → Deployment and Service; the
// Secret's key reaches the container by reference only; scale; a Secret change rolls the Pods; expose: false
// deletes the Service; a removed optional field disappears from the Deployment (server-side apply pruning), also
// for a Deployment first written by merge patch (migrated); Ready Pods → readyReplicas and Available in the status;
// delete → garbage collection; zero writes on an idle restart (audit log); zero 403s; `kubectl auth can-i --list`
// equals the generated rules.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isNotFound } from '../../src/client/index.ts';
import { ensureChild } from '../../src/controller/index.ts';
import { Deployment } from '../../src/kinds/apps/v1.ts';
import { Service } from '../../src/kinds/core/v1.ts';
import {
  type Cluster,
  createNamespace,
  eventually,
  type FakeKubelet,
  kubectl,
  type RunningOperator,
  startFakeKubelet,
  startOperator,
  isObjectWrite,
} from '../../src/testing/index.ts';
import { WebApp } from '../../examples/web-app/src/api/web-app.ts';
import { secretHashAnnotation } from '../../examples/web-app/src/controllers/web-app.ts';
import { freePort } from '../../src/testing/ports.ts';
import { createCertificateAuthority, issueServingCertificate, webhookConfigurations } from '../../src/webhook/index.ts';
import { webhooks } from '../../examples/web-app/src/operator.ts';
import { assertSameRights, builtIn, grantedRoles, parseCanIList, rowsOfRules } from '../reliability/rbac-rights.ts';
import { fileScope, sharedCluster } from '../support/cluster.ts';

const projectDir = new URL('../../examples/web-app/', import.meta.url).pathname;
const operatorUser = 'system:serviceaccount:web-app-system:web-app-operator';
/** The operator's field manager: `capstan-<controller name>`. */
const fieldManager = 'capstan-webapp';

let cluster: Cluster;
let namespace: string;
let operator: RunningOperator | undefined;
let kubelet: FakeKubelet;
const installedAt = new Date();
/** The operator's webhook flags: a certificate for 127.0.0.1 made for the test, a free port. */
let webhookArgs: string[];
/** The validating webhook's registration by url, as `capstan run` makes it: the operator serves it on 127.0.0.1. */
let registration: object;

const run = (args: string[], input?: string) =>
  kubectl(cluster, ['--namespace', namespace, ...args], { cwd: projectDir, ...(input ? { input } : {}) });
const webApp = (name: string) => cluster.admin.resource(WebApp).get(name, { namespace });
const deployment = (name: string) => cluster.admin.resource(Deployment).get(name, { namespace });
const container = (d: Deployment) => d.spec!.template.spec!.containers[0]!;
const service = (name: string) =>
  cluster.admin
    .resource(Service)
    .get(name, { namespace })
    .catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
const validatingConfigs = '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations';
const describe = () => `${operator?.describe() ?? 'no operator'}\n${kubelet?.describe() ?? ''}`;

function manifest(name: string, spec: Record<string, unknown>): string {
  return JSON.stringify({ apiVersion: 'apps.example.com/v1alpha1', kind: 'WebApp', metadata: { name }, spec });
}

/** The WebApp's status once it describes its generation with `ready` ready replicas, Available=True. */
async function available(name: string, ready: number) {
  return eventually(
    `WebApp ${name} to report ${ready} ready replicas, Available=True, at its generation`,
    async () => {
      const object = await webApp(name);
      const status = object.status;
      const availableCondition = status?.conditions?.find((c) => c.type === 'Available');
      return status?.observedGeneration === object.metadata.generation &&
        status?.readyReplicas === ready &&
        status.pods?.length === ready &&
        availableCondition?.status === 'True'
        ? object
        : undefined;
    },
    { timeoutMs: 60_000, describe },
  );
}

before(async () => {
  cluster = await sharedCluster();
  namespace = await createNamespace(cluster, 'web-app', fileScope);
  kubelet = await startFakeKubelet(cluster, { namespace, t: fileScope });
  const dir = await mkdtemp(join(tmpdir(), 'capstan-web-app-'));
  fileScope.after(() => rm(dir, { recursive: true, force: true }));
  const ca = createCertificateAuthority({ commonName: 'web-app-test-webhook-ca' });
  const serving = issueServingCertificate(ca, { commonName: '127.0.0.1', hosts: ['127.0.0.1'] });
  await mkdir(join(dir, 'serving-certs'));
  await writeFile(join(dir, 'serving-certs', 'tls.crt'), serving.cert);
  await writeFile(join(dir, 'serving-certs', 'tls.key'), serving.key);
  const port = await freePort();
  webhookArgs = [`--webhook-cert-dir=${join(dir, 'serving-certs')}`, `--webhook-port=${port}`];
  registration = webhookConfigurations(webhooks, {
    name: `web-app-${namespace}`,
    clientConfig: { url: `https://127.0.0.1:${port}`, caBundle: Buffer.from(ca.cert).toString('base64') },
  }).validating!;
  fileScope.after(async () => {
    await operator?.stop();
  });
});

test('a Deployment written by merge patch before the operator (an earlier Capstan) exists, unmigrated', async () => {
  // The CRD is installed with the shared control plane; the Secret the WebApps reference comes first.
  await run(['create', 'secret', 'generic', 'web-creds', '--from-literal=api-token=first-token']);
  await run(
    ['apply', '-f', '-'],
    manifest('legacy', { image: 'nginx:1.27', replicas: 1, secretRef: { name: 'web-creds', key: 'api-token' } }),
  );
  const owner = await webApp('legacy');
  const labels = { 'app.kubernetes.io/name': 'web-app', 'app.kubernetes.io/instance': 'legacy' };
  await ensureChild({
    resource: cluster.admin.resource(Deployment),
    cache: { get: () => undefined },
    owner,
    fieldManager,
    desired: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'legacy', namespace, labels: { ...labels, 'app.kubernetes.io/managed-by': 'web-app-operator' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: {
            labels: { ...labels, 'app.kubernetes.io/managed-by': 'web-app-operator' },
            annotations: { [secretHashAnnotation]: 'old' },
          },
          spec: {
            containers: [
              {
                name: 'web',
                image: 'nginx:1.27',
                ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
                env: [{ name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: 'web-creds', key: 'api-token' } } }],
              },
            ],
          },
        },
      },
    },
  });
  const written = await deployment('legacy');
  assert.deepEqual(
    written.metadata.managedFields?.filter((e) => e.manager === fieldManager).map((e) => e.operation),
    ['Update'],
  );
});

test('create: a Deployment with the Secret key by reference and a hash of its value, and a Service', { timeout: 120_000 }, async () => {
  operator = await startOperator({ cluster, projectDir, applyConfig: true, args: webhookArgs });
  await cluster.admin.request({ method: 'POST', path: validatingConfigs, body: registration });
  fileScope.after(async () => {
    await cluster.admin.request({ method: 'DELETE', path: `${validatingConfigs}/web-app-${namespace}` }).catch(() => undefined);
  });
  await run(
    ['apply', '-f', '-'],
    manifest('web-app', { image: 'nginx:1.27', replicas: 2, port: 8080, expose: true, secretRef: { name: 'web-creds', key: 'api-token' } }),
  );
  const created = await eventually('Deployment web-app', () => deployment('web-app').catch(() => undefined), { describe });
  assert.deepEqual(container(created).env, [{ name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: 'web-creds', key: 'api-token' } } }]);
  assert.ok(!JSON.stringify(created).includes('first-token'), "the Secret's value is never copied into the Deployment");
  assert.match(created.spec!.template.metadata!.annotations?.[secretHashAnnotation] ?? '', /^[0-9a-f]{16}$/);
  assert.deepEqual(
    created.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.controller]),
    [['WebApp', 'web-app', true]],
  );
  const svc = await eventually('Service web-app', () => service('web-app'), { describe });
  assert.deepEqual(
    svc.spec!.ports!.map((p) => [p.port, p.targetPort]),
    [[8080, 'http']],
  );
  assert.match(await run(['get', 'webapps']), /web-app\s+nginx:1\.27\s+2/);
});

test('the validating webhook refuses a second WebApp exposing the same port, with its message; the reconcile guards the race', {
  timeout: 120_000,
}, async () => {
  const rival = manifest('rival', { image: 'nginx:1.27', replicas: 1, port: 8080, expose: true });
  // The controller orders WebApps by creationTimestamp (whole seconds), then by name: a rival created in the same
  // second as web-app would be the older one ('rival' < 'web-app'). It is created in a later second, so web-app is.
  const webAppCreated = Date.parse((await webApp('web-app')).metadata.creationTimestamp!);
  await sleep(Math.max(0, webAppCreated + 1_100 - Date.now()));
  const refused = await eventually(
    'the webhook to refuse the rival',
    async () => {
      const attempt = await kubectl(cluster, ['--namespace', namespace, 'apply', '-f', '-'], { cwd: projectDir, input: rival }).then(
        () => undefined,
        (err: Error) => err.message,
      );
      return attempt?.includes('denied the request') ? attempt : undefined;
    },
    { describe },
  );
  assert.match(refused, new RegExp(`spec\\.port 8080 is exposed in namespace ${namespace} by WebApp web-app already`));
  await run(['apply', '-f', '-'], manifest('rival', { image: 'nginx:1.27', replicas: 1, port: 8080, expose: false }));
  // Two creates at once can both pass the webhook; without it, as in that race, the younger WebApp is not exposed.
  await cluster.admin.request({ method: 'DELETE', path: `${validatingConfigs}/web-app-${namespace}` });
  await eventually(
    'the rival to be let through while the webhook is away',
    async () =>
      await kubectl(cluster, ['--namespace', namespace, 'patch', 'webapp', 'rival', '--type=merge', '-p', '{"spec":{"expose":true}}']).then(
        () => true,
        () => undefined,
      ),
  );
  const conflicted = await eventually(
    'the rival to report Exposed=False (PortConflict)',
    async () => {
      const object = await webApp('rival');
      const exposed = object.status?.conditions?.find((c) => c.type === 'Exposed');
      return exposed?.reason === 'PortConflict' && object.status?.observedGeneration === object.metadata.generation ? exposed : undefined;
    },
    { describe },
  );
  assert.match(conflicted.message, /exposed by the older WebApp web-app/);
  assert.equal(await service('rival'), undefined);
  await run(['patch', 'webapp', 'rival', '--type=merge', '-p', '{"spec":{"expose":false}}']);
  await cluster.admin.request({ method: 'POST', path: validatingConfigs, body: registration });
});

test('Pods made Ready (fake kubelet) → readyReplicas, the Pods by name and Available in the status; scale to 3', {
  timeout: 120_000,
}, async () => {
  const two = await available('web-app', 2);
  assert.ok(two.status!.pods!.every((pod) => pod.startsWith('web-app-')));
  assert.equal(two.status!.conditions!.find((c) => c.type === 'Progressing')?.status, 'True');
  await run(['patch', 'webapp', 'web-app', '--type=merge', '-p', '{"spec":{"replicas":3}}']);
  await available('web-app', 3);
  assert.equal((await deployment('web-app')).spec!.replicas, 3);
});

test('a new value of the Secret key rolls the Pods: a new pod-template hash, a new ReplicaSet', { timeout: 120_000 }, async () => {
  const before = (await deployment('web-app')).spec!.template.metadata!.annotations![secretHashAnnotation];
  const token = Buffer.from('second-token').toString('base64');
  await run(['patch', 'secret', 'web-creds', '--type=merge', '-p', JSON.stringify({ data: { 'api-token': token } })]);
  const rolled = await eventually(
    'a new secret hash on the pod template',
    async () => {
      const d = await deployment('web-app');
      const hash = d.spec!.template.metadata!.annotations?.[secretHashAnnotation];
      return hash && hash !== before ? d : undefined;
    },
    { describe },
  );
  assert.ok(!JSON.stringify(rolled).includes('second-token'));
  await eventually(
    'the rollout to finish on a new ReplicaSet',
    async () => {
      const d = await deployment('web-app');
      return d.status?.updatedReplicas === 3 && d.status.readyReplicas === 3 && d.status.observedGeneration === d.metadata.generation
        ? true
        : undefined;
    },
    { timeoutMs: 60_000, describe },
  );
  const replicaSets = await run(['get', 'replicasets', '-l', 'app.kubernetes.io/instance=web-app', '-o', 'name']);
  assert.equal(replicaSets.trim().split('\n').length, 2, replicaSets);
  await available('web-app', 3);
});

test('expose: false deletes the Service; removing spec.secretRef removes the env and the annotation (SSA pruning)', {
  timeout: 120_000,
}, async () => {
  await run(['patch', 'webapp', 'web-app', '--type=merge', '-p', '{"spec":{"expose":false}}']);
  await eventually('Service web-app to be deleted', async () => ((await service('web-app')) === undefined ? true : undefined), {
    describe,
  });
  assert.match(
    await run(['get', 'events', '--field-selector', 'involvedObject.name=web-app', '-o', 'custom-columns=R:.reason']),
    /Deleted/,
  );

  await run(['patch', 'webapp', 'web-app', '--type=json', '-p', '[{"op":"remove","path":"/spec/secretRef"}]']);
  const pruned = await eventually(
    'the env and the secret-hash annotation to be gone from Deployment web-app',
    async () => {
      const d = await deployment('web-app');
      return container(d).env === undefined && d.spec!.template.metadata!.annotations?.[secretHashAnnotation] === undefined ? d : undefined;
    },
    { describe },
  );
  assert.equal(container(pruned).image, 'nginx:1.27');
});

test('the Deployment first written by merge patch was migrated to apply: a removed field disappears from it too', {
  timeout: 120_000,
}, async () => {
  await eventually(
    'Deployment legacy to be applied by the operator (its update entry moved to apply)',
    async () => {
      const entries = (await deployment('legacy')).metadata.managedFields?.filter((e) => e.manager === fieldManager && !e.subresource);
      return entries?.length === 1 && entries[0]!.operation === 'Apply' ? true : undefined;
    },
    { describe },
  );
  await run(['patch', 'webapp', 'legacy', '--type=json', '-p', '[{"op":"remove","path":"/spec/secretRef"}]']);
  await eventually(
    'the env and annotation to be gone from Deployment legacy',
    async () => {
      const d = await deployment('legacy');
      return container(d).env === undefined && d.spec!.template.metadata!.annotations?.[secretHashAnnotation] === undefined
        ? true
        : undefined;
    },
    { describe },
  );
  await available('legacy', 1);
});

test('an idle restart writes nothing (audit log); the operator was refused nothing', { timeout: 120_000 }, async () => {
  await available('web-app', 3);
  await sleep(2_000); // the last status write and events settle
  await operator!.stop();
  const restarted = new Date();
  operator = await startOperator({ cluster, projectDir, args: webhookArgs });
  await sleep(5_000);
  const writes = (await cluster.auditEvents()).filter(
    (e) => e.user.username === operatorUser && isObjectWrite(e) && new Date(e.requestReceivedTimestamp) >= restarted,
  );
  assert.deepEqual(
    writes.map((e) => `${e.verb} ${e.requestURI}`),
    [],
  );
  const refused = (await cluster.auditEvents()).filter(
    (e) =>
      e.user.username === operatorUser &&
      e.stage === 'ResponseComplete' &&
      e.responseStatus?.code === 403 &&
      new Date(e.requestReceivedTimestamp) >= installedAt,
  );
  assert.deepEqual(
    refused.map((e) => `${e.verb} ${e.requestURI}`),
    [],
  );
});

test('kubectl auth can-i --list is exactly the generated rules plus the built-in ones', async () => {
  const roles = await grantedRoles(join(projectDir, 'config', 'rbac'));
  const everywhere = rowsOfRules(roles.filter((r) => r.kind === 'ClusterRole').flatMap((r) => r.rules));
  assert.ok(everywhere.some((row) => row.resource === 'deployments.apps'));
  const rows = parseCanIList(await run(['auth', 'can-i', '--list', `--as=${operatorUser}`]));
  assertSameRights(`kubectl auth can-i --list --as=${operatorUser} in ${namespace}`, rows, [...everywhere, ...builtIn]);
});

test('delete: the garbage collector removes the Deployments and the Service', { timeout: 120_000 }, async () => {
  await run(['patch', 'webapp', 'legacy', '--type=merge', '-p', '{"spec":{"expose":true}}']);
  await eventually('Service legacy', () => service('legacy'), { describe });
  await run(['delete', 'webapp', 'web-app', 'legacy', 'rival']);
  await eventually(
    'Deployments web-app, legacy and rival and Service legacy to be garbage-collected',
    async () => {
      const left = await cluster.admin.resource(Deployment).list({ namespace });
      return left.items.length === 0 && (await service('legacy')) === undefined ? true : undefined;
    },
    { timeoutMs: 60_000, describe },
  );
});
