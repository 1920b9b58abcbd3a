// A CRD with two versions of different schemas, converted by Capstan's conversion webhook on the real
// kube-apiserver: `serveWebhooks` over HTTPS on 127.0.0.1 (certificate from capstan/webhook's own CA), the CRD
// written by `crdYaml` with `spec.conversion` by url and applied with kubectl. Each version shows its own shape;
// an object written in either version reads back in the other; a field only one version has survives a write in
// the other (the `<group>/conversion-data` annotation); a conversion that throws reaches kubectl as a clear error.
// On a control plane of its own: a dead conversion webhook would block garbage collection and namespace deletion
// for every other test on the shared one.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Type from 'typebox';
import { crdYaml, customResource } from '../../src/crd/index.ts';
import { type ControlPlane, eventually, startControlPlane } from '../../src/testing/index.ts';
import {
  conversion,
  crdConversions,
  createCertificateAuthority,
  issueServingCertificate,
  serveWebhooks,
  type WebhookServer,
} from '../../src/webhook/index.ts';
import { type KubectlResult, runKubectl } from '../hello-world/support.ts';

const group = 'conversion.capstan.test';
const status = Type.Object({ ready: Type.Optional(Type.Boolean()) });
// v1 had one image string and a free-text note; v2 (stored) splits the image and adds `paused`.
const WidgetV1 = customResource({
  group,
  version: 'v1',
  kind: 'Widget',
  storage: false,
  status,
  spec: Type.Object({ image: Type.String(), replicas: Type.Integer({ minimum: 0 }), note: Type.Optional(Type.String()) }),
});
const WidgetV2 = customResource({
  group,
  version: 'v2',
  kind: 'Widget',
  status,
  spec: Type.Object({
    repository: Type.String(),
    tag: Type.String(),
    replicas: Type.Integer({ minimum: 0 }),
    paused: Type.Optional(Type.Boolean()),
  }),
});
const widgetConversion = conversion(WidgetV2).spoke(WidgetV1, {
  toHub: ({ spec, status }) => {
    const [repository, tag, ...rest] = spec.image.split(':');
    if (!repository || !tag || rest.length > 0) throw new Error(`spec.image "${spec.image}" is not repository:tag`);
    return { spec: { repository, tag, replicas: spec.replicas }, status };
  },
  fromHub: ({ spec, status }) => ({ spec: { image: `${spec.repository}:${spec.tag}`, replicas: spec.replicas }, status }),
});

let cp: ControlPlane;
let server: WebhookServer;
let dir: string;
const ns = 'conversion';
const startedAt = Date.now();
const timeline: string[] = [];
const history = () => `timeline:\n${timeline.join('\n')}\nconversion requests answered: ${server?.answered.get('/convert') ?? 0}`;

async function kubectl(args: string[], input?: string): Promise<KubectlResult> {
  const result = await runKubectl(cp.kubeconfigPath, args, input === undefined ? {} : { input });
  timeline.push(
    `+${Date.now() - startedAt} ms kubectl ${args.join(' ')} → ${result.code}${result.code === 0 ? '' : `: ${result.stderr.trim()}`}`,
  );
  return result;
}
async function ok(args: string[], input?: string): Promise<string> {
  const result = await kubectl(args, input);
  assert.equal(result.code, 0, `kubectl ${args.join(' ')} failed: ${result.stderr}\n${history()}`);
  return result.stdout;
}
async function getAs(version: 'v1' | 'v2', name: string): Promise<{ metadata: { annotations?: Record<string, string> }; spec: unknown }> {
  return JSON.parse(await ok(['get', `widgets.${version}.${group}`, name, '--namespace', ns, '-o', 'json'])) as {
    metadata: { annotations?: Record<string, string> };
    spec: unknown;
  };
}
const manifest = (version: 'v1' | 'v2', name: string, spec: Record<string, unknown>) =>
  JSON.stringify({ apiVersion: `${group}/${version}`, kind: 'Widget', metadata: { name, namespace: ns }, spec });

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'capstan-conversion-'));
  const ca = createCertificateAuthority({ commonName: 'capstan-test-conversion-ca' });
  const serving = issueServingCertificate(ca, { commonName: '127.0.0.1', hosts: ['127.0.0.1'] });
  const certDir = join(dir, 'serving-certs');
  await mkdir(certDir);
  await writeFile(join(certDir, 'tls.crt'), serving.cert);
  await writeFile(join(certDir, 'tls.key'), serving.key);
  server = await serveWebhooks([widgetConversion], { certDir, host: '127.0.0.1', port: 0 });
  cp = await startControlPlane();
  // The CRD as `capstan generate` would write it, with the webhook by url, applied as a user would.
  const caBundle = Buffer.from(ca.cert).toString('base64');
  const yaml = crdYaml([WidgetV1, WidgetV2], {
    conversion: crdConversions([widgetConversion], { url: `https://127.0.0.1:${server.port}`, caBundle }),
  });
  assert.match(yaml, /strategy: Webhook/);
  await writeFile(join(dir, 'crd.yaml'), yaml);
  await ok(['apply', '-f', join(dir, 'crd.yaml')]);
  await ok(['create', 'namespace', ns]);
  // Discovery serves both versions once the CRD is established (within seconds; 30 s is the bound we allow).
  await eventually(
    'both versions of the Widget kind to be served',
    async () => {
      for (const version of ['v1', 'v2'])
        if ((await kubectl(['get', `widgets.${version}.${group}`, '--namespace', ns])).code !== 0) return undefined;
      return true;
    },
    { timeoutMs: 30_000 },
  );
});

