// Issue 10, "Bad input": careless or hostile input never loses or corrupts a ConfigMap. Random sequences of
// creates, updates, deletes and same-name recreates (fast-check, model-based); strings that break naive
// YAML, templating or terminals, and the longest multi-byte value, through `kubectl apply`; a status forged
// by a user; a delete and recreate within a second. One control plane and one operator for the file, the
// operator under its generated RBAC through the fault proxy (passing everything), and zero 403s at the end.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { isNotFound } from '../../src/client/index.ts';
import type { Condition } from '../../src/core/index.ts';
import { ConfigMap } from '../../src/kinds/core/v1.ts';
import { maxNameLength } from '../../examples/hello-world/src/api/hello-world.ts';
import { eventually, type RunningOperator } from '../../src/testing/index.ts';
import { kubectl, runKubectl } from '../hello-world/support.ts';
import { awkwardStrings } from './awkward-strings.ts';
import { kubectlYaml } from './kubectl-yaml.ts';
import { assertMatchesModel, helloWorldCommands, type HelloWorldModel, type Namespace } from './helloworld-model.ts';
import { HelloWorld, logLines, long, managedBy, requestLog, requestsInFlight, Rig, Timeline } from './rig.ts';

/**
 * How long a namespace may take to converge once its last change is made. A reconcile first waits up to
 * the controller's read-your-writes timeout (5 s, `readYourWritesTimeoutMs`) for the cache to show its last
 * write; a conflict is retried with the queue's backoff, 5 ms doubling (8 retries in a row: 1.3 s); plus a
 * margin of 5 s for watch delivery, the garbage collector and a loaded 2-core machine.
 */
const convergeAfterChangesMs = 5_000 + 5 * (2 ** 8 - 1) + 5_000;
/**
 * A forged status is repaired by the reconcile its update event triggers: no backoff and no waiting for
 * the cache (its last write is long in the cache), so watch delivery plus one reconcile, within a margin of 5 s.
 */
const repairForgedStatusMs = 5_000;
/**
 * kube-controller-manager's garbage collector learns a CRD created after it started when it rereads
 * discovery, every 30 s; then it deletes a dependent at once. 90 s allows for a rediscovery and retries.
 */
const garbageCollectorDiscoveryMs = 90_000;
/** Deleting a HelloWorld: the garbage collector deletes its ConfigMap at once (see the probe); a margin of 10 s. */
const cascadeMs = 10_000;
/** Bulk writes: each awkward HelloWorld costs about 3 requests (ConfigMap, status, event) of at most 100 ms on a loaded machine, 4 workers. */
const perObjectMs = (3 * 100) / 4;

const propertyRuns = long ? 200 : 10;
/**
 * A failing run is shrunk by running smaller cases, each of which may wait the whole convergence bound:
 * fast-check stops after this long and reports the smallest failing case found so far (seed, path and
 * replayPath included) rather than let the test's timeout swallow the report. Passing runs take about a
 * second each.
 */
const propertyTimeLimitMs = long ? 3_000_000 : 240_000;
const recreateRounds = long ? 20 : 5;
const adminWrites = { propagationPolicy: 'Background' } as const;

let rig: Rig;
let operator: RunningOperator;

before(async () => {
  rig = await Rig.start();
  operator = await rig.startOperator();
  await rig.leading(operator);
  const took = await garbageCollectorFollowsHelloWorlds();
  process.stdout.write(`# the garbage collector deleted a probe HelloWorld's ConfigMap ${took} ms after the HelloWorld\n`);
});

after(async () => {
  await rig?.stop();
});

/** Probe once that deleting a HelloWorld cascades to its ConfigMap (see garbageCollectorDiscoveryMs). */
async function garbageCollectorFollowsHelloWorlds(): Promise<number> {
  const namespace = await rig.namespace('gc-probe');
  const [name] = await rig.createHelloWorlds(namespace, 1, { prefix: 'probe' });
  await rig.converged([namespace], garbageCollectorDiscoveryMs);
  const deletedAt = Date.now();
  await rig.admin.resource(HelloWorld).delete(name!, { namespace, ...adminWrites });
  await eventually(
    "the garbage collector to delete the probe's ConfigMap",
    async () => ((await configMap(namespace, name!)) ? undefined : true),
    { timeoutMs: garbageCollectorDiscoveryMs },
  );
  const took = Date.now() - deletedAt;
  await emptyAndDelete(namespace);
  return took;
}

