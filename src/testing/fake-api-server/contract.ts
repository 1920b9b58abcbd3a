// The cases a reconcile relies on the API server for, registered as node:test tests against any KubeClient: the
// fake API server (contract.test.ts) and a real control plane (e2e/testing/fake-api-server-contract.test.ts) run
// the same ones, so that the fake cannot drift from the real thing unnoticed.
import assert from 'node:assert/strict';
import { suite, type TestContext, test } from 'node:test';
import Type from 'typebox';
import {
  type ApiError,
  isAlreadyExists,
  isApiError,
  isConflict,
  isNotFound,
  type KubeClient,
  type RawWatchEvent,
  type StatusBody,
  UnknownResourceError,
} from '../../client/index.ts';
import { applyDiff } from '../../controller/field-set.ts';
import { type Condition, defineKind, type KubeObject, type ObjectOf } from '../../core/index.ts';
import { Conditions, crdFor, type CustomResourceDefinition, customResource } from '../../crd/index.ts';
import { ConfigMap } from '../../kinds/core/v1.ts';
import { eventually } from '../eventually.ts';

/**
 * What one case of {@link fakeApiServerContract} runs against.
 *
 * @noExample Made by the factory given to {@link fakeApiServerContract}, whose example makes one.
 */
export interface ContractTarget {
  /** A client with the rights to write ConfigMaps and HelloWorlds in `namespace`. */
  client: KubeClient;
  /** A namespace of its own (or shared: every case names its objects uniquely). */
  namespace: string;
  /**
   * Make every resourceVersion written so far too old to watch from: the fake's `compact()`, a real control plane's
   * etcd compaction (which a watch reaches only without kube-apiserver's watch cache, whose window would serve it).
   */
  compact?: () => void | Promise<void>;
  /** Called when the case ends, passed or failed. */
  cleanup?: () => Promise<void>;
}

const contractGroup = 'contract.capstan.test';

/**
 * The contract's custom resource, declared as an operator declares its kinds (so its CRD is what `capstan generate`
 * would write): the reference operator's HelloWorld shape, spec.name and a status subresource whose `conditions` are
 * `metav1.Condition`s in a list keyed by `type`. In a group of its own, `contract.capstan.test/v1`.
 */
const ContractHelloWorld = customResource({
  group: contractGroup,
  version: 'v1',
  kind: 'HelloWorld',
  spec: Type.Object({ name: Type.String() }),
  status: Type.Object({
    observedGeneration: Type.Optional(Type.Integer({ format: 'int64' })),
    conditions: Type.Optional(Conditions()),
  }),
});
type ContractHelloWorld = ObjectOf<typeof ContractHelloWorld>;

/**
 * The kinds the contract writes: ConfigMap and the contract's HelloWorld (`contract.capstan.test/v1`, whose CRD is
 * {@link contractCrd}), a group of its own so that no other suite on a shared control plane depends on its CRD or
 * removes it. A fake API server for the contract serves these.
 *
 * @noExample Passed to `fakeApiServer` by contract.test.ts.
 */
export const contractKinds = { ConfigMap, HelloWorld: ContractHelloWorld };

/**
 * The CRD of the contract's HelloWorld for a real control plane.
 *
 * @noExample Installed by e2e/testing/fake-api-server-contract.test.ts.
 */
export const contractCrd: CustomResourceDefinition = crdFor(ContractHelloWorld);
const { HelloWorld } = contractKinds;

/** How long the real garbage collector and watches get to act. */
const settleMs = 20_000;

