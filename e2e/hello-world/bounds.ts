// spec.name's bound: the longest allowed value, written the worst way for kubectl's JSON, goes through
// `kubectl apply` and into the ConfigMap; what breaks the schema is refused by the API server with a clear
// message; and with a CRD installed without the bound, an over-long value fails only its own HelloWorld,
// safely and with backoff.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'yaml';
import { type AuditEvent, eventually, type RunningOperator } from '../../src/testing/index.ts';
import { maxNameLength } from '../../examples/hello-world/src/api/hello-world.ts';
import { HelloWorld, readyCondition, type Scenario } from './scenario.ts';
import { crdName, exampleRoot, kubectl, operatorUser, runKubectl } from './support.ts';

const lastApplied = 'kubectl.kubernetes.io/last-applied-configuration';

/** Characters kubectl's JSON encoder (Go's encoding/json) writes as 6-byte escapes: controls, HTML, line separators. */
const sixByteCharacters = ['\u0001', '<', '>', '&', '\u2028', '\u2029', '\u001f'];

function manifest(name: string, spec: unknown): string {
  return JSON.stringify({ apiVersion: HelloWorld.apiVersion, kind: 'HelloWorld', metadata: { name }, spec });
}

export async function longestValue(s: Scenario): Promise<void> {
  const ns = await s.namespace('hw-longest');
  const value = (offset: number) =>
    Array.from({ length: maxNameLength }, (_, i) => sixByteCharacters[(i + offset) % sixByteCharacters.length]).join('');
  for (const [offset, verb] of [
    [0, 'created'],
    [1, 'configured'],
  ] as const) {
    const name = value(offset);
    assert.equal([...name].length, maxNameLength);
    assert.match(
      await s.kubectl(ns, ['apply', '-f', '-'], { input: manifest('longest', { name }) }),
      new RegExp(`^helloworld\\.apps\\.example\\.com/longest ${verb}$`, 'm'),
    );
    await eventually(
      'the ConfigMap to carry the whole value',
      async () => ((await s.configMap(ns, 'longest'))?.data?.['message'] === name ? true : undefined),
      { timeoutMs: 30_000 },
    );
    const { object, condition } = await s.ready(ns, 'longest', { status: 'True', reason: 'Reconciled' });
    assert.equal(object.spec.name, name);
    const annotation = object.metadata.annotations?.[lastApplied] ?? '';
    const annotationBytes = Buffer.byteLength(annotation);
    assert.ok(annotationBytes > maxNameLength * 6, `every character was escaped in 6 bytes (${annotationBytes} bytes)`);
    assert.ok(annotationBytes <= 256 * 1024);
    process.stdout.write(
      `# longest spec.name (${maxNameLength} characters, ${Buffer.byteLength(name)} bytes of UTF-8): last-applied annotation ${annotationBytes} of 262144 bytes\n`,
    );
    assert.ok(!condition.message.includes(name));
  }
}

export async function invalidResources(s: Scenario): Promise<void> {
  const ns = await s.namespace('hw-invalid');
  const cases: Array<{ what: string; spec: unknown; flags?: string[]; refusal: RegExp }> = [
    { what: 'missing spec.name', spec: {}, refusal: /spec\.name: Required value/ },
    {
      what: 'spec.name of the wrong type',
      spec: { name: 42 },
      refusal: /spec\.name: Invalid value: "integer": spec\.name in body must be of type string: "integer"/,
    },
    {
      what: 'an empty spec.name',
      spec: { name: '' },
      refusal: /spec\.name: Invalid value: "": spec\.name in body should be at least 1 chars long/,
    },
    {
      what: 'a spec.name one character too long',
      spec: { name: 'x'.repeat(maxNameLength + 1) },
      refusal: new RegExp(`spec\\.name: Too long: may not be (more than|longer than) ${maxNameLength}`),
    },
    {
      what: 'an unknown field',
      spec: { name: 'hi', colour: 'red' },
      flags: ['--validate=strict'],
      refusal: /unknown field "spec\.colour"/,
    },
  ];
  for (const [i, c] of cases.entries()) {
    const result = await runKubectl(s.adminKubeconfig, ['apply', ...(c.flags ?? []), '-f', '-', `--namespace=${ns}`], {
      input: manifest(`invalid-${i}`, c.spec),
    });
    assert.notEqual(result.code, 0, `${c.what} is refused`);
    assert.match(result.stderr, c.refusal, `${c.what}: ${result.stderr.slice(0, 500)}`);
    // Schema violations name the object; an unknown field is refused while decoding, before it has a name.
    assert.match(
      result.stderr,
      c.flags ? /HelloWorld/ : new RegExp(`HelloWorld.*"invalid-${i}"`),
      `${c.what}: the message names what was refused`,
    );
    process.stdout.write(`# ${c.what}: ${result.stderr.trim().slice(0, 300)}\n`);
  }
  assert.equal((await s.cluster.admin.resource(HelloWorld).list({ namespace: ns })).items.length, 0, 'nothing was stored');
}

/**
 * A CRD installed without spec.name's maxLength (an old or hand-edited one): a value over the ConfigMap's
 * 1 MiB fails the ConfigMap write, the HelloWorld says why with the API error's reason, the write is retried
 * with backoff, the value appears whole nowhere but in the HelloWorld, and other HelloWorlds carry on.
 */