async function configMap(namespace: string, name: string): Promise<ConfigMap | undefined> {
  return rig.admin
    .resource(ConfigMap)
    .get(name, { namespace })
    .catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
}

/**
 * Delete the namespace's HelloWorlds, wait until they and their ConfigMaps are gone, then delete the
 * namespace without waiting for the namespace controller. In that order because a namespace being
 * terminated refuses new objects with 403 (NamespaceLifecycle): deleted first, it would refuse the
 * ConfigMaps and Events the operator writes for HelloWorlds not yet deleted, and those 403s would count.
 */
async function emptyAndDelete(namespace: string): Promise<void> {
  await rig.admin.request({
    method: 'DELETE',
    path: `/apis/${HelloWorld.group}/${HelloWorld.version}/namespaces/${namespace}/helloworlds`,
  });
  await eventually(
    `the HelloWorlds of ${namespace} and their ConfigMaps to be gone`,
    async () => {
      const left =
        (await rig.admin.resource(HelloWorld).listAll({ namespace })).items.length +
        (await rig.admin.resource(ConfigMap).listAll({ namespace, labelSelector: `app.kubernetes.io/managed-by=${managedBy}` })).items
          .length;
      return left === 0 ? true : undefined;
    },
    { timeoutMs: cascadeMs },
  );
  // The operator's last Events (written in the background; a series update 500 ms after its last
  // occurrence) must be out too: wait until it has been quiet in the namespace for 2 s (margin for load), with
  // no request in flight (the request log shows a request once answered: one still on its way is seen only by
  // the operator's in-flight gauge).
  const quietMs = 2_000;
  await eventually(
    `the operator to finish its writes in ${namespace}`,
    async () => {
      const done = rig.operators
        .flatMap((op) => requestLog(op))
        .filter((r) => r.path.includes(`/namespaces/${namespace}/`))
        .map((r) => r.startedAt + r.durationMs);
      if (Date.now() - Math.max(0, ...done) < quietMs) return undefined;
      for (const op of rig.operators) if (op.running && requestsInFlight(await op.metrics()) > 0) return undefined;
      return true;
    },
    { timeoutMs: 30_000 },
  );
  await rig.admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${namespace}` });
}

function manifest(name: string, specName: string): HelloWorld {
  return { apiVersion: HelloWorld.apiVersion, kind: 'HelloWorld', metadata: { name }, spec: { name: specName } };
}

function ready(object: HelloWorld): Condition | undefined {
  return object.status?.conditions?.find((c) => c.type === 'Ready');
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

test('property: random creates, updates, deletes and same-name recreates converge to the model', {
  timeout: propertyTimeLimitMs + 120_000,
}, async () => {
  const seed = process.env['CAPSTAN_PROPERTY_SEED'] !== undefined ? Number(process.env['CAPSTAN_PROPERTY_SEED']) : Date.now() % 2 ** 31;
  const path = process.env['CAPSTAN_PROPERTY_PATH'];
  const replayPath = process.env['CAPSTAN_PROPERTY_REPLAY_PATH'];
  process.stdout.write(
    `# property: seed ${seed}, ${propertyRuns} runs${path ? `, replaying path ${path}` : ''} ` +
      '(replay a failure with CAPSTAN_PROPERTY_SEED, CAPSTAN_PROPERTY_PATH and CAPSTAN_PROPERTY_REPLAY_PATH from its report)\n',
  );
  const convergence: number[] = [];
  const ran = new Map<string, number>();
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(helloWorldCommands({ maxCommands: 15, replayPath }), async ({ commands }) => {
      runs++;
      const timeline = new Timeline();
      const namespace = await rig.namespace('prop');
      const real: Namespace = { admin: rig.admin, namespace, ran: [] };
      const model: HelloWorldModel = { helloWorlds: new Map() };
      await fc.asyncModelRun(() => ({ model, real }), commands);
      const changedAt = timeline.mark(`ran in ${namespace}: ${real.ran.join('; ')}`);
      for (const verb of real.ran.map((c) => c.split(' ')[0]!)) ran.set(verb, (ran.get(verb) ?? 0) + 1);
      const convergedAt = await rig.converged([namespace], convergeAfterChangesMs, timeline);
      await assertMatchesModel(model, real);
      convergence.push(convergedAt - changedAt);
      // Only after a run that passed: a failed one is left as it is, to be looked at.
      await emptyAndDelete(namespace);
    }),
    {
      seed,
      path,
      numRuns: propertyRuns,
      verbose: fc.VerbosityLevel.Verbose,
      endOnFailure: path !== undefined,
      interruptAfterTimeLimit: propertyTimeLimitMs,
      markInterruptAsFailure: true,
    },
  );
  process.stdout.write(
    `# property: ${runs} runs, commands run: ${[...ran].map(([c, n]) => `${c} ${n}`).join(', ')}; ` +
      `converged after the last change in median ${median(convergence)} ms, at most ${Math.max(...convergence)} ms (bound ${convergeAfterChangesMs} ms)\n`,
  );
  assert.equal(convergence.length, runs, 'every run converged and was checked');
});