let counter = 0;
function unique(prefix: string): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 6)}`;
}

async function refusal(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (err) {
    if (isApiError(err)) return err;
    throw err;
  }
  assert.fail('the request was expected to be refused');
}

function configMap(
  name: string,
  data: Record<string, string>,
  labels?: Record<string, string>,
): KubeObject & { data: Record<string, string> } {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(labels ? { labels } : {}) }, data };
}

function helloWorld(name: string, message: string): ContractHelloWorld {
  return { apiVersion: ContractHelloWorld.apiVersion, kind: 'HelloWorld', metadata: { name }, spec: { name: message } };
}

function ready(type: string, status: 'True' | 'False', reason: string): Condition {
  return { type, status, reason, message: `${type} is ${status}`, lastTransitionTime: '2026-01-01T00:00:00Z' };
}

/** Reads watch events one at a time, each within a deadline. */
class EventReader<T> {
  private readonly iterator: AsyncIterator<RawWatchEvent<T>>;
  constructor(stream: AsyncIterable<RawWatchEvent<T>>) {
    this.iterator = stream[Symbol.asyncIterator]();
  }

  async next(what: string): Promise<RawWatchEvent<T>> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no watch event within ${settleMs} ms: expected ${what}`)), settleMs);
    });
    try {
      const result = await Promise.race([this.iterator.next(), timeout]);
      if (result.done) assert.fail(`the watch ended: expected ${what}`);
      return result.value;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The next event that is not a bookmark. */
  async nextChange(what: string): Promise<RawWatchEvent<T>> {
    for (;;) {
      const event = await this.next(what);
      if (event.type !== 'BOOKMARK') return event;
    }
  }
}

function nameOf(event: RawWatchEvent<KubeObject>): string | undefined {
  return event.type === 'ERROR' ? undefined : event.object.metadata.name;
}

/**
 * Register the contract's cases as a node:test suite named `name`, each run against a fresh target from
 * `target(t)`: object identity and versions, conflicts and their Status shapes, generation, the status subresource,
 * finalizers, owner cascade, merge and JSON patch, server-side apply (ownership, removal, conflicts and force,
 * conditions keyed by type, the managedFields `applyDiff` reads), list selectors and paging, and watches (from a
 * resourceVersion, 410, the streaming list).
 *
 * Not part of `capstan/testing`: its cases write the reference operator's HelloWorld, so it runs only where that CRD
 * is served (the fake API server of contract.test.ts, the e2e suites' control plane).
 *
 * @noExample Internal to Capstan's own tests: contract.test.ts and e2e/testing/fake-api-server-contract.test.ts call it.
 */
