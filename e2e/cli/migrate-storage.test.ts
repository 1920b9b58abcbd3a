// `capstan migrate-storage` on the shared control plane, run as a user runs it (a process, KUBECONFIG set), with
// etcd read directly to see what the API server stored: a CRD of a group of its own with two versions of
// identical schemas (no conversion webhook), objects created while v1 stores, the CRD changed so v2 stores,
// then the command. The stored bytes say `apiVersion: <group>/v2` afterwards and storedVersions is [v2]; a dry
// run changes neither; an object that cannot be rewritten (a ValidatingAdmissionPolicy denies its update)
// leaves storedVersions as it was; a user without the rights is told which ones are missing.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { isNotFound } from '../../src/client/index.ts';
import { type Cluster, createNamespace, eventually } from '../../src/testing/index.ts';
import { fileScope, sharedCluster } from '../support/cluster.ts';
import { fixtureDir, runCli } from './run-cli.ts';

let cluster: Cluster;
let etcdUrl: string;
let cwd: string;
let env: NodeJS.ProcessEnv;
const crdPath = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const admissionPath = '/apis/admissionregistration.k8s.io/v1';

before(async () => {
  cluster = await sharedCluster();
  const url = cluster.describe().etcdUrl;
  assert.ok(url, 'the shared control plane describes its etcd URL (ClusterDescriptor.etcdUrl)');
  etcdUrl = url;
  cwd = await fixtureDir('migrate-storage'); // no project needed: the command acts on the cluster only
  env = { ...process.env, KUBECONFIG: cluster.kubeconfigPath };
});
after(async () => {
  await rm(cwd, { recursive: true, force: true });
});

/** A CRD `gears.<group>`: v1 and v2 with the same schema, v1 storing; deleted after the file's tests. */
async function installGears(prefix: string): Promise<{ group: string; crdName: string }> {
  const group = `${prefix}${Date.now().toString(36)}.test.io`;
  const crdName = `gears.${group}`;
  const schema = {
    openAPIV3Schema: {
      type: 'object',
      properties: { spec: { type: 'object', properties: { teeth: { type: 'integer' } } } },
    },
  };
  await cluster.admin.request({
    method: 'POST',
    path: crdPath,
    body: {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: crdName },
      spec: {
        group,
        scope: 'Namespaced',
        names: { kind: 'Gear', plural: 'gears', singular: 'gear', listKind: 'GearList' },
        versions: [
          { name: 'v1', served: true, storage: true, schema },
          { name: 'v2', served: true, storage: false, schema },
        ],
      },
    },
  });
  fileScope.after(async () => {
    await cluster.admin.request({ method: 'DELETE', path: `${crdPath}/${crdName}` }).catch(() => undefined);
  });
  for (const version of ['v1', 'v2']) {
    await eventually(`gears.${group}/${version} to be served`, async () => {
      const list = await cluster.admin.request<{ resources: Array<{ name: string }> }>({ path: `/apis/${group}/${version}` });
      return list.resources.some((r) => r.name === 'gears');
    });
  }
  return { group, crdName };
}

function createGear(group: string, namespace: string, name: string): Promise<unknown> {
  return cluster.admin.request({
    method: 'POST',
    path: `/apis/${group}/v1/namespaces/${namespace}/gears`,
    body: { apiVersion: `${group}/v1`, kind: 'Gear', metadata: { name }, spec: { teeth: name.length } },
  });
}

