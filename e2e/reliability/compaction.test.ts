// Fault 5 of the reliability suite: the HelloWorld operator cut off while HelloWorlds change and etcd compacts
// past everything it has seen. Its own control plane with --watch-cache=false (a resumed watch reads etcd, so a
// compacted resourceVersion is answered with 410; with the watch cache a resume is served from the cache's
// window and usually succeeds) and --etcd-compaction-interval=0 (only compactEtcd() compacts). Once the path
// returns: exactly one relist per watch, and writes only for what changed. e2e/watch/compaction.test.ts checks
// the same of a bare informer; here it is the whole operator, as its own process under its generated RBAC.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { classifyAudit, listings, watchedCollections } from './outage.ts';
import { HelloWorld, inBatches, logLines, operatorUser, reconcilesPerKey, requestLog, Rig, shipped, Timeline } from './rig.ts';

let rig: Rig;
before(async () => {
  rig = await Rig.start({ controlPlane: { apiServerFlags: ['--watch-cache=false', '--etcd-compaction-interval=0'] } });
});
after(async () => {
  await rig?.stop();
});

/** HelloWorlds converged before the cut. */
const objects = 30;
/** Before the fault: the operator's start and its first pass over the objects (not a bound under test). */
const initialConvergeMs = 60_000;
/**
 * How long the operator is cut off. Long enough for its watches to have failed and be backing off when the
 * path returns (their first delay is under 1 s). Short enough for the leader to keep its Lease, so that the
 * relists alone tell it what happened meanwhile: its last renewal before the cut came at most a retry period
 * before it, its first after the restore at most a retry period after, and 3 s are left for those requests on
 * a busy machine.
 */
const cutOffMs = shipped.renewDeadlineMs - 2 * shipped.retryPeriodMs - 3_000;
/** Slack for a loaded 2-core machine: scheduling, TLS handshakes, the end-state poll (250 ms). */
const marginMs = 10_000;
/** After convergence, time for the writes that trail it (events, the echo of our own writes). */
const settleMs = 3_000;