export function fakeApiServerContract(
  name: string,
  target: (t: TestContext) => Promise<ContractTarget>,
  options: {
    /**
     * Only the cases that need a compaction (its targets have `compact`), or none of them: a control plane with its
     * watch cache on serves old resourceVersions from the cache's window, so there only the others are run.
     */
    cases: 'all' | 'without compaction' | 'compaction only';
  } = { cases: 'all' },
): void {
  const compacting = options.cases !== 'without compaction';
  const others = options.cases !== 'compaction only';
  const withTarget =
    (body: (target: ContractTarget) => Promise<void>) =>
    async (t: TestContext): Promise<void> => {
      const current = await target(t);
      try {
        await body(current);
      } finally {
        await current.cleanup?.();
      }
    };

  const registered = (enabled: boolean) => (title: string, body: (t: TestContext) => Promise<void>) => {
    if (enabled) void test(title, body);
  };
  const otherCase = registered(others);
  const compactionCase = registered(compacting);

  void suite(name, () => {
    otherCase(
      'create fills in uid, creationTimestamp, resourceVersion, generation 1, generateName; get reads it back',
      withTarget(async ({ client, namespace }) => {
        const hw = await client.resource(HelloWorld).create(helloWorld(unique('hw'), 'hello'), { namespace });
        assert.match(hw.metadata.uid ?? '', /^[0-9a-f-]{36}$/);
        assert.match(hw.metadata.creationTimestamp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        assert.match(hw.metadata.resourceVersion ?? '', /^\d+$/);
        assert.equal(hw.metadata.generation, 1);
        assert.equal(hw.metadata.namespace, namespace);
        assert.deepEqual(await client.resource(HelloWorld).get(hw.metadata.name ?? '', { namespace }), hw);
        const generated = await client
          .resource(ConfigMap)
          .create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'gen-' }, data: {} }, { namespace });
        assert.match(generated.metadata.name ?? '', /^gen-[a-z0-9]{5}$/);
      }),
    );

    otherCase(
      'a taken name is 409 AlreadyExists, a missing object 404 NotFound, both naming the object; an unknown resource has no name',
      withTarget(async ({ client, namespace }) => {
        const name = unique('cm');
        await client.resource(ConfigMap).create(configMap(name, { a: '1' }), { namespace });
        const taken = await refusal(client.resource(ConfigMap).create(configMap(name, { a: '2' }), { namespace }));
        assert.ok(isAlreadyExists(taken));
        assert.equal(taken.httpStatus, 409);
        assert.equal(taken.status.reason, 'AlreadyExists');
        assert.equal(taken.status.details?.name, name);
        assert.equal(taken.status.details?.kind, 'configmaps');
        assert.equal(taken.status.details?.group ?? '', '');
        const missing = await refusal(client.resource(HelloWorld).get(unique('missing'), { namespace }));
        assert.ok(isNotFound(missing));
        assert.equal(missing.status.reason, 'NotFound');
        assert.equal(missing.status.details?.kind, 'helloworlds');
        assert.equal(missing.status.details?.group, contractGroup);
        assert.ok(missing.status.details?.name?.startsWith('missing-'));
        const Unknown = defineKind({ group: 'nothing.example.com', version: 'v1', kind: 'Nothing', plural: 'nothings', namespaced: true });
        const unknown = await refusal(client.resource(Unknown).get('x', { namespace }));
        assert.ok(unknown instanceof UnknownResourceError);
        assert.ok(isNotFound(unknown));
      }),
    );

    otherCase(
      'resourceVersions grow with every write, and an update from a stale one is 409 Conflict',
      withTarget(async ({ client, namespace }) => {
        const configMaps = client.resource(ConfigMap);
        const first = await configMaps.create(configMap(unique('cm'), { a: '1' }), { namespace });
        const second = await configMaps.update({ ...first, data: { a: '2' } });
        assert.ok(BigInt(second.metadata.resourceVersion ?? '0') > BigInt(first.metadata.resourceVersion ?? '0'));
        const stale = await refusal(configMaps.update({ ...first, data: { a: '3' } }));
        assert.ok(isConflict(stale));
        assert.equal(stale.status.reason, 'Conflict');
        assert.equal(stale.status.details?.name, first.metadata.name);
        const stalePatch = await refusal(
          configMaps.mergePatch(
            first.metadata.name ?? '',
            { metadata: { resourceVersion: first.metadata.resourceVersion } },
            { namespace },
          ),
        );
        assert.ok(isConflict(stalePatch));
        assert.equal((await configMaps.get(first.metadata.name ?? '', { namespace })).data?.['a'], '2');
      }),
    );

    otherCase(
      'generation counts spec changes only, and dryRun stores nothing',
      withTarget(async ({ client, namespace }) => {
        const helloWorlds = client.resource(HelloWorld);
        const name = unique('hw');
        const dry = await helloWorlds.create(helloWorld(name, 'hello'), { namespace, dryRun: true });
        assert.equal(dry.metadata.name, name);
        assert.ok(isNotFound(await refusal(helloWorlds.get(name, { namespace }))));
        await helloWorlds.create(helloWorld(name, 'hello'), { namespace });
        const labelled = await helloWorlds.mergePatch(name, { metadata: { labels: { a: 'b' } } }, { namespace });
        assert.equal(labelled.metadata.generation, 1);
        const withStatus = await helloWorlds.mergePatch(name, { status: { observedGeneration: 1 } }, { namespace, status: true });
        assert.equal(withStatus.metadata.generation, 1);
        const changed = await helloWorlds.mergePatch(name, { spec: { name: 'changed' } }, { namespace });
        assert.equal(changed.metadata.generation, 2);
        const dryChange = await helloWorlds.mergePatch(name, { spec: { name: 'dry' } }, { namespace, dryRun: true });
        assert.equal(dryChange.spec.name, 'dry');
        assert.equal((await helloWorlds.get(name, { namespace })).spec.name, 'changed');
      }),
    );

    otherCase(
      'status changes only through the status subresource, which changes nothing else',
      withTarget(async ({ client, namespace }) => {
        const helloWorlds = client.resource(HelloWorld);
        const name = unique('hw');
        const created = await helloWorlds.create({ ...helloWorld(name, 'hello'), status: { observedGeneration: 7 } }, { namespace });
        assert.equal(created.status, undefined, 'status is dropped on create');
        const withStatus = await helloWorlds.updateStatus({ ...created, spec: { name: 'ignored' }, status: { observedGeneration: 1 } });
        assert.equal(withStatus.status?.observedGeneration, 1);
        assert.equal(withStatus.spec.name, 'hello');
        const updated = await helloWorlds.update({ ...withStatus, spec: { name: 'new' }, status: { observedGeneration: 9 } });
        assert.equal(updated.spec.name, 'new');
        assert.equal(updated.status?.observedGeneration, 1);
      }),
    );

    otherCase(
      'finalizers hold a deleted object with deletionTimestamp until a write removes the last one',
      withTarget(async ({ client, namespace }) => {
        const configMaps = client.resource(ConfigMap);
        const name = unique('cm');
        await configMaps.create({ ...configMap(name, {}), metadata: { name, finalizers: ['example.com/hold'] } }, { namespace });
        await configMaps.delete(name, { namespace });
        const deleting = await configMaps.get(name, { namespace });
        assert.ok(deleting.metadata.deletionTimestamp);
        assert.equal(deleting.metadata.deletionGracePeriodSeconds, 0);
        const more = await refusal(
          configMaps.mergePatch(name, { metadata: { finalizers: ['example.com/hold', 'example.com/more'] } }, { namespace }),
        );
        assert.equal(more.httpStatus, 422);
        await configMaps.mergePatch(name, { metadata: { finalizers: null } }, { namespace });
        assert.ok(isNotFound(await refusal(configMaps.get(name, { namespace }))));
      }),
    );

    otherCase(
      'deleting an owner deletes its dependents; Orphan leaves them without the ownerReference',
      withTarget(async ({ client, namespace }) => {
        const configMaps = client.resource(ConfigMap);
        const owner = await client.resource(HelloWorld).create(helloWorld(unique('owner'), 'x'), { namespace });
        const reference = {
          apiVersion: ContractHelloWorld.apiVersion,
          kind: 'HelloWorld',
          name: owner.metadata.name ?? '',
          uid: owner.metadata.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        };
        const dependent = unique('dependent');
        await configMaps.create(
          { ...configMap(dependent, {}), metadata: { name: dependent, ownerReferences: [reference] } },
          { namespace },
        );
        await client.resource(HelloWorld).delete(owner.metadata.name ?? '', { namespace });
        await eventually(
          'the dependent to be garbage-collected',
          async () => isNotFound(await refusal(configMaps.get(dependent, { namespace }))),
          {
            timeoutMs: settleMs,
          },
        );

        const orphanOwner = await configMaps.create(configMap(unique('owner'), {}), { namespace });
        const orphan = unique('orphan');
        await configMaps.create(
          {
            ...configMap(orphan, {}),
            metadata: {
              name: orphan,
              ownerReferences: [
                { apiVersion: 'v1', kind: 'ConfigMap', name: orphanOwner.metadata.name ?? '', uid: orphanOwner.metadata.uid ?? '' },
              ],
            },
          },
          { namespace },
        );
        await configMaps.delete(orphanOwner.metadata.name ?? '', { namespace, propagationPolicy: 'Orphan' });
        await eventually(
          'the orphan to lose its ownerReference',
          async () => (await configMaps.get(orphan, { namespace })).metadata.ownerReferences === undefined,
          { timeoutMs: settleMs },
        );
        await eventually(
          'the orphaned owner to be gone',
          async () => isNotFound(await refusal(configMaps.get(orphanOwner.metadata.name ?? '', { namespace }))),
          { timeoutMs: settleMs },
        );
      }),
    );

    otherCase(
      'merge patch merges objects, removes with null and replaces lists; JSON patch applies in order and a failed test is 422',
      withTarget(async ({ client, namespace }) => {
        const configMaps = client.resource(ConfigMap);
        const name = unique('cm');
        await configMaps.create(configMap(name, { a: '1', b: '2' }), { namespace });
        const merged = await configMaps.mergePatch(name, { data: { b: null, c: '3' } }, { namespace });
        assert.deepEqual(merged.data, { a: '1', c: '3' });
        const patched = await configMaps.jsonPatch(
          name,
          [
            { op: 'test', path: '/data/a', value: '1' },
            { op: 'replace', path: '/data/a', value: 'one' },
            { op: 'add', path: '/metadata/labels', value: { 'x/y': 'z' } },
            { op: 'remove', path: '/data/c' },
          ],
          { namespace },
        );
        assert.deepEqual(patched.data, { a: 'one' });
        assert.deepEqual(patched.metadata.labels, { 'x/y': 'z' });
        const failed = await refusal(configMaps.jsonPatch(name, [{ op: 'test', path: '/data/a', value: 'nope' }], { namespace }));
        assert.equal(failed.httpStatus, 422);
        assert.equal(failed.code, 'INVALID');
      }),
    );

    otherCase(
      'server-side apply creates, records an Apply entry, and applyDiff reads a re-apply as a no-op',
      withTarget(async ({ client, namespace }) => {
        const configMaps = client.resource(ConfigMap);
        const name = unique('cm');
        const desired = configMap(name, { message: 'hello' }, { 'app.kubernetes.io/managed-by': 'contract' });
        const created = await configMaps.apply({ ...desired, metadata: { ...desired.metadata, namespace } }, { fieldManager: 'contract' });
        const entry = created.metadata.managedFields?.find((e) => e.manager === 'contract');
        assert.equal(entry?.operation, 'Apply');
        assert.equal(entry?.apiVersion, 'v1');
        assert.equal(entry?.fieldsType, 'FieldsV1');
        assert.deepEqual(entry?.fieldsV1, {
          'f:data': { 'f:message': {} },
          'f:metadata': { 'f:labels': { 'f:app.kubernetes.io/managed-by': {} } },
        });
        assert.equal(applyDiff({ ...desired, metadata: { ...desired.metadata, namespace } }, created, 'contract').noop, true);
        const again = await configMaps.apply({ ...desired, metadata: { ...desired.metadata, namespace } }, { fieldManager: 'contract' });
        assert.equal(again.metadata.resourceVersion, created.metadata.resourceVersion, 'an apply that changes nothing writes nothing');
      }),
    );

    otherCase(
      'an apply removes the fields its manager stopped applying, and keeps those other managers wrote',
      withTarget(async ({ client, namespace }) => {
        const configMaps = client.resource(ConfigMap);
        const name = unique('cm');
        await configMaps.apply({ ...configMap(name, { a: '1', b: '2' }), metadata: { name, namespace } }, { fieldManager: 'first' });
        await configMaps.mergePatch(name, { data: { user: 'mine' } }, { namespace, fieldManager: 'someone' });
        const after = await configMaps.apply({ ...configMap(name, { a: '1' }), metadata: { name, namespace } }, { fieldManager: 'first' });
        assert.deepEqual(after.data, { a: '1', user: 'mine' });
        const update = after.metadata.managedFields?.find((e) => e.manager === 'someone');
        assert.equal(update?.operation, 'Update');
        assert.deepEqual(
          Object.keys(update?.fieldsV1?.['f:data'] ?? {}).filter((k) => k !== '.'),
          ['f:user'],
        );
      }),
    );

    otherCase(
      'an apply that changes another manager’s field is 409 with a FieldManagerConflict cause, unless forced',
      withTarget(async ({ client, namespace }) => {
        const configMaps = client.resource(ConfigMap);
        const name = unique('cm');
        await configMaps.apply({ ...configMap(name, { shared: 'x' }), metadata: { name, namespace } }, { fieldManager: 'first' });
        const same = await configMaps.apply(
          { ...configMap(name, { shared: 'x' }), metadata: { name, namespace } },
          { fieldManager: 'second' },
        );
        assert.deepEqual(
          same.metadata.managedFields
            ?.filter((e) => e.fieldsV1?.['f:data'])
            .map((e) => e.manager)
            .sort(),
          ['first', 'second'],
          'an equal value is shared',
        );
        const conflict = await refusal(
          configMaps.apply({ ...configMap(name, { shared: 'y' }), metadata: { name, namespace } }, { fieldManager: 'third' }),
        );
        assert.ok(isConflict(conflict));
        const causes = conflict.status.details?.causes ?? [];
        assert.deepEqual(
          causes.map((c) => [c.reason ?? c.type, c.field]),
          [
            ['FieldManagerConflict', '.data.shared'],
            ['FieldManagerConflict', '.data.shared'],
          ],
        );
        assert.deepEqual(causes.map((c) => c.message).sort(), ['conflict with "first"', 'conflict with "second"']);
        const forced = await configMaps.apply(
          { ...configMap(name, { shared: 'y' }), metadata: { name, namespace } },
          {
            fieldManager: 'third',
            force: true,
          },
        );
        assert.equal(forced.data?.['shared'], 'y');
        assert.deepEqual(
          forced.metadata.managedFields?.filter((e) => e.fieldsV1?.['f:data']).map((e) => e.manager),
          ['third'],
          'force takes the field over',
        );
      }),
    );

    otherCase(
      'status conditions are keyed by type: each manager owns its own, and one it stops applying goes',
      withTarget(async ({ client, namespace }) => {
        const helloWorlds = client.resource(HelloWorld);
        const name = unique('hw');
        await helloWorlds.create(helloWorld(name, 'x'), { namespace });
        const status = (conditions: Condition[]) => ({ ...helloWorld(name, 'x'), metadata: { name, namespace }, status: { conditions } });
        await helloWorlds.apply(status([ready('Ready', 'True', 'Reconciled')]), { fieldManager: 'controller', status: true });
        const both = await helloWorlds.apply(status([ready('Synced', 'False', 'Waiting')]), { fieldManager: 'syncer', status: true });
        assert.deepEqual(
          both.status?.conditions?.map((c) => c.type),
          ['Ready', 'Synced'],
        );
        const entry = both.metadata.managedFields?.find((e) => e.manager === 'controller');
        assert.equal(entry?.subresource, 'status');
        assert.deepEqual(entry?.fieldsV1, {
          'f:status': {
            'f:conditions': {
              'k:{"type":"Ready"}': { '.': {}, 'f:lastTransitionTime': {}, 'f:message': {}, 'f:reason': {}, 'f:status': {}, 'f:type': {} },
            },
          },
        });
        const flipped = await helloWorlds.apply(status([ready('Ready', 'False', 'Broken')]), { fieldManager: 'controller', status: true });
        assert.deepEqual(
          flipped.status?.conditions?.map((c) => [c.type, c.status]),
          [
            ['Ready', 'False'],
            ['Synced', 'False'],
          ],
        );
        const dropped = await helloWorlds.apply(status([]), { fieldManager: 'syncer', status: true });
        assert.deepEqual(
          dropped.status?.conditions?.map((c) => c.type),
          ['Ready'],
        );
        assert.equal(dropped.spec.name, 'x');
      }),
    );

    otherCase(
      'list: label selectors, field selectors, limit and continue, resourceVersion, metadata only',
      withTarget(async ({ client, namespace }) => {
        const configMaps = client.resource(ConfigMap);
        const run = unique('run');
        const names = ['a', 'b', 'c', 'd'].map((n) => `${run}-${n}`);
        await configMaps.create(configMap(names[0]!, {}, { run, tier: 'web' }), { namespace });
        await configMaps.create(configMap(names[1]!, {}, { run, tier: 'api' }), { namespace });
        await configMaps.create(configMap(names[2]!, {}, { run, tier: 'db', legacy: 'yes' }), { namespace });
        const last = await configMaps.create(configMap(names[3]!, {}, { run }), { namespace });
        const select = async (labelSelector: string) =>
          (await configMaps.list({ namespace, labelSelector: `run=${run},${labelSelector}` })).items.map((i) => i.metadata.name);
        assert.deepEqual(await select('tier=web'), [names[0]]);
        assert.deepEqual(await select('tier in (web,api)'), [names[0], names[1]]);
        assert.deepEqual(await select('tier notin (web,api)'), [names[2], names[3]]);
        assert.deepEqual(await select('tier'), [names[0], names[1], names[2]]);
        assert.deepEqual(await select('!legacy'), [names[0], names[1], names[3]]);
        assert.deepEqual(await select('tier!=db'), [names[0], names[1], names[3]]);
        const byName = await configMaps.list({ namespace, fieldSelector: `metadata.name=${names[1]}` });
        assert.deepEqual(
          byName.items.map((i) => i.metadata.name),
          [names[1]],
        );
        const first = await configMaps.list({ namespace, labelSelector: `run=${run}`, limit: 3 });
        assert.equal(first.items.length, 3);
        assert.ok(first.metadata.continue);
        assert.ok(BigInt(first.metadata.resourceVersion ?? '0') >= BigInt(last.metadata.resourceVersion ?? '0'));
        const second = await configMaps.list({ namespace, labelSelector: `run=${run}`, limit: 3, continueToken: first.metadata.continue });
        assert.deepEqual(
          [...first.items, ...second.items].map((i) => i.metadata.name),
          names,
        );
        assert.equal(second.metadata.continue ?? '', '');
        const metadata = await client.metadata(ConfigMap).list({ namespace, labelSelector: `run=${run}` });
        assert.equal(metadata.kind, 'PartialObjectMetadataList');
        assert.equal(metadata.items.length, 4);
        assert.equal((metadata.items[0] as { data?: unknown }).data, undefined);
        const one = await client.metadata(ConfigMap).get(names[0]!, { namespace });
        assert.equal(one.kind, 'PartialObjectMetadata');
        assert.deepEqual(one.metadata.labels, { run, tier: 'web' });
      }),
    );

    otherCase(
      'a watch from a resourceVersion replays the later changes; an object that stops matching is DELETED for it',
      withTarget(async ({ client, namespace }) => {
        const configMaps = client.resource(ConfigMap);
        const run = unique('run');
        const name = `${run}-w`;
        const start = await configMaps.create(configMap(`${run}-before`, {}, { run }), { namespace });
        await configMaps.create(configMap(name, { v: '1' }, { run }), { namespace });
        await configMaps.mergePatch(name, { data: { v: '2' } }, { namespace });
        const abort = new AbortController();
        try {
          const events = new EventReader(
            await configMaps.watch({
              namespace,
              labelSelector: `run=${run}`,
              resourceVersion: start.metadata.resourceVersion,
              signal: abort.signal,
            }),
          );
          const added = await events.nextChange('ADDED');
          assert.deepEqual([added.type, nameOf(added)], ['ADDED', name]);
          const modified = await events.nextChange('MODIFIED');
          assert.deepEqual([modified.type, nameOf(modified)], ['MODIFIED', name]);
          await configMaps.mergePatch(name, { metadata: { labels: { run: 'elsewhere' } } }, { namespace });
          const left = await events.nextChange('DELETED');
          assert.deepEqual([left.type, nameOf(left)], ['DELETED', name]);
          await configMaps.delete(`${run}-before`, { namespace });
          const deleted = await events.nextChange('DELETED');
          assert.deepEqual([deleted.type, nameOf(deleted)], ['DELETED', `${run}-before`]);
        } finally {
          abort.abort();
        }
      }),
    );

    otherCase(
      'a watch without a resourceVersion starts with an ADDED per object, then changes as they happen',
      withTarget(async ({ client, namespace }) => {
        const configMaps = client.resource(ConfigMap);
        const run = unique('run');
        await configMaps.create(configMap(`${run}-1`, {}, { run }), { namespace });
        const abort = new AbortController();
        try {
          const events = new EventReader(await configMaps.watch({ namespace, labelSelector: `run=${run}`, signal: abort.signal }));
          const added = await events.nextChange('ADDED');
          assert.deepEqual([added.type, nameOf(added)], ['ADDED', `${run}-1`]);
          await configMaps.create(configMap(`${run}-2`, {}, { run }), { namespace });
          const live = await events.nextChange('ADDED');
          assert.deepEqual([live.type, nameOf(live)], ['ADDED', `${run}-2`]);
        } finally {
          abort.abort();
        }
      }),
    );

    compactionCase(
      'a watch from a resourceVersion older than the history kept gets an ERROR event with a 410 Expired Status',
      withTarget(async ({ client, namespace, compact }) => {
        assert.ok(compact, 'a target of the compaction cases can compact');
        const configMaps = client.resource(ConfigMap);
        await configMaps.create(configMap(unique('cm'), {}), { namespace });
        await configMaps.create(configMap(unique('cm'), {}), { namespace });
        await compact();
        const abort = new AbortController();
        try {
          const events = new EventReader(await configMaps.watch({ namespace, resourceVersion: '1', signal: abort.signal }));
          const event = await events.next('ERROR');
          assert.equal(event.type, 'ERROR');
          const status: StatusBody = event.object;
          assert.equal(status.code, 410);
          assert.equal(status.reason, 'Expired');
        } finally {
          abort.abort();
        }
      }),
    );

    otherCase(
      'a streaming list sends an ADDED per object, then a BOOKMARK annotated k8s.io/initial-events-end, then changes',
      withTarget(async ({ client, namespace }) => {
        const configMaps = client.resource(ConfigMap);
        const run = unique('run');
        await configMaps.create(configMap(`${run}-1`, {}, { run }), { namespace });
        await configMaps.create(configMap(`${run}-2`, {}, { run }), { namespace });
        const abort = new AbortController();
        try {
          const events = new EventReader(
            await configMaps.watch({
              namespace,
              labelSelector: `run=${run}`,
              sendInitialEvents: true,
              resourceVersionMatch: 'NotOlderThan',
              allowWatchBookmarks: true,
              signal: abort.signal,
            }),
          );
          const initial = [await events.next('ADDED'), await events.next('ADDED')];
          assert.deepEqual(initial.map((e) => [e.type, nameOf(e)]).sort(), [
            ['ADDED', `${run}-1`],
            ['ADDED', `${run}-2`],
          ]);
          const bookmark = await events.next('BOOKMARK');
          assert.equal(bookmark.type, 'BOOKMARK');
          if (bookmark.type === 'BOOKMARK') {
            assert.equal(bookmark.object.metadata.annotations?.['k8s.io/initial-events-end'], 'true');
            assert.match(bookmark.object.metadata.resourceVersion ?? '', /^\d+$/);
          }
          await configMaps.delete(`${run}-1`, { namespace });
          const deleted = await events.nextChange('DELETED');
          assert.deepEqual([deleted.type, nameOf(deleted)], ['DELETED', `${run}-1`]);
        } finally {
          abort.abort();
        }
      }),
    );
  });
}
