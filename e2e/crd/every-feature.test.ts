// A CRD with every feature Capstan supports, installed on a real API server: accepted with strict field
// validation and stored as generated; objects that break a bound, an enum, a pattern or a CEL rule are
// refused with 422 and the rule's own message; the server applies the declared defaults; kubectl shows
// the printer columns and explains the fields with their descriptions.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Type from 'typebox';
import Value from 'typebox/value';
import { ApiError } from '../../src/client/index.ts';
import { crdFor, type CustomResourceDefinition, type SpecOf } from '../../src/crd/index.ts';
import { eventually } from '../../src/testing/index.ts';
import { sharedCluster, uniqueName } from '../support/cluster.ts';
import { Gadget, Setting } from './gadget.ts';
import { installCrd, kubectl } from './support.ts';

const cluster = await sharedCluster();
const ns = uniqueName('crd-every');
const gadgets = `/apis/${Gadget.group}/v1/namespaces/${ns}/gadgets`;
const cleanups: Array<() => Promise<void>> = [];

type GadgetSpec = SpecOf<typeof Gadget>;
const create = (name: string, spec: Partial<GadgetSpec> & Record<string, unknown>) =>
  cluster.admin.request<{ spec: GadgetSpec; metadata: { name: string } }>({
    method: 'POST',
    path: gadgets,
    query: { fieldValidation: 'Strict' },
    body: { apiVersion: Gadget.apiVersion, kind: 'Gadget', metadata: { name }, spec: { name: 'g', ...spec } },
  });

/** The 422 a write is refused with: the status message and its causes. */
async function refusal(
  write: Promise<unknown>,
): Promise<{ message: string; causes: Array<{ field?: string; reason?: string; message?: string }> }> {
  try {
    await write;
  } catch (err) {
    assert.ok(err instanceof ApiError, String(err));
    assert.equal(err.httpStatus, 422, err.message);
    assert.equal(err.code, 'INVALID');
    assert.equal(err.reason, 'Invalid');
    return { message: err.status.message ?? '', causes: err.status.details?.causes ?? [] };
  }
  assert.fail('the API server accepted an invalid object');
}