after(async () => {
  // The control plane first: it must never be left calling a webhook that is gone.
  await cp?.stop();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('each version shows its own shape; an object written in v1 reads back in v2, and one written in v2 in v1', async () => {
  await ok(['apply', '-f', '-'], manifest('v1', 'from-v1', { image: 'nginx:1.27', replicas: 2 }));
  assert.deepEqual((await getAs('v1', 'from-v1')).spec, { image: 'nginx:1.27', replicas: 2 });
  assert.deepEqual((await getAs('v2', 'from-v1')).spec, { repository: 'nginx', tag: '1.27', replicas: 2 }, history());

  await ok(['apply', '-f', '-'], manifest('v2', 'from-v2', { repository: 'redis', tag: '7', replicas: 1 }));
  assert.deepEqual((await getAs('v1', 'from-v2')).spec, { image: 'redis:7', replicas: 1 }, history());
  assert.deepEqual((await getAs('v2', 'from-v2')).spec, { repository: 'redis', tag: '7', replicas: 1 });
  assert.ok((server.answered.get('/convert') ?? 0) >= 2, history());
});

test('a field only v1 has survives a write in v2, kept in the conversion-data annotation', async () => {
  await ok(['apply', '-f', '-'], manifest('v1', 'noted', { image: 'nginx:1.27', replicas: 1, note: 'ask the web team first' }));
  // Stored in v2, which has no note: the annotation keeps it, in the documented format.
  const stored = await getAs('v2', 'noted');
  assert.deepEqual(JSON.parse(stored.metadata.annotations?.[`${group}/conversion-data`] ?? 'null'), {
    v1: { spec: { note: 'ask the web team first' } },
  });
  await ok(['patch', `widgets.v2.${group}`, 'noted', '--namespace', ns, '--type', 'merge', '-p', '{"spec":{"replicas":3,"tag":"1.28"}}']);
  const read = await getAs('v1', 'noted');
  assert.deepEqual(read.spec, { image: 'nginx:1.28', replicas: 3, note: 'ask the web team first' }, history());
  assert.equal(read.metadata.annotations?.[`${group}/conversion-data`], undefined, 'restored in v1, the entry is gone');
});

test('a field only v2 has survives a write in v1', async () => {
  await ok(['apply', '-f', '-'], manifest('v2', 'paused', { repository: 'nginx', tag: '1.27', replicas: 2, paused: true }));
  await ok(['patch', `widgets.v1.${group}`, 'paused', '--namespace', ns, '--type', 'merge', '-p', '{"spec":{"replicas":0}}']);
  assert.deepEqual((await getAs('v2', 'paused')).spec, { repository: 'nginx', tag: '1.27', replicas: 0, paused: true }, history());
});

test('a conversion that throws reaches kubectl as a clear error, and nothing is stored', async () => {
  const refused = await kubectl(['apply', '-f', '-'], manifest('v1', 'untagged', { image: 'nginx', replicas: 1 }));
  assert.notEqual(refused.code, 0, history());
  assert.match(
    refused.stderr,
    /converting Widget conversion\/untagged from conversion\.capstan\.test\/v1 to conversion\.capstan\.test\/v2 failed at v1 → v2: the conversion function threw: spec\.image "nginx" is not repository:tag/,
    history(),
  );
  assert.match((await kubectl(['get', `widgets.v2.${group}`, 'untagged', '--namespace', ns])).stderr, /NotFound/);
});