export async function unboundedCrd(s: Scenario, operator: RunningOperator): Promise<void> {
  const ns = await s.namespace('hw-unbounded');
  const crd = parse(await readFile(`${exampleRoot}/config/crd/${crdName}.yaml`, 'utf8')) as {
    spec: { versions: Array<{ schema: { openAPIV3Schema: { properties: { spec: { properties: { name: Record<string, unknown> } } } } } }> };
  };
  delete crd.spec.versions[0]!.schema.openAPIV3Schema.properties.spec.properties.name['maxLength'];
  await kubectl(s.adminKubeconfig, ['apply', '-f', '-'], { input: JSON.stringify(crd) });
  const huge = 'x'.repeat(1024 * 1024 + 1);
  const accepted = async (name: string) =>
    s.cluster.admin
      .resource(HelloWorld)
      .create(
        { apiVersion: HelloWorld.apiVersion, kind: 'HelloWorld', metadata: { name: 'probe' }, spec: { name } },
        { namespace: ns, dryRun: true },
      )
      .then(
        () => true,
        () => false,
      );
  try {
    await eventually('the API server to serve the unbounded schema', async () => ((await accepted(huge)) ? true : undefined), {
      timeoutMs: 30_000,
    });
    const startedAt = new Date();
    await s.cluster.admin
      .resource(HelloWorld)
      .create(
        { apiVersion: HelloWorld.apiVersion, kind: 'HelloWorld', metadata: { name: 'too-long' }, spec: { name: huge } },
        { namespace: ns },
      );

    const { condition } = await s.ready(ns, 'too-long', { status: 'False', reason: 'Invalid' });
    assert.match(condition.message, /^could not write ConfigMap too-long: ConfigMap "too-long" is invalid: .*Too long/);
    assert.ok(condition.message.length < 1024, `a short message (${condition.message.length} characters)`);
    const warning = await s.event(ns, 'too-long', 'Warning', 'Invalid');
    assert.ok((warning.note ?? '').length <= 1024 && !(warning.note ?? '').includes('x'.repeat(1000)));
    assert.equal(await s.configMap(ns, 'too-long'), undefined);

    // Meanwhile another HelloWorld of the namespace is served as usual.
    await s.cluster.admin
      .resource(HelloWorld)
      .create(
        { apiVersion: HelloWorld.apiVersion, kind: 'HelloWorld', metadata: { name: 'neighbour' }, spec: { name: 'fine' } },
        { namespace: ns },
      );
    await s.ready(ns, 'neighbour', { status: 'True', reason: 'Reconciled' }, 10_000);
    assert.equal((await s.configMap(ns, 'neighbour'))?.data?.['message'], 'fine');

    // Backoff: the refused applies come further and further apart. Measured from one refusal's answer to the next
    // attempt (a megabyte's round trip on a loaded machine is as long as the first backoff steps, and varies).
    await sleep(8_000);
    const attempts = (await s.cluster.auditEvents())
      .filter(
        (e: AuditEvent) =>
          e.user.username === operatorUser &&
          e.stage === 'ResponseComplete' &&
          e.verb === 'patch' && // server-side apply creates the ConfigMap
          e.objectRef?.resource === 'configmaps' &&
          e.objectRef.namespace === ns &&
          e.responseStatus?.code === 422 &&
          new Date(e.requestReceivedTimestamp) >= startedAt,
      )
      .map((e) => ({ sent: Date.parse(e.requestReceivedTimestamp), answered: Date.parse(e.stageTimestamp) }));
    const gaps = attempts.slice(1).map((a, i) => a.sent - attempts[i]!.answered);
    process.stdout.write(
      `# unbounded CRD: ${attempts.length} refused ConfigMap writes in the first ~10 s, from an answer to the next attempt ${gaps.join(', ')} ms\n`,
    );
    assert.ok(attempts.length >= 3 && attempts.length <= 20, `retried with backoff, not in a tight loop (${attempts.length} attempts)`);
    // The backoff starts at 5 ms and doubles: the early waits are mostly the reconcile's own status write; the last,
    // past a second. (The first wait also holds the first Warning Event's creation: not a backoff step.)
    const first = Math.max(...gaps.slice(1, 4));
    assert.ok(gaps.at(-1)! >= 1000 && gaps.at(-1)! >= 2 * first, `the waits grow: ${gaps.join(', ')}`);

    // Nowhere but in the HelloWorld itself: not in a condition, an event, a label, or a log line.
    const object = await s.helloWorld(ns, 'too-long');
    assert.ok(!JSON.stringify(object.status).includes('x'.repeat(1000)));
    assert.ok(!JSON.stringify(object.metadata.labels ?? {}).includes('x'.repeat(64)));
    assert.ok(
      operator.logs.every((line) => line.length < 10_000),
      'no log line carries the value',
    );
    assert.equal(readyCondition(await s.helloWorld(ns, 'neighbour'))?.status, 'True');
  } finally {
    await s.cluster.admin
      .resource(HelloWorld)
      .delete('too-long', { namespace: ns })
      .catch(() => undefined);
    await kubectl(s.adminKubeconfig, ['apply', '-f', `config/crd/${crdName}.yaml`]);
    await eventually('the bound to be back', async () => ((await accepted('x'.repeat(maxNameLength + 1))) ? undefined : true), {
      timeoutMs: 30_000,
    });
  }
}