test('awkward strings (Unicode, emoji, right-to-left, newlines, controls, templates, YAML specials) go through kubectl apply byte for byte', {
  timeout: 240_000,
}, async () => {
  const namespace = await rig.namespace('awkward');
  const timeline = new Timeline();
  const names = awkwardStrings.map((_, i) => `text-${i}`);
  // First each value is created, then each HelloWorld is changed to the next value: create and update paths.
  for (const [shift, verb] of [
    [0, 'created'],
    [1, 'configured'],
  ] as const) {
    const sent = names.map((_, i) => awkwardStrings[(i + shift) % awkwardStrings.length]!);
    const output = await kubectl(rig.cp.kubeconfigPath, ['apply', '-f', '-', `--namespace=${namespace}`], {
      input: kubectlYaml(names.map((name, i) => manifest(name, sent[i]!.value))),
    });
    for (const name of names) assert.match(output, new RegExp(`^helloworld\\.apps\\.example\\.com/${name} ${verb}$`, 'm'));
    timeline.mark(`kubectl apply: ${names.length} ${verb}`);
    await rig.converged([namespace], convergeAfterChangesMs + names.length * perObjectMs, timeline);
    const helloWorlds = new Map((await rig.admin.resource(HelloWorld).listAll({ namespace })).items.map((h) => [h.metadata.name!, h]));
    const configMaps = new Map((await rig.admin.resource(ConfigMap).listAll({ namespace })).items.map((c) => [c.metadata.name!, c]));
    const wrong: string[] = [];
    for (const [i, name] of names.entries()) {
      const { what, value } = sent[i]!;
      const stored = Buffer.from(helloWorlds.get(name)?.spec.name ?? '', 'utf8');
      const message = Buffer.from(configMaps.get(name)?.data?.['message'] ?? '', 'utf8');
      const expected = Buffer.from(value, 'utf8');
      if (!stored.equals(expected))
        wrong.push(`${name} (${what}): spec.name ${JSON.stringify(stored.toString())} ≠ sent ${JSON.stringify(value)}`);
      if (!message.equals(expected))
        wrong.push(`${name} (${what}): data.message ${JSON.stringify(message.toString())} ≠ sent ${JSON.stringify(value)}`);
    }
    assert.deepEqual(wrong, [], timeline.explain(`${wrong.length} values changed on the way`));
    process.stdout.write(
      `# awkward strings, ${verb}: ${names.length} values checked byte for byte in spec.name and data.message ` +
        `(${sent.reduce((n, s) => n + Buffer.byteLength(s.value), 0)} bytes in all)\n`,
    );
  }
  await emptyAndDelete(namespace);
});