/** The apiVersion of the object as the API server stored it in etcd (JSON, for a custom resource). */
async function storedApiVersion(group: string, namespace: string, name: string): Promise<string> {
  const key = Buffer.from(`/registry/${group}/gears/${namespace}/${name}`).toString('base64');
  const response = await request(`${etcdUrl}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key }) });
  const body = (await response.body.json()) as { kvs?: Array<{ value: string }> };
  assert.equal(response.statusCode, 200, JSON.stringify(body));
  const value = body.kvs?.[0]?.value;
  assert.ok(value, `etcd has no key /registry/${group}/gears/${namespace}/${name}: ${JSON.stringify(body)}`);
  return (JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as { apiVersion: string }).apiVersion;
}

async function storedVersions(crdName: string): Promise<string[]> {
  const crd = await cluster.admin.request<{ status?: { storedVersions?: string[] } }>({ path: `${crdPath}/${crdName}` });
  return crd.status?.storedVersions ?? [];
}

/**
 * Make v2 the storage version, and wait until the API server encodes new writes in it (it swaps the kind's
 * storage when its own CRD watch sees the change): a probe object created in `namespace` is stored as v2.
 * The probe stays, as an object already in the storage version.
 */
async function storeInV2(group: string, crdName: string, namespace: string): Promise<void> {
  await cluster.admin.request({
    method: 'PATCH',
    path: `${crdPath}/${crdName}`,
    contentType: 'application/json-patch+json',
    body: [
      { op: 'test', path: '/spec/versions/0/name', value: 'v1' },
      { op: 'replace', path: '/spec/versions/0/storage', value: false },
      { op: 'replace', path: '/spec/versions/1/storage', value: true },
    ],
  });
  let attempt = 0;
  await eventually('a new Gear to be stored as v2', async () => {
    const name = `probe-${++attempt}`;
    await createGear(group, namespace, name);
    if ((await storedApiVersion(group, namespace, name)) === `${group}/v2`) return true;
    await cluster.admin.request({ method: 'DELETE', path: `/apis/${group}/v1/namespaces/${namespace}/gears/${name}` });
    return false;
  });
  assert.deepEqual(await storedVersions(crdName), ['v1', 'v2'], 'the API server adds the new storage version to storedVersions');
}

test('migrate-storage rewrites every stored object in the storage version, then trims storedVersions to it', {
  timeout: 120_000,
}, async () => {
  const started = Date.now();
  const timeline: string[] = [];
  const mark = (what: string) => timeline.push(`${((Date.now() - started) / 1000).toFixed(1)} s ${what}`);
  try {
    await migrateAndCheck(mark);
  } catch (err) {
    process.stderr.write(`timeline:\n${timeline.join('\n')}\n`);
    throw err;
  }
});

async function migrateAndCheck(mark: (what: string) => void): Promise<void> {
  const { group, crdName } = await installGears('mig');
  const namespaces = [await createNamespace(cluster, 'migrate-a', fileScope), await createNamespace(cluster, 'migrate-b', fileScope)];
  const gears = [
    [namespaces[0]!, 'alpha'],
    [namespaces[0]!, 'beta'],
    [namespaces[0]!, 'gamma'],
    [namespaces[1]!, 'delta'],
    [namespaces[1]!, 'epsilon'],
  ] as const;
  for (const [namespace, name] of gears) await createGear(group, namespace, name);
  for (const [namespace, name] of gears) assert.equal(await storedApiVersion(group, namespace, name), `${group}/v1`);
  mark('5 Gears stored as v1');
  await storeInV2(group, crdName, namespaces[1]!);
  mark('v2 stores (a probe Gear is stored as v2)');

  // Page size 2 over 6 objects in 2 namespaces: the listing takes 3 pages.
  const dryRun = await runCli(['migrate-storage', crdName, '--dry-run', '--page-size', '2'], { cwd, env, timeoutMs: 60_000 });
  mark(`dry run exited with ${dryRun.code}`);
  assert.equal(dryRun.code, 0, dryRun.stderr);
  assert.match(
    dryRun.stdout,
    new RegExp(
      `^${crdName} \\(dry run\\): 6 would be rewritten in v2, 0 already in v2, 0 skipped \\(deleted meanwhile\\), 0 failed; storedVersions \\[v1, v2\\] would become \\[v2\\]$`,
      'm',
    ),
  );
  for (const [namespace, name] of gears)
    assert.equal(await storedApiVersion(group, namespace, name), `${group}/v1`, 'a dry run stores nothing');
  assert.deepEqual(await storedVersions(crdName), ['v1', 'v2'], 'a dry run leaves storedVersions alone');

  const migrated = await runCli(['migrate-storage', crdName, '--page-size', '2'], { cwd, env, timeoutMs: 60_000 });
  mark(`migrate-storage exited with ${migrated.code}`);
  assert.equal(migrated.code, 0, migrated.stderr);
  assert.match(
    migrated.stdout,
    new RegExp(
      `^migrating the stored objects of ${crdName} on context "[^"]+" \\(${cluster.apiServerUrl.replace(/[.]/g, '\\.')}, kubeconfig `,
      'm',
    ),
  );
  // The probe was written while v2 stored: its unchanged update is the one write the API server skips.
  assert.match(
    migrated.stdout,
    new RegExp(
      `^${crdName}: 5 rewritten in v2, 1 already in v2, 0 skipped \\(deleted meanwhile\\), 0 failed; storedVersions \\[v1, v2\\] → \\[v2\\]$`,
      'm',
    ),
  );
  for (const [namespace, name] of gears) {
    assert.equal(await storedApiVersion(group, namespace, name), `${group}/v2`, `${namespace}/${name} is stored as v2 in etcd`);
  }
  assert.deepEqual(await storedVersions(crdName), ['v2']);

  const again = await runCli(['migrate-storage', crdName], { cwd, env });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, new RegExp(`^${crdName}: storedVersions is already \\[v2\\], its storage version: nothing to migrate$`, 'm'));
}