test('changes while the operator is cut off, then an etcd compaction: exactly one relist per watch, writes only for what changed', {
  timeout: 240_000,
}, async () => {
  const timeline = new Timeline();
  const namespace = await rig.namespace('compaction');
  const names = await rig.createHelloWorlds(namespace, objects);
  const operator = await rig.startOperator();
  await rig.leading(operator);
  timeline.mark('operator leads');
  await rig.converged([namespace], initialConvergeMs, timeline);
  await sleep(settleMs); // quiet before the cut: every write counted below is the cut's doing

  // Refuse new connections and reset the open ones: each watch breaks at once and keeps retrying from the
  // resourceVersion it last saw (a black hole would leave the watches silent until their inactivity timeout,
  // 150 s, before they noticed anything).
  rig.proxy.refuseConnections();
  rig.proxy.resetConnections();
  const cutAt = timeline.mark('operator cut off (connections refused and reset)');
  const changed = names.slice(0, 4);
  const deleted = names[4]!;
  const created = 'created-while-cut-off';
  const helloWorlds = rig.admin.resource(HelloWorld);
  await Promise.all([
    inBatches(changed, 4, (name) => rig.setName(namespace, name, `${name} changed while cut off`)),
    helloWorlds.delete(deleted, { namespace }),
    helloWorlds.create(
      { apiVersion: HelloWorld.apiVersion, kind: 'HelloWorld', metadata: { name: created }, spec: { name: `hello ${created}` } },
      { namespace },
    ),
  ]);
  const { revision } = await rig.cp.compactEtcd();
  timeline.mark(`changed ${changed.length}, deleted 1, created 1; etcd compacted to revision ${revision}`);
  await sleep(Math.max(0, cutAt + cutOffMs - Date.now()));
  rig.proxy.pass();
  const restoredAt = timeline.mark('path restored');

  // Each watch is one backoff delay (at most the cap) from its next attempt; that attempt meets the 410, then one
  // list and a watch; then the changed keys are reconciled. Plus the margin.
  const convergeBoundMs = shipped.watchBackoffCapMs + marginMs;
  const convergedAt = await rig.converged([namespace], convergeBoundMs, timeline);
  await sleep(settleMs);
  for (const line of logLines(operator)) {
    if (line.time >= cutAt && (line.msg.startsWith('became the leader') || line.msg.startsWith('stopped leading')))
      timeline.mark(`operator: ${line.msg}`, line.time);
  }
  const relists = listings(operator, cutAt);
  for (const relist of relists) timeline.mark(`operator: listing ${relist.resource} (${relist.cause})`, relist.time);

  // Exactly one relist per watch, caused by the 410 of the resumed watch: from the operator's log and from the
  // audit log (the server saw no request of the operator between the cut and the restore). A relist is one
  // request: a streaming list (a watch with sendInitialEvents=true, still open, so only its ResponseStarted is
  // logged), or a plain list where the server refuses that.
  const audit = (await rig.auditSince(cutAt)).map(classifyAudit);
  const started = new Map(
    (await rig.cp.auditEvents())
      .filter((e) => e.user.username === operatorUser && Date.parse(e.requestReceivedTimestamp) >= cutAt)
      .map((e) => [e.auditID, e]),
  );
  const figures: string[] = [];
  for (const { resource } of watchedCollections) {
    const logged = relists.filter((l) => l.resource === resource);
    const ofResource = [...started.values()].filter((e) => e.objectRef?.resource === resource && !e.objectRef.name);
    const lists = ofResource.filter((e) => e.verb === 'list' || /[?&]sendInitialEvents=true/.test(e.requestURI)).length;
    const watches = ofResource.filter((e) => e.verb === 'watch').length;
    figures.push(
      `${resource}: ${logged.length} relist (${logged.map((l) => l.cause).join(', ')}), ${lists} list (streamed or not) and ${watches} watch requests at the server`,
    );
    assert.deepEqual(
      logged.map((l) => l.cause),
      ['gone'],
      timeline.explain(`${resource}: exactly one relist, after a 410`),
    );
    assert.equal(lists, 1, timeline.explain(`${resource}: exactly one list request (streamed or not) after the restore`));
  }

  // Writes only for what changed while cut off: the changed and the created HelloWorld's ConfigMap, status
  // and event; none for the 25 that did not change, and none for the deleted one (the garbage collector
  // removes its ConfigMap). Until the HelloWorld watch has relisted, the operator's cache still holds the
  // deleted HelloWorld: if the ConfigMap watch relists first, the ConfigMap's deletion reconciles it, and the
  // controller reads the owner live before recreating a deleted child, finds it gone, and writes nothing.
  const keysChanged = new Set([...changed, created].map((n) => `${namespace}/${n}`));
  const deletedKey = `${namespace}/${deleted}`;
  const writes = audit.filter((r) => r.type === 'write');
  const stray = writes.filter((w) => !keysChanged.has(w.key) && w.key !== deletedKey);
  const forDeleted = writes.filter((w) => w.key === deletedKey);
  const helloWorldsPath = watchedCollections[0].path;
  const helloWorldsRelist = relists.find((l) => l.resource === 'helloworlds');
  const relistAnswered = requestLog(operator).find(
    (r) => r.path === helloWorldsPath && r.code === '200' && helloWorldsRelist && r.startedAt >= helloWorldsRelist.time,
  );
  const missing = [...keysChanged].flatMap((key) =>
    ['configmaps', 'helloworlds/status', 'events']
      .filter((resource) => !writes.some((w) => w.key === key && w.resource === resource))
      .map((resource) => `${key} ${resource}`),
  );
  // The reads allowed: the deleted HelloWorld itself, checked live before its deleted ConfigMap would be
  // recreated (the cache may still hold it while the HelloWorld watch has not relisted); and the created
  // HelloWorld's ConfigMap, looked up live before the ConfigMap is created by apply (an object of that name the
  // cache does not show is never taken over).
  const ownerCheck = `get /apis/apps.example.com/v1alpha1/namespaces/${namespace}/helloworlds/${deleted}`;
  const createChecks = new Set([`get /api/v1/namespaces/${namespace}/configmaps/${created}`]);
  const others = audit.filter((r) => r.type === 'other' && r.what !== ownerCheck && !createChecks.has(r.what));
  const leaseCalls = audit.filter((r) => r.type === 'lease').length;
  const reconciled = [...reconcilesPerKey(operator, restoredAt)].filter(([key]) => key.startsWith(`${namespace}/`));
  const lostLeadership = logLines(operator).filter((l) => l.time >= cutAt && l.msg.startsWith('stopped leading'));
  process.stdout.write(
    `# compaction: converged ${convergedAt - restoredAt} ms after the restore (bound ${convergeBoundMs} ms); ${figures.join('; ')}\n`,
  );
  const createsForDeleted = forDeleted.filter((w) => w.resource === 'configmaps').length;
  process.stdout.write(
    `# compaction: ${writes.length - forDeleted.length} writes for ${keysChanged.size} changed and created keys, ` +
      `${forDeleted.length} for the deleted one (${createsForDeleted} ConfigMap creates on a stale cache), ${stray.length} for others; ` +
      `${leaseCalls} Lease calls, ${reconciled.length} keys reconciled after the restore\n`,
  );
  assert.deepEqual(stray, [], timeline.explain('writes only for the HelloWorlds changed while cut off'));
  assert.ok(relistAnswered, timeline.explain('the HelloWorld relist was answered'));
  assert.deepEqual(
    forDeleted,
    [],
    timeline.explain('no write for the deleted HelloWorld (its ConfigMap is not recreated from a stale cache)'),
  );
  assert.deepEqual(missing, [], timeline.explain('each changed or created HelloWorld got its ConfigMap, status and event written'));
  assert.deepEqual(others, [], timeline.explain('no requests besides lists, watches, Lease calls, writes and the two live reads'));
  assert.deepEqual(
    lostLeadership.map((l) => l.msg),
    [],
    timeline.explain(`the leader kept its Lease through a ${cutOffMs} ms cut`),
  );
  assert.deepEqual(await rig.violations([namespace]), [], timeline.explain('the end state holds'));
  await operator.stop();
  process.stdout.write(`${timeline.explain('compaction').replace(/^/gm, '# ')}\n`);
});

test('no request of the operator was refused (zero 403s in the audit log since the install)', async () => {
  assert.deepEqual(await rig.forbidden(), []);
});