describe('a CRD with every supported feature', () => {
  before(async () => {
    await cluster.admin.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } } });
    cleanups.push(() => cluster.admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` }));
    cleanups.push(await installCrd(cluster, crdFor(Gadget)));
    cleanups.push(await installCrd(cluster, crdFor(Setting)));
  });

  // In the suite, so that it runs before the shared cluster's client is closed at the end of the file.
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  test('is stored exactly as generated', async () => {
    const stored = await cluster.admin.request<CustomResourceDefinition>({
      path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crdFor(Gadget).metadata.name}`,
    });
    const [version] = stored.spec.versions;
    assert.deepEqual(version?.schema, crdFor(Gadget).spec.versions[0]?.schema);
    assert.deepEqual(version?.additionalPrinterColumns, Gadget.printerColumns);
    assert.deepEqual(version?.subresources, {
      status: {},
      scale: { specReplicasPath: '.spec.size', statusReplicasPath: '.status.replicas' },
    });
    assert.deepEqual(stored.spec.names, { ...Gadget.names });
  });

  test('accepts a valid object using every field, and the object matches the declared static type', async () => {
    const spec = {
      name: 'full',
      size: 5,
      ratio: 0.5,
      mode: 'fast',
      level: 'high',
      contact: 'ops@example.com',
      port: 'http',
      maxUnavailable: '25%',
      nickname: null,
      tags: ['a', 'b'],
      ports: [
        { name: 'http', port: 80 },
        { name: 'https', port: 443 },
      ],
      steps: ['one'],
      labels: { team: 'core' },
      selector: { app: 'x' },
      values: { nested: { anything: [1, 'two'] } },
      template: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'made' }, data: { k: 'v' } },
      source: { kind: 'oci', image: 'registry/image' },
      limits: { min: 1, max: 2 },
      id: 'abc',
    } satisfies GadgetSpec;
    const created = await create('full', spec);
    assert.deepEqual(created.spec, spec);
    assert.ok(Value.Check(Gadget.spec, created.spec), "the server's object satisfies the typebox schema");
    const list = await cluster.admin.request<{ items: Array<{ apiVersion: string; kind: string }> }>({ path: gadgets });
    assert.ok(
      list.items.every((i) => i.apiVersion === Gadget.apiVersion && i.kind === 'Gadget'),
      'list items carry apiVersion and kind',
    );
  });

  test('refuses objects that break bounds, enums and patterns, with 422 and the failing field', async () => {
    const cases: Array<[Partial<GadgetSpec> & Record<string, unknown>, string, RegExp]> = [
      [{ size: 11 }, 'spec.size', /less than or equal to 10/],
      [{ name: 'a'.repeat(21) }, 'spec.name', /may not be more than 20/],
      [{ ratio: 0 }, 'spec.ratio', /greater than 0/],
      [{ tags: ['a', 'b', 'c', 'd', 'e', 'f'] }, 'spec.tags', /must have at most 5 items/],
      [{ mode: 'turbo' as 'fast' }, 'spec.mode', /Unsupported value: "turbo"/],
      [{ level: 'medium' as 'low' }, 'spec.level', /Unsupported value: "medium"/],
      [{ name: 'Bad_Name' }, 'spec.name', /should match '\^\[a-z\]\[a-z0-9-\]\*\$'/],
      [{ maxUnavailable: '25' }, 'spec.maxUnavailable', /should match/],
      [
        {
          ports: [
            { name: 'a', port: 1 },
            { name: 'a', port: 2 },
          ],
        },
        'spec.ports[1]',
        /Duplicate value/,
      ],
      [{ tags: ['x', 'x'] }, 'spec.tags[1]', /Duplicate value/],
      [{ source: { kind: 'git', image: 'i' } as unknown as GadgetSpec['source'] }, 'spec.source.url', /Required value/],
    ];
    for (const [i, [spec, field, message]] of cases.entries()) {
      const { causes } = await refusal(create(`bad-${i}`, spec));
      assert.ok(
        causes.some((c) => c.field === field && message.test(c.message ?? '')),
        `${field}: ${JSON.stringify(causes)}`,
      );
    }
  });

  test("refuses objects that break CEL rules, with the rule's message, reason and fieldPath", async () => {
    const limits = await refusal(create('cel-limits', { limits: { min: 5, max: 1 } }));
    assert.deepEqual(
      limits.causes.map((c) => [c.field, c.reason, c.message]),
      [['spec.limits.min', 'FieldValueInvalid', 'Invalid value: min must not exceed max']],
    );
    const tags = await refusal(create('cel-tags', { name: 'toaster', tags: ['forbidden'] }));
    assert.deepEqual(
      tags.causes.map((c) => [c.field, c.reason, c.message]),
      [['spec.tags', 'FieldValueForbidden', 'Forbidden: the tag forbidden is not allowed on toaster']],
    );
    const root = await refusal(create('a-gadget-name-longer-than-thirty', {}));
    assert.match(root.message, /gadget names have at most 30 characters/);
    await create('with-id', { id: 'one' });
    const transition = await refusal(
      cluster.admin.request({
        method: 'PATCH',
        path: `${gadgets}/with-id`,
        contentType: 'application/merge-patch+json',
        body: { spec: { id: 'two' } },
      }),
    );
    assert.ok(
      transition.causes.some((c) => c.field === 'spec.id' && /id is immutable/.test(c.message ?? '')),
      JSON.stringify(transition.causes),
    );
  });

  test('applies defaults: missing fields, and a spec left out entirely', async () => {
    const created = await create('defaults', {});
    assert.equal(created.spec.size, 3);
    assert.equal(created.spec.mode, 'safe');
    const setting = await cluster.admin.request<{ spec: unknown }>({
      method: 'POST',
      path: `/apis/${Setting.group}/v1/namespaces/${ns}/settings`,
      body: { apiVersion: Setting.apiVersion, kind: 'Setting', metadata: { name: 'bare' } },
    });
    assert.deepEqual(setting.spec, { level: 2, flags: { verbose: false } });
  });

  test('status and scale are subresources', async () => {
    const withStatus = await cluster.admin.request<{ status?: unknown; metadata: { resourceVersion: string } }>({
      method: 'POST',
      path: gadgets,
      body: {
        apiVersion: Gadget.apiVersion,
        kind: 'Gadget',
        metadata: { name: 'sub' },
        spec: { name: 'sub', size: 4 },
        status: { replicas: 9 },
      },
    });
    assert.equal(withStatus.status, undefined, 'status is ignored on the main resource');
    await cluster.admin.request({
      method: 'PATCH',
      path: `${gadgets}/sub/status`,
      contentType: 'application/merge-patch+json',
      body: { status: { replicas: 2 } },
    });
    const scale = await cluster.admin.request<{ spec: { replicas: number }; status: { replicas: number } }>({
      path: `${gadgets}/sub/scale`,
    });
    assert.deepEqual([scale.spec.replicas, scale.status.replicas], [4, 2]);
  });

  test('kubectl get shows the printer columns; the short name and category work', async () => {
    await create('shown', { name: 'shown', size: 7, mode: 'fast' });
    const ready = {
      type: 'Ready',
      status: 'True',
      reason: 'Built',
      message: '',
      lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    };
    await cluster.admin.request({
      method: 'PATCH',
      path: `${gadgets}/shown/status`,
      contentType: 'application/merge-patch+json',
      body: { status: { conditions: [ready] } },
    });
    const [shortName] = Gadget.names.shortNames ?? [];
    const out = await kubectl(cluster, ['get', shortName ?? 'missing', 'shown', '-n', ns]);
    const [header, row] = out.trim().split('\n');
    assert.deepEqual(header?.split(/\s+/), ['NAME', 'GADGET', 'SIZE', 'MODE', 'READY', 'AGE']);
    assert.match(row ?? '', /^shown\s+shown\s+7\s+fast\s+True\s+\d+s$/);
    const [category] = Gadget.names.categories ?? [];
    assert.match(await kubectl(cluster, ['get', category ?? 'missing', '-n', ns, '-o', 'name']), /gadget\.[^/]+\/shown/);
  });

  test('kubectl explain shows the fields and their descriptions', async () => {
    const explained = await eventually(
      'kubectl explain to know the kind',
      async () => {
        const out = await kubectl(cluster, ['explain', 'gadgets.spec', `--api-version=${Gadget.apiVersion}`]);
        return out.includes('FIELDS') ? out : undefined;
      },
      { timeoutMs: 60_000 },
    );
    for (const text of ['The gadget name, a DNS label.', 'How big the gadget is.', 'Speed or safety.', 'Passed through untouched.']) {
      assert.ok(explained.includes(text), `explain lacks ${JSON.stringify(text)}:\n${explained}`);
    }
    assert.match(explained, /name\s+<string> -required-/);
    assert.match(explained, /mode\s+<string>/);
    const kind = await kubectl(cluster, ['explain', 'gadgets', `--api-version=${Gadget.apiVersion}`]);
    assert.ok(kind.includes('A gadget with every schema feature Capstan supports.'), kind);
  });
});

test('Type.Object as typebox writes it needs the converter: the same spec unconverted is refused', async () => {
  const raw = { ...crdFor(Setting), metadata: { name: `settings.raw.${Setting.group}` } };
  raw.spec = { ...raw.spec, group: `raw.${Setting.group}` };
  const spec = JSON.parse(JSON.stringify(Type.Object({ mode: Type.Union([Type.Literal('a'), Type.Literal('b')]) }))) as never;
  raw.spec.versions = raw.spec.versions.map((v) => ({ ...v, schema: { openAPIV3Schema: { type: 'object', properties: { spec } } } }));
  await assert.rejects(
    cluster.admin.request({
      method: 'POST',
      path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
      query: { fieldValidation: 'Strict', dryRun: 'All' },
      body: raw,
    }),
    (err) => err instanceof ApiError && err.httpStatus === 400,
  );
});
