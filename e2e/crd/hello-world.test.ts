// The reference HelloWorld CRD of DESIGN.md, declared with capstan/crd and used as a user would: YAML
// applied with kubectl, the sample applied, `kubectl get` showing Message, Ready and Age; conditions that
// two server-side-apply field managers write side by side without overwriting each other; and the
// static type a reconciler receives, checked by tsc and against the object the server returns.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Type from 'typebox';
import Value from 'typebox/value';
import { ApiError, KubeClient } from '../../src/client/index.ts';
import { controller, done } from '../../src/controller/index.ts';
import type { Condition, ObjectMeta, ObjectOf } from '../../src/core/index.ts';
import { ConfigMap } from '../../src/kinds/core/v1.ts';
import { Conditions, crdFor, crdYaml, customResource } from '../../src/crd/index.ts';
import { eventually } from '../../src/testing/index.ts';
import { sharedCluster, uniqueName } from '../support/cluster.ts';
import { kubectl, uniqueGroup } from './support.ts';

/**
 * DESIGN.md's HelloWorld, in a group of its own (the reference operator's tests own apps.example.com). Its short
 * name is its own too: the shared control plane serves apps.example.com's HelloWorld as `hw`, and kubectl refuses
 * a short name that two kinds claim.
 */
function declareHelloWorld(group: string) {
  return customResource({
    group,
    version: 'v1alpha1',
    kind: 'HelloWorld',
    shortNames: ['hwcrd'],
    description: 'HelloWorld publishes a message in a ConfigMap of the same name.',
    spec: Type.Object({ name: Type.String({ minLength: 1, maxLength: 253, description: 'The message to publish.' }) }),
    status: Type.Object({
      observedGeneration: Type.Optional(Type.Integer({ minimum: 0, description: 'The generation the status describes.' })),
      conditions: Type.Optional(Conditions()),
    }),
    printerColumns: [
      { name: 'Message', type: 'string', jsonPath: '.spec.name' },
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
  });
}

const cluster = await sharedCluster();
const HelloWorld = declareHelloWorld(uniqueGroup('hello'));
type HelloWorld = ObjectOf<typeof HelloWorld>;
const ns = uniqueName('crd-hello');
const helloworlds = `/apis/${HelloWorld.apiVersion}/namespaces/${ns}/helloworlds`;
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** True only when A and B are the same type. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const sameType = <_T extends true>(): true => true;

describe('the HelloWorld CRD', () => {
  before(async () => {
    await cluster.admin.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } } });
    await kubectl(cluster, ['apply', '--server-side', '--validate=strict', '-f', '-'], crdYaml(HelloWorld));
    await eventually(
      'helloworlds to be served',
      async () => {
        const list = await cluster.admin.request<{ resources: Array<{ name: string }> }>({ path: `/apis/${HelloWorld.apiVersion}` });
        return list.resources.some((r) => r.name === 'helloworlds') ? true : undefined;
      },
      { timeoutMs: 30_000 },
    );
  });

  after(async () => {
    await cluster.admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` });
    await kubectl(cluster, ['delete', 'crd', crdFor(HelloWorld).metadata.name]);
  });

  test('the sample applies with kubectl, and kubectl get shows Message, Ready and Age (also by short name)', async () => {
    const sample = `apiVersion: ${HelloWorld.apiVersion}\nkind: HelloWorld\nmetadata:\n  name: hello-world\n  namespace: ${ns}\nspec:\n  name: "Hello from the Operator!"\n`;
    await kubectl(cluster, ['apply', '-f', '-'], sample);
    const out = await kubectl(cluster, ['get', `helloworlds.${HelloWorld.group}`, '-n', ns]);
    const [header, row] = out.trim().split('\n');
    assert.deepEqual(header?.split(/\s{2,}/), ['NAME', 'MESSAGE', 'READY', 'AGE']);
    assert.match(row ?? '', /^hello-world\s+Hello from the Operator!\s+\d+s$/);
    assert.match(
      await kubectl(cluster, ['get', 'hwcrd', 'hello-world', '-n', ns, '-o', 'jsonpath={.spec.name}']),
      /^Hello from the Operator!$/,
    );
  });

  test('spec.name is required and bounded', async () => {
    for (const spec of [{}, { name: '' }, { name: 'x'.repeat(254) }]) {
      await assert.rejects(
        cluster.admin.request({
          method: 'POST',
          path: helloworlds,
          body: { apiVersion: HelloWorld.apiVersion, kind: 'HelloWorld', metadata: { name: uniqueName('bad') }, spec },
        }),
        (err) => err instanceof ApiError && err.httpStatus === 422 && err.status.details?.causes?.[0]?.field === 'spec.name',
      );
    }
  });

  test("two field managers apply their own conditions, and neither overwrites the other's", async () => {
    const name = 'shared-status';
    await cluster.admin.request({
      method: 'POST',
      path: helloworlds,
      body: { apiVersion: HelloWorld.apiVersion, kind: 'HelloWorld', metadata: { name }, spec: { name: 'hi' } },
    });
    const apply = (manager: string, condition: Condition) =>
      cluster.admin.request<HelloWorld>({
        method: 'PATCH',
        path: `${helloworlds}/${name}/status`,
        query: { fieldManager: manager },
        contentType: 'application/apply-patch+yaml',
        body: { apiVersion: HelloWorld.apiVersion, kind: 'HelloWorld', metadata: { name }, status: { conditions: [condition] } },
      });
    await apply('capstan-hello', {
      type: 'Ready',
      status: 'False',
      reason: 'Creating',
      message: 'creating the ConfigMap',
      lastTransitionTime: now(),
    });
    await apply('other-controller', {
      type: 'example.com/Audited',
      status: 'True',
      reason: 'Checked',
      message: '',
      lastTransitionTime: now(),
    });
    const after = await apply('capstan-hello', {
      type: 'Ready',
      status: 'True',
      reason: 'ConfigMapReady',
      message: 'ConfigMap is up to date',
      lastTransitionTime: now(),
    });
    assert.deepEqual(
      after.status?.conditions?.map((c) => [c.type, c.status, c.reason]),
      [
        ['Ready', 'True', 'ConfigMapReady'],
        ['example.com/Audited', 'True', 'Checked'],
      ],
    );
  });

  test('conditions are validated as metav1.Condition', async () => {
    const name = 'bad-conditions';
    await cluster.admin.request({
      method: 'POST',
      path: helloworlds,
      body: { apiVersion: HelloWorld.apiVersion, kind: 'HelloWorld', metadata: { name }, spec: { name: 'hi' } },
    });
    const good: Condition = {
      type: 'Ready',
      status: 'True',
      reason: 'Fine',
      message: '',
      lastTransitionTime: now(),
      observedGeneration: 1,
    };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...good, status: 'Maybe' }, 'status.conditions[0].status'],
      [{ ...good, reason: 'not camel case' }, 'status.conditions[0].reason'],
      [{ ...good, reason: '' }, 'status.conditions[0].reason'],
      [{ ...good, type: 'Not A Type' }, 'status.conditions[0].type'],
      [{ ...good, message: 'm'.repeat(32769) }, 'status.conditions[0].message'],
      [{ ...good, observedGeneration: -1 }, 'status.conditions[0].observedGeneration'],
      [{ ...good, lastTransitionTime: 'yesterday' }, 'status.conditions[0].lastTransitionTime'],
      [{ type: 'Ready', status: 'True', reason: 'Fine', message: '' }, 'status.conditions[0].lastTransitionTime'],
    ];
    for (const [condition, field] of cases) {
      await assert.rejects(
        cluster.admin.request({
          method: 'PATCH',
          path: `${helloworlds}/${name}/status`,
          contentType: 'application/merge-patch+json',
          body: { status: { conditions: [condition] } },
        }),
        (err) => err instanceof ApiError && err.httpStatus === 422 && (err.status.details?.causes ?? []).some((c) => c.field === field),
        `${field} should be refused for ${JSON.stringify(condition).slice(0, 120)}`,
      );
    }
    await cluster.admin.request({
      method: 'PATCH',
      path: `${helloworlds}/${name}/status`,
      contentType: 'application/merge-patch+json',
      body: { status: { conditions: [good] } },
    });
  });

  test("the reconciler's object type is ObjectOf<typeof HelloWorld>, and the server's objects satisfy it", async () => {
    // What a reconciler built with the controller builder receives (checked by tsc; nothing runs).
    const definition = controller(HelloWorld)
      .owns(ConfigMap)
      .reconcile(async (ctx) => {
        const message: string | undefined = ctx.object?.spec.name;
        const ready: Condition | undefined = ctx.object?.status?.conditions?.find((c) => c.type === 'Ready');
        void message;
        void ready;
        return done();
      });
    type Received = NonNullable<Parameters<typeof definition.reconcile>[0]['object']>;
    assert.ok(sameType<Equal<Received, HelloWorld>>());
    assert.ok(
      sameType<
        Equal<
          HelloWorld,
          {
            apiVersion: `${string}/v1alpha1`;
            kind: 'HelloWorld';
            metadata: ObjectMeta;
            spec: { name: string };
            status?: { observedGeneration?: number; conditions?: Condition[] };
          }
        >
      >(),
    );
    assert.equal(definition.declaration.for.plural, 'helloworlds');

    // What the server sends, read through the typed client, satisfies the declared schemas and literals.
    const client = await KubeClient.fromKubeconfig({ kubeconfigPath: cluster.kubeconfigPath });
    try {
      const objects = await client.resource(HelloWorld).list({ namespace: ns });
      assert.ok(objects.items.length >= 2);
      for (const object of objects.items) {
        assert.equal(object.apiVersion, HelloWorld.apiVersion);
        assert.equal(object.kind, 'HelloWorld');
        assert.ok(Value.Check(HelloWorld.spec, object.spec), JSON.stringify(object.spec));
        assert.ok(object.status === undefined || Value.Check(HelloWorld.status, object.status), JSON.stringify(object.status));
      }
      // @ts-expect-error spec.name is a string
      const wrong: HelloWorld['spec'] = { name: 42 };
      void wrong;
    } finally {
      await client.close();
    }
  });
});