test('an object that cannot be rewritten fails the command and leaves storedVersions as it was', { timeout: 120_000 }, async () => {
  const { group, crdName } = await installGears('migfail');
  const namespace = await createNamespace(cluster, 'migrate-fail', fileScope);
  for (const name of ['fine', 'stuck']) await createGear(group, namespace, name);
  await storeInV2(group, crdName, namespace);

  // A policy of the API server itself (no webhook) that refuses every update of the Gear named "stuck".
  const policy = `gears-${group}`;
  await cluster.admin.request({
    method: 'POST',
    path: `${admissionPath}/validatingadmissionpolicies`,
    body: {
      metadata: { name: policy },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: { resourceRules: [{ apiGroups: [group], apiVersions: ['*'], operations: ['UPDATE'], resources: ['gears'] }] },
        validations: [{ expression: "object.metadata.name != 'stuck'", message: 'this Gear is stuck on purpose' }],
      },
    },
  });
  fileScope.after(async () => {
    await cluster.admin
      .request({ method: 'DELETE', path: `${admissionPath}/validatingadmissionpolicies/${policy}` })
      .catch(() => undefined);
  });
  await cluster.admin.request({
    method: 'POST',
    path: `${admissionPath}/validatingadmissionpolicybindings`,
    body: { metadata: { name: policy }, spec: { policyName: policy, validationActions: ['Deny'] } },
  });
  fileScope.after(async () => {
    await cluster.admin
      .request({ method: 'DELETE', path: `${admissionPath}/validatingadmissionpolicybindings/${policy}` })
      .catch(() => undefined);
  });
  const stuckPath = `/apis/${group}/v2/namespaces/${namespace}/gears/stuck`;
  await eventually('the policy to refuse an update of the stuck Gear (a dry run)', async () => {
    const stuck = await cluster.admin.request<object>({ path: stuckPath });
    return cluster.admin.request({ method: 'PUT', path: stuckPath, query: { dryRun: 'All' }, body: stuck }).then(
      () => false,
      (err: Error) => /stuck on purpose/.test(err.message),
    );
  });

  const result = await runCli(['migrate-storage', crdName], { cwd, env, timeoutMs: 60_000 });
  assert.equal(result.code, 1, `${result.stdout}\n${result.stderr}`);
  assert.match(result.stdout, new RegExp(`^cannot rewrite ${namespace}/stuck: 422 Invalid: .*this Gear is stuck on purpose`, 'm'));
  assert.match(
    result.stdout,
    /: 1 rewritten in v2, 1 already in v2, 0 skipped \(deleted meanwhile\), 1 failed; storedVersions \[v1, v2\] → \[v1, v2\]$/m,
  );
  assert.match(
    result.stderr,
    new RegExp(
      `^capstan: 1 object\\(s\\) of ${crdName} could not be rewritten \\(listed above\\), so storedVersions was left as it was: fix them \\(or delete them\\) and run capstan migrate-storage again$`,
      'm',
    ),
  );
  assert.deepEqual(await storedVersions(crdName), ['v1', 'v2']);
  assert.equal(await storedApiVersion(group, namespace, 'stuck'), `${group}/v1`);
  assert.equal(await storedApiVersion(group, namespace, 'fine'), `${group}/v2`);
});

test('migrate-storage names the CRD that does not exist, and the rights a user lacks', { timeout: 60_000 }, async () => {
  const missing = await runCli(['migrate-storage', 'nothings.nowhere.test.io'], { cwd, env });
  assert.equal(missing.code, 1);
  assert.match(
    missing.stderr,
    /^capstan: there is no CRD named nothings\.nowhere\.test\.io: `kubectl get crds` lists them \(a CRD is named <plural>\.<group>\)$/m,
  );

  const { group, crdName } = await installGears('migrbac');
  const namespace = await createNamespace(cluster, 'migrate-rbac', fileScope);
  await createGear(group, namespace, 'one');
  await storeInV2(group, crdName, namespace);
  const name = 'reader';
  const reader = await cluster.serviceAccountKubeconfig({
    namespace,
    name,
    clusterRules: [
      { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['get'] },
      { apiGroups: [group], resources: ['gears'], verbs: ['get', 'list'] },
    ],
  });
  fileScope.after(async () => {
    for (const kind of ['clusterrolebindings', 'clusterroles']) {
      await cluster.admin
        .request({ method: 'DELETE', path: `/apis/rbac.authorization.k8s.io/v1/${kind}/${namespace}:${name}` })
        .catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        });
    }
  });
  const refused = await runCli(['migrate-storage', crdName, '--kubeconfig', reader.kubeconfigPath], { cwd, env });
  assert.equal(refused.code, 1, refused.stdout);
  assert.match(
    refused.stderr,
    new RegExp(
      `^capstan: you may not migrate ${crdName}: you lack update on gears\\.${group} in every namespace, update on customresourcedefinitions/status\\.apiextensions\\.k8s\\.io; run it as a user with those rights \\(a cluster admin\\)$`,
      'm',
    ),
  );
  assert.equal(await storedApiVersion(group, namespace, 'one'), `${group}/v1`, 'nothing was rewritten');
  assert.deepEqual(await storedVersions(crdName), ['v1', 'v2']);
});