test('the longest spec.name of 4-byte characters goes through kubectl apply whole; the bound counts characters, not bytes', {
  timeout: 180_000,
}, async () => {
  const namespace = await rig.namespace('longest-astral');
  const timeline = new Timeline();
  for (const [emoji, verb] of [
    ['😀', 'created'],
    ['🦀', 'configured'],
  ] as const) {
    const value = emoji.repeat(maxNameLength);
    const output = await kubectl(rig.cp.kubeconfigPath, ['apply', '-f', '-', `--namespace=${namespace}`], {
      input: kubectlYaml([manifest('longest', value)]),
    });
    assert.match(output, new RegExp(`^helloworld\\.apps\\.example\\.com/longest ${verb}$`, 'm'));
    timeline.mark(`kubectl apply: ${verb} with ${maxNameLength} × ${emoji}`);
    await rig.converged([namespace], convergeAfterChangesMs, timeline);
    const object = await rig.admin.resource(HelloWorld).get('longest', { namespace });
    const message = (await configMap(namespace, 'longest'))?.data?.['message'] ?? '';
    assert.ok(Buffer.from(object.spec.name, 'utf8').equals(Buffer.from(value, 'utf8')), 'spec.name is stored as sent');
    assert.ok(Buffer.from(message, 'utf8').equals(Buffer.from(value, 'utf8')), 'data.message is byte for byte spec.name');
    assert.equal(ready(object)?.message, `ConfigMap longest carries spec.name (${maxNameLength} characters) as data.message`);
    const annotationBytes = Buffer.byteLength(object.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'] ?? '');
    assert.ok(annotationBytes > Buffer.byteLength(value), 'kubectl kept the whole manifest in its annotation');
    process.stdout.write(
      `# longest 4-byte spec.name, ${verb}: ${[...value].length} characters, ${value.length} UTF-16 units, ${Buffer.byteLength(value)} bytes, ` +
        `byte for byte in the ConfigMap; last-applied annotation ${annotationBytes} of 262144 bytes\n`,
    );
  }
  // One more character is refused: the CRD's maxLength counts code points (the accepted value had 4 bytes and 2 UTF-16 units each).
  const over = await runKubectl(rig.cp.kubeconfigPath, ['apply', '-f', '-', `--namespace=${namespace}`], {
    input: kubectlYaml([manifest('over', '😀'.repeat(maxNameLength + 1))]),
  });
  assert.notEqual(over.code, 0, 'one character over the bound is refused');
  assert.match(over.stderr, new RegExp(`spec\\.name: Too long: may not be (more than|longer than) ${maxNameLength}`));
  // (The API server's message says "bytes", but what it counts are code points: 65,536 bytes were accepted above.)
  process.stdout.write(
    `# ${maxNameLength + 1} 4-byte characters (${(maxNameLength + 1) * 4} bytes) refused: ${over.stderr.trim().slice(0, 200)}\n`,
  );
  await emptyAndDelete(namespace);
});

test('a status forged by a user (Ready=False, a wrong observedGeneration, a bogus message) is repaired by the reconcile its update triggers', {
  timeout: 120_000,
}, async () => {
  const namespace = await rig.namespace('forged');
  const timeline = new Timeline();
  const [name] = await rig.createHelloWorlds(namespace, 1, { prefix: 'forged' });
  await rig.converged([namespace], convergeAfterChangesMs, timeline);
  const honest = await rig.admin.resource(HelloWorld).get(name!, { namespace });
  const configMapBefore = await configMap(namespace, name!);
  const generation = honest.metadata.generation!;

  const forgedAt = timeline.mark('the admin forges the status');
  const bogus = 'bogus: the ConfigMap was deleted by a forged status';
  const forgedStatus = {
    observedGeneration: generation + 7,
    conditions: [
      {
        type: 'Ready',
        status: 'False',
        reason: 'Forged',
        message: bogus,
        observedGeneration: generation + 7,
        lastTransitionTime: new Date(forgedAt).toISOString().replace(/\.\d+Z$/, 'Z'),
      },
    ],
  };
  await kubectl(rig.cp.kubeconfigPath, [
    'patch',
    'helloworld',
    name!,
    `--namespace=${namespace}`,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({ status: forgedStatus }),
  ]);
  const forged = await rig.admin.resource(HelloWorld).get(name!, { namespace });
  // The forge took unless the operator already repaired it; either way it changed the status only.
  assert.equal(forged.metadata.generation, generation, 'a status write leaves the generation alone');

  const repairedAt = await rig.converged([namespace], repairForgedStatusMs, timeline);
  const repaired = await rig.admin.resource(HelloWorld).get(name!, { namespace });
  const condition = ready(repaired)!;
  assert.equal(repaired.metadata.generation, generation);
  assert.equal(repaired.status?.observedGeneration, generation);
  assert.deepEqual([condition.status, condition.reason, condition.observedGeneration], ['True', 'Reconciled', generation]);
  assert.notEqual(condition.message, bogus);
  assert.ok(
    Date.parse(condition.lastTransitionTime) >= Math.floor(forgedAt / 1000) * 1000,
    'the flip back to True moved lastTransitionTime',
  );
  assert.equal(
    (await configMap(namespace, name!))?.metadata.resourceVersion,
    configMapBefore?.metadata.resourceVersion,
    'the ConfigMap was not rewritten',
  );

  // Noticed through the status update itself: a reconcile of this key after the forge, and one status write.
  // (Its log line may reach us after the repaired status does.)
  const reconcilesAfterForge = () =>
    logLines(operator).filter((l) => l.msg === 'reconciled' && l['namespace'] === namespace && l['name'] === name && l.time >= forgedAt);
  const reconciles = await eventually(
    'the operator to log a reconcile of the key after the forge',
    async () => {
      const lines = reconcilesAfterForge();
      return lines.length > 0 ? lines : undefined;
    },
    { timeoutMs: 5_000 },
  );
  const statusWrites = (await rig.auditSince(forgedAt)).filter(
    (e) =>
      e.objectRef?.resource === 'helloworlds' &&
      e.objectRef.subresource === 'status' &&
      e.objectRef.namespace === namespace &&
      e.objectRef.name === name,
  );
  assert.equal(
    statusWrites.length,
    1,
    timeline.explain(`one status write repairs it (${statusWrites.map((e) => `${e.verb} ${e.responseStatus?.code}`).join(', ')})`),
  );
  process.stdout.write(
    `# forged status (Ready=False, observedGeneration ${generation + 7}, a bogus message) repaired ${repairedAt - forgedAt} ms after the forge ` +
      `(bound ${repairForgedStatusMs} ms), with ${reconciles.length} reconciles and ${statusWrites.length} status write\n`,
  );
  await emptyAndDelete(namespace);
});

test('delete and recreate with the same name within a second: the ConfigMap is owned by the new uid, with the new message, nothing orphaned', {
  timeout: 240_000,
}, async () => {
  const namespace = await rig.namespace('recreate');
  const timeline = new Timeline();
  const client = rig.admin.resource(HelloWorld);
  const name = 'phoenix';
  await client.create(manifest(name, 'life 0'), { namespace });
  await rig.converged([namespace], convergeAfterChangesMs, timeline);
  let previous = (await configMap(namespace, name))!;
  const gaps: number[] = [];
  const took: number[] = [];
  let replacedByOperator = 0;
  for (let round = 1; round <= recreateRounds; round++) {
    const deletedAt = timeline.mark(`round ${round}: delete ${name}`);
    await client.delete(name, { namespace, ...adminWrites });
    const created = await client.create(manifest(name, `life ${round}`), { namespace });
    const createdAt = timeline.mark(`round ${round}: created again, uid ${created.metadata.uid}`);
    gaps.push(createdAt - deletedAt);
    assert.ok(createdAt - deletedAt < 1000, `deleted and recreated within a second (${createdAt - deletedAt} ms)`);

    const convergedAt = await rig.converged([namespace], convergeAfterChangesMs, timeline);
    took.push(convergedAt - createdAt);
    const current = (await configMap(namespace, name))!;
    const owner = current.metadata.ownerReferences?.find((r) => r.controller);
    assert.equal(owner?.uid, created.metadata.uid, 'the ConfigMap is controlled by the new HelloWorld');
    assert.equal(current.data?.['message'], `life ${round}`);
    assert.notEqual(
      current.metadata.uid,
      previous.metadata.uid,
      'the old ConfigMap was not adopted: it is gone and a new one took its place',
    );
    const configMaps = (await rig.admin.resource(ConfigMap).listAll({ namespace })).items;
    assert.deepEqual(
      configMaps.map((c) => c.metadata.name),
      [name],
      'no other ConfigMap is left',
    );
    // Who removed the old one: the operator (a delete guarded by the old uid) or the garbage collector.
    const deletes = (await rig.auditSince(deletedAt)).filter(
      (e) => e.verb === 'delete' && e.objectRef?.resource === 'configmaps' && e.objectRef.namespace === namespace,
    );
    if (deletes.some((e) => e.responseStatus?.code === 200)) replacedByOperator++;
    previous = current;
  }
  process.stdout.write(
    `# recreate within a second: ${recreateRounds} rounds, delete-to-create ${Math.max(...gaps)} ms at most; converged in median ${median(took)} ms, ` +
      `at most ${Math.max(...took)} ms (bound ${convergeAfterChangesMs} ms); the old ConfigMap deleted by the operator ${replacedByOperator} times, by the garbage collector ${recreateRounds - replacedByOperator}\n`,
  );
  await emptyAndDelete(namespace);
});

test('the operator was refused nothing (audit log, since waitForKind)', async () => {
  assert.deepEqual(await rig.forbidden(), []);
});
