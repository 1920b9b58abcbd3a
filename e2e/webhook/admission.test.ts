// Admission webhooks on the real kube-apiserver: served by `serveWebhooks` over HTTPS on 127.0.0.1 with a
// certificate from a folder (as cert-manager would mount it; here made by capstan/webhook's own CA), registered by `url` with `webhookConfigurations`.
// kubectl apply of a bad object is refused with the handler's message verbatim; a defaulting handler fills a
// field; warnings reach kubectl; a server-side dry run reaches the handler as one.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { defineKind, type KubeObject } from '../../src/core/index.ts';
import { type Cluster, eventually } from '../../src/testing/index.ts';
import {
  createCertificateAuthority,
  deny,
  issueServingCertificate,
  serveWebhooks,
  webhook,
  webhookConfigurations,
  type WebhookServer,
} from '../../src/webhook/index.ts';
import { runKubectl } from '../hello-world/support.ts';
import { sharedCluster, uniqueName } from '../support/cluster.ts';
import { installTestCrd } from '../support/crds.ts';

interface Gizmo extends KubeObject {
  spec: { size: number; color?: string };
}
const group = 'webhooks.capstan.test';
const Gizmo = defineKind<Gizmo>({ group, version: 'v1', kind: 'Gizmo', plural: 'gizmos', namespaced: true });

let cluster: Cluster;
let server: WebhookServer;
let dir: string;
const ns = uniqueName('webhook');
const configName = uniqueName('capstan-test-gizmos');
const seenDryRun: boolean[] = [];

const gizmos = webhook(Gizmo)
  .mutate(({ object, dryRun }) => {
    seenDryRun.push(dryRun);
    return object.spec.color ? object : { ...object, spec: { ...object.spec, color: 'blue' } };
  })
  .validate(({ object }) => {
    if (object.spec.size > 10) return deny(`spec.size ${object.spec.size} is more than 10: a Gizmo that big does not fit`);
    if (object.spec.size > 5) return { warnings: [`a big Gizmo (${object.spec.size})`] };
    return undefined;
  });

const manifest = (name: string, spec: Record<string, unknown>) =>
  JSON.stringify({ apiVersion: `${group}/v1`, kind: 'Gizmo', metadata: { name, namespace: ns }, spec });
const kubectl = (args: string[], input?: string) => runKubectl(cluster.kubeconfigPath, args, input === undefined ? {} : { input });

before(async () => {
  cluster = await sharedCluster();
  await installTestCrd(cluster, group, 'Gizmo');
  await eventually('the Gizmo kind to be served', () =>
    cluster.admin
      .resource(Gizmo)
      .list({ namespace: 'default' })
      .catch(() => undefined),
  );
  await cluster.admin.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } } });
  dir = await mkdtemp(join(tmpdir(), 'capstan-webhook-'));
  // A CA and a serving certificate for 127.0.0.1, made in-process by capstan/webhook.
  const ca = createCertificateAuthority({ commonName: 'capstan-test-webhook-ca' });
  const serving = issueServingCertificate(ca, { commonName: '127.0.0.1', hosts: ['127.0.0.1'] });
  const certDir = join(dir, 'serving-certs');
  await mkdir(certDir);
  await writeFile(join(certDir, 'tls.crt'), serving.cert);
  await writeFile(join(certDir, 'tls.key'), serving.key);
  server = await serveWebhooks([gizmos], { certDir, host: '127.0.0.1', port: 0 });
  const caBundle = Buffer.from(ca.cert).toString('base64');
  const { validating, mutating } = webhookConfigurations([gizmos], {
    name: configName,
    clientConfig: { url: `https://127.0.0.1:${server.port}`, caBundle },
  });
  const rbac = '/apis/admissionregistration.k8s.io/v1';
  await cluster.admin.request({ method: 'POST', path: `${rbac}/validatingwebhookconfigurations`, body: validating });
  await cluster.admin.request({ method: 'POST', path: `${rbac}/mutatingwebhookconfigurations`, body: mutating });
  // The API server picks the registrations up from its own watch: wait until a bad object is refused.
  await eventually(
    'the validating webhook to be in effect',
    async () => {
      const probe = await kubectl(['apply', '--dry-run=server', '-f', '-'], manifest('probe', { size: 99 }));
      return probe.code !== 0 && probe.stderr.includes('denied the request') ? true : undefined;
    },
    { timeoutMs: 20_000 },
  );
});

after(async () => {
  const rbac = '/apis/admissionregistration.k8s.io/v1';
  for (const kind of ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations']) {
    await cluster?.admin.request({ method: 'DELETE', path: `${rbac}/${kind}/${configName}` }).catch(() => undefined);
  }
  await server?.close();
  await cluster?.admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` }).catch(() => undefined);
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('kubectl apply of a bad object is refused with the handler’s message verbatim', async () => {
  const refused = await kubectl(['apply', '-f', '-'], manifest('huge', { size: 11 }));
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /denied the request: spec\.size 11 is more than 10: a Gizmo that big does not fit/);
  const get = await kubectl(['get', 'gizmos', 'huge', '--namespace', ns]);
  assert.match(get.stderr, /NotFound/);
});

test('a defaulting webhook fills spec.color; warnings reach kubectl', async () => {
  const applied = await kubectl(['apply', '-f', '-'], manifest('big', { size: 6 }));
  assert.equal(applied.code, 0, applied.stderr);
  assert.match(applied.stderr, /Warning: a big Gizmo \(6\)/);
  const yaml = (await kubectl(['get', 'gizmos', 'big', '--namespace', ns, '-o', 'yaml'])).stdout;
  assert.match(yaml, /color: blue/);
  const kept = await kubectl(['apply', '-f', '-'], manifest('red', { size: 1, color: 'red' }));
  assert.equal(kept.code, 0, kept.stderr);
  assert.equal((await cluster.admin.resource(Gizmo).get('red', { namespace: ns })).spec.color, 'red');
});

test('a server-side dry run reaches the handlers as a dry run, and stores nothing', async () => {
  seenDryRun.length = 0;
  const dry = await kubectl(['apply', '--dry-run=server', '-o', 'yaml', '-f', '-'], manifest('dry', { size: 2 }));
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /color: blue/);
  assert.deepEqual(seenDryRun, [true]);
  assert.match((await kubectl(['get', 'gizmos', 'dry', '--namespace', ns])).stderr, /NotFound/);
  assert.ok((server.answered.get('/validate-webhooks-capstan-test-v1-gizmo') ?? 0) >= 3, JSON.stringify([...server.answered]));
});
