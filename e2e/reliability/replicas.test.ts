// Faults 7 and 8 of the reliability suite (issue 10), on a control plane of this file's own:
//   7. two replicas under separate ServiceAccounts, each with its own path to kube-apiserver (a fault proxy
//      each): (a) a SIGKILLed leader is replaced within the bound of the lease timings; (b) a leader whose
//      requests its proxy delays past its renew deadline sends no write after that deadline (its own request
//      log, and the audit log's receive times minus the delay), and the writes of the old and the new leader
//      never overlap;
//   8. SIGTERM under churn: in-flight reconciles finish within the grace period, the Lease is released, and
//      the restarted operator writes only for keys that changed after their last completed reconcile.
// A last test: neither ServiceAccount was ever refused (zero 403s in the audit log).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { resourcePath } from '../../src/core/index.ts';
import { type Lease, LeaseResource } from '../../src/leader/index.ts';
import { type FaultProxy, type RunningOperator, type ServiceAccountCredentials, startFaultProxy } from '../../src/testing/index.ts';
import { operatorAccount } from '../hello-world/support.ts';
import { grantedRoles } from './rbac-rights.ts';
import { auditedKey, auditedWrites, describeAudited, describeLogged, loggedWrites } from './operator-writes.ts';
import { type LogLine, logLines, long, operatorUser, requestLog, Rig, shipped, Timeline } from './rig.ts';
import { type SpecChange, SpecChurn } from './spec-churn.ts';

/** A standby stretches its retry period by up to this factor (src/leader/options.ts, jitterFactor 0.2); the leader does not. */
const standbyJitter = 1.2;
/** Slack for the Lease reads and the acquiring write on this shared 2-core machine. */
const leaseRequestMarginMs = 2_000;
/**
 * A standby takes the Lease no later than: the leader's last renewal (sent at or before the kill, or before
 * its path was cut), seen at the standby's next poll (≤ retry × 1.2 later), plus the lease duration by the
 * standby's own clock, rounded up to its next poll (≤ retry × 1.2 more), plus the margin.
 */
const takeoverBoundMs = shipped.leaseDurationMs + 2 * shipped.retryPeriodMs * standbyJitter + leaseRequestMarginMs;
/** After taking over: the controllers start, every cached key is queued, a changed one is reconciled (two writes). */
const reconcileMarginMs = 5_000;
/** How late a timer may fire on this loaded machine (the elector ends the term on a timer). */
const timerMarginMs = 1_000;
/** The upstream delay that cuts the leader off: past its renew deadline, so no renewal can land in time. */
const cutOffDelayMs = shipped.renewDeadlineMs + 3_000;
/** Round trip added to every request during the churn of fault 8, so that reconciles are in flight at SIGTERM. */
const churnLatencyMs = 100;

const leasePath = resourcePath(LeaseResource, { namespace: operatorAccount.namespace, name: 'hello-world-operator' });
/** Where the Lease is created (a POST names the collection). */
const leasesPath = resourcePath(LeaseResource, { namespace: operatorAccount.namespace });

let rig: Rig;
/** The second replica's own path to kube-apiserver. */
let proxyB: FaultProxy;
/** The second replica's ServiceAccount: the same roles as the generated one, bound to another account. */
let accountB: ServiceAccountCredentials;
/** Namespace of fault 7 and its HelloWorlds. */
let ns7 = '';
let names7: string[] = [];
/** The replicas: A on rig.proxy under the generated account, B on proxyB under accountB, A2 A's successor. */
let replicaB: RunningOperator | undefined;
let replicaA2: RunningOperator | undefined;
/** When each `namespace/name` last had its spec changed (the time the write returned), across the file. */
const changedAt = new Map<string, number>();
const noteChange = (key: string, at = Date.now()) => changedAt.set(key, Math.max(changedAt.get(key) ?? 0, at));
const noteChurn = (change: SpecChange) => noteChange(change.key, change.doneAt);

before(
  async () => {
    rig = await Rig.start();
    proxyB = await startFaultProxy({ target: rig.cp.apiServerUrl });
    accountB = await rig.cp.serviceAccountKubeconfig({
      namespace: operatorAccount.namespace,
      name: `${operatorAccount.name}-b`,
      bind: await generatedRoles(),
      server: proxyB.url,
      expirationSeconds: long ? 4 * 3600 : 3600,
    });
  },
  { timeout: 240_000 },
);

after(async () => {
  await proxyB?.close();
  await rig?.stop();
});

test('7a. two replicas, separate ServiceAccounts: a SIGKILLed leader is replaced within the lease timings; a change made right after converges', {
  timeout: 240_000,
}, async () => {
  const timeline = new Timeline();
  const replicaA = await rig.startOperator();
  timeline.mark('replica A ready');
  await rig.leading(replicaA);
  const identityA = leaderIdentity(replicaA);
  timeline.mark(`replica A (${operatorUser}) leads as ${identityA}`);
  replicaB = await rig.startOperator([], { kubeconfigPath: accountB.kubeconfigPath, username: accountB.username });
  timeline.mark(`replica B (${accountB.username}) ready`);
  await waitForLine(
    replicaB,
    (l) => l.msg === 'leader observed' && l['leader'] === identityA,
    0,
    30_000,
    timeline,
    'replica B sees A lead',
  );
  ns7 = await rig.namespace('replicas');
  names7 = await rig.createHelloWorlds(ns7, long ? 50 : 10);
  for (const name of names7) noteChange(`${ns7}/${name}`);
  await rig.converged([ns7], 60_000, timeline);
  assert.equal(
    firstLine(replicaB, (l) => l.msg.startsWith('became the leader')),
    undefined,
    'replica B stood by while A led',
  );

  const killedAt = timeline.mark('replica A SIGKILLed');
  replicaA.kill('SIGKILL');
  await rig.setName(ns7, names7[0]!, 'changed right after the kill');
  noteChange(`${ns7}/${names7[0]}`);
  timeline.mark(`${names7[0]} changed`);
  const tookOver = await waitForLine(
    replicaB,
    (l) => l.msg.startsWith('became the leader'),
    killedAt,
    takeoverBoundMs + 30_000,
    timeline,
    'replica B',
  );
  const convergedAt = await rig.converged([ns7], killedAt + takeoverBoundMs + reconcileMarginMs + 30_000 - Date.now(), timeline);
  await replicaA.exited;

  const lastRenewalA = leaseRenewals(replicaA).at(-1);
  const acquiredB = leaseRenewals(replicaB).find((r) => r.startedAt >= killedAt);
  assert.ok(lastRenewalA && acquiredB, timeline.explain('both replicas wrote the Lease'));
  const takeoverMs = tookOver.time - killedAt;
  const convergeMs = convergedAt - killedAt;
  process.stdout.write(
    `# 7a: leader SIGKILLed ${killedAt - lastRenewalA.startedAt} ms after its last renewal; standby led after ${takeoverMs} ms ` +
      `(bound lease ${shipped.leaseDurationMs} + 2 × retry ${shipped.retryPeriodMs} × ${standbyJitter} + ${leaseRequestMarginMs} = ${takeoverBoundMs} ms); ` +
      `converged after ${convergeMs} ms (bound ${takeoverBoundMs + reconcileMarginMs} ms)\n`,
  );
  assert.ok(
    acquiredB.startedAt >= lastRenewalA.startedAt + shipped.leaseDurationMs,
    timeline.explain(
      `replica B took the Lease ${acquiredB.startedAt - lastRenewalA.startedAt} ms after A's last renewal was sent, before it could expire (${shipped.leaseDurationMs} ms)`,
    ),
  );
  assert.ok(
    takeoverMs <= takeoverBoundMs,
    timeline.explain(`the standby led ${takeoverMs} ms after the kill; bound ${takeoverBoundMs} ms`),
  );
  assert.ok(
    convergeMs <= takeoverBoundMs + reconcileMarginMs,
    timeline.explain(`converged ${convergeMs} ms after the kill; bound ${takeoverBoundMs + reconcileMarginMs} ms`),
  );
  printTimeline('7a', timeline);
});

test('7b. a leader cut off past its renew deadline sends no write after it; old and new leader never write at once', {
  timeout: 240_000,
}, async () => {
  const timeline = new Timeline();
  assert.ok(replicaB && ns7, 'fault 7a left replica B leading');
  const b = replicaB;
  replicaA2 = await rig.startOperator();
  const a2 = replicaA2;
  await waitForLine(a2, (l) => l.msg === 'leader observed', 0, 30_000, timeline, 'replica A2 stands by');
  assert.equal(
    firstLine(a2, (l) => l.msg.startsWith('became the leader')),
    undefined,
    'A2 stands by while B leads',
  );
  const churn = new SpecChurn(rig.admin, ns7, names7, 4, noteChurn);
  timeline.mark('churn on (4 changes/s)');
  await sleep(2 * shipped.retryPeriodMs);

  const delayedAt = timeline.mark(`replica B's proxy delays its requests by ${cutOffDelayMs} ms`);
  proxyB.delay({ upstreamMs: cutOffDelayMs });
  let stopped: LogLine;
  let tookOver: LogLine;
  try {
    stopped = await waitForLine(
      b,
      (l) => l.msg.startsWith('stopped leading'),
      delayedAt,
      shipped.renewDeadlineMs + 20_000,
      timeline,
      'replica B',
    );
    tookOver = await waitForLine(
      a2,
      (l) => l.msg.startsWith('became the leader'),
      delayedAt,
      takeoverBoundMs + 30_000,
      timeline,
      'replica A2',
    );
    await sleep(2_000);
  } finally {
    await churn.stop();
  }
  const churnStoppedAt = timeline.mark(`churn off (${churn.changes.length} changes at ${churn.achievedRate.toFixed(1)}/s)`);
  const convergedAt = await rig.converged([ns7], reconcileMarginMs + 30_000, timeline);
  proxyB.delay({});
  timeline.mark("replica B's proxy passes again");
  // B stops now, so that the audit log below holds every write it will ever make: a request it issued
  // before its deadline may still be waiting for a connection, and would be sent once it has one.
  const sigtermB = timeline.mark('SIGTERM to replica B (standby)');
  await b.stop();
  const stopMsB = timeline.mark('replica B exited') - sigtermB;
  const shutdownB = firstLine(b, (l) => l.msg === 'shutting down');
  const stoppedB = firstLine(b, (l) => l.msg === 'manager stopped');
  assert.ok(shutdownB && stoppedB, "replica B logged 'shutting down' and 'manager stopped'");
  const shutdownMsB = stoppedB.time - shutdownB.time;

  // The term's end by B's own log: the last renewal it saw succeed, sent before the delay (a renewal sent
  // after it cannot land within its timeout of at most renewDeadline / 2), plus the renew deadline.
  const lastRenewal = leaseRenewals(b)
    .filter((r) => r.startedAt < stopped.time)
    .at(-1);
  assert.ok(lastRenewal, 'replica B renewed the Lease before it was cut off');
  const deadline = lastRenewal.startedAt + shipped.renewDeadlineMs;
  timeline.mark("replica B's renew deadline (its last successful renewal + renewDeadline)", deadline);
  assert.equal(stopped['reason'], 'renew-deadline', timeline.explain('replica B stopped leading at its renew deadline'));
  assert.ok(
    lastRenewal.startedAt <= delayedAt,
    timeline.explain(`B's last successful renewal was sent before the delay (${describeLogged(lastRenewal)})`),
  );
  assert.ok(
    stopped.time <= deadline + timerMarginMs,
    timeline.explain(`B stopped leading ${stopped.time - deadline} ms after its deadline; bound ${timerMarginMs} ms`),
  );

  // (i) B's own request log: no write to HelloWorlds, ConfigMaps or Events sent after the deadline. The
  // Lease is left out of this rule only: after the term B campaigns again, as any candidate does.
  const writesB = loggedWrites(requestLog(b), { data: true });
  const lateWrites = writesB.filter((w) => w.startedAt > deadline);
  const cutOffWrites = writesB.filter((w) => w.startedAt >= delayedAt && w.startedAt <= deadline);
  const leaseWritesAfter = loggedWrites(requestLog(b)).filter((w) => w.target.resource === 'leases' && w.startedAt > deadline);
  assert.deepEqual(lateWrites.map(describeLogged), [], timeline.explain('replica B sent writes after its renew deadline'));
  assert.ok(cutOffWrites.length > 0, timeline.explain('replica B was writing while cut off (else the rule above proves nothing)'));

  // (ii) The audit log: each write of B's account, received minus the delay (no earlier than it was sent),
  // falls before the deadline, and before A2's acquiring Lease write; A2's writes all come after that.
  const audited = await rig.auditSince(delayedAt - 60_000, [accountB.username, operatorUser]);
  // A standby has no reconciles to finish: its shutdown must not wait on requests its path holds up.
  assert.ok(
    shutdownMsB <= shipped.shutdownGraceMs,
    timeline.explain(`the standby's manager took ${shutdownMsB} ms to stop; bound: the grace period (${shipped.shutdownGraceMs} ms)`),
  );
  const auditedB = auditedWrites(
    audited.filter((e) => e.user.username === accountB.username),
    { data: true },
  );
  const auditedA2 = audited.filter((e) => e.user.username === operatorUser && Date.parse(e.requestReceivedTimestamp) >= delayedAt);
  const acquiring = auditedWrites(auditedA2).find((e) => e.objectRef?.resource === 'leases');
  const firstWriteA2 = auditedWrites(auditedA2, { data: true })[0];
  assert.ok(acquiring && firstWriteA2, timeline.explain('A2 took the Lease and wrote'));
  const sentBy = (e: (typeof audited)[number]) => Date.parse(e.requestReceivedTimestamp) - cutOffDelayMs;
  timeline.mark('A2 acquiring write received (audit)', Date.parse(acquiring.requestReceivedTimestamp));
  timeline.mark('A2 first data write received (audit)', Date.parse(firstWriteA2.requestReceivedTimestamp));
  const afterDeadline = auditedB.filter((e) => sentBy(e) > deadline);
  const overlapping = auditedB.filter((e) => sentBy(e) >= Date.parse(acquiring.requestReceivedTimestamp));
  const rawOverlap = auditedB.filter((e) => Date.parse(e.requestReceivedTimestamp) >= Date.parse(firstWriteA2.requestReceivedTimestamp));
  assert.deepEqual(
    afterDeadline.map(describeAudited),
    [],
    timeline.explain(`writes of replica B received more than ${cutOffDelayMs} ms after its deadline`),
  );
  assert.deepEqual(overlapping.map(describeAudited), [], timeline.explain("writes of replica B overlapping A2's term"));
  assert.ok(
    Date.parse(acquiring.requestReceivedTimestamp) <= Date.parse(firstWriteA2.requestReceivedTimestamp),
    timeline.explain('A2 wrote before it held the Lease'),
  );
  const acquiredA2 = leaseRenewals(a2).find((r) => r.startedAt >= delayedAt);
  assert.ok(
    acquiredA2 && acquiredA2.startedAt >= lastRenewal.startedAt + shipped.leaseDurationMs,
    timeline.explain(
      `A2 took the Lease ${acquiredA2 ? acquiredA2.startedAt - lastRenewal.startedAt : '?'} ms after B's last renewal, before it could expire`,
    ),
  );

  // B's Lease writes that reached the API server after it was cut off (a renewal it gave up on must not land).
  const leaseWritesB = auditedWrites(
    audited.filter((e) => e.user.username === accountB.username && Date.parse(e.requestReceivedTimestamp) > delayedAt),
  ).filter((e) => e.objectRef?.resource === 'leases');
  for (const e of leaseWritesB) timeline.mark(`B's Lease write received: ${describeAudited(e)}`, Date.parse(e.requestReceivedTimestamp));
  // The standby's clock starts at the last change of the Lease it can see. That is B's last renewal before
  // the cut-off, or a later one B gave up on (its timeout passed) whose bytes were already on their way:
  // the API server applies it when it arrives, up to the delay later, as on a real network. B has stopped
  // leading by then (its deadline counts from the last renewal it saw succeed), so this costs only time.
  const acquiredAt = Date.parse(acquiring.requestReceivedTimestamp);
  const lastAppliedB = Math.max(
    ...auditedWrites(audited.filter((e) => e.user.username === accountB.username))
      .filter(
        (e) =>
          e.objectRef?.resource === 'leases' &&
          String(e.responseStatus?.code).startsWith('2') &&
          Date.parse(e.requestReceivedTimestamp) < acquiredAt,
      )
      .map((e) => Date.parse(e.requestReceivedTimestamp)),
  );
  timeline.mark("B's last Lease write applied (audit)", lastAppliedB);
  assert.ok(
    acquiredA2.startedAt >= lastAppliedB + shipped.leaseDurationMs,
    timeline.explain(
      `A2 took the Lease ${acquiredA2.startedAt - lastAppliedB} ms after B's last applied write, before it could expire (${shipped.leaseDurationMs} ms)`,
    ),
  );
  const takeoverMs = acquiredAt - lastAppliedB;
  process.stdout.write(`# 7b: B's Lease writes received after the cut-off: ${leaseWritesB.map(describeAudited).join('; ') || 'none'}\n`);
  process.stdout.write(
    `# 7b: B's last renewal ${delayedAt - lastRenewal.startedAt} ms before the delay; B stopped leading ${stopped.time - deadline} ms after its deadline; ` +
      `${cutOffWrites.length} writes sent while cut off (all before the deadline), 0 after; ${leaseWritesAfter.length} Lease writes after (campaigning); ` +
      `${auditedB.length} of B's writes audited, the latest (received − delay) ${deadline - Math.max(...auditedB.map(sentBy))} ms before the deadline, ` +
      `${rawOverlap.length} received (raw) after A2's first write; A2's first write ${Date.parse(firstWriteA2.requestReceivedTimestamp) - deadline} ms after B's deadline\n`,
  );
  process.stdout.write(
    `# 7b: A2 took the Lease ${takeoverMs} ms after B's last applied Lease write (bound ${takeoverBoundMs} ms), ${tookOver.time - delayedAt} ms after the cut-off ` +
      `(at most renewDeadline + delay + the bound = ${shipped.renewDeadlineMs + cutOffDelayMs + takeoverBoundMs} ms); converged ${convergedAt - churnStoppedAt} ms after the churn stopped; ` +
      `B (standby) stopped its manager ${shutdownMsB} ms after SIGTERM, exited after ${stopMsB} ms\n`,
  );
  assert.ok(
    takeoverMs <= takeoverBoundMs,
    timeline.explain(`A2 took the Lease ${takeoverMs} ms after B's last applied Lease write; bound ${takeoverBoundMs} ms`),
  );
  assert.ok(
    convergedAt - churnStoppedAt <= reconcileMarginMs,
    timeline.explain(`converged ${convergedAt - churnStoppedAt} ms after the churn stopped; bound ${reconcileMarginMs} ms`),
  );
  assert.equal(
    firstLine(b, (l) => l.msg.startsWith('became the leader') && l.time > stopped.time),
    undefined,
    'B did not lead again',
  );
  printTimeline('7b', timeline);
});

test('8. SIGTERM under churn: in-flight reconciles finish within the grace period, the Lease is released, the restart writes only what changed', {
  timeout: long ? 900_000 : 240_000,
}, async () => {
  const timeline = new Timeline();
  assert.ok(replicaA2, 'fault 7 left replica A2 leading');
  const leader = replicaA2;
  const keys = long ? 60 : 30;
  const perSecond = long ? 20 : 10;
  const churnMs = long ? 600_000 : 15_000;
  const ns8 = await rig.namespace('churn');
  const names8 = await rig.createHelloWorlds(ns8, keys);
  for (const name of names8) noteChange(`${ns8}/${name}`);
  await rig.converged([ns8], 60_000, timeline);

  rig.proxy.delay({ upstreamMs: churnLatencyMs / 2, downstreamMs: churnLatencyMs / 2 });
  const churn = new SpecChurn(rig.admin, ns8, names8, perSecond, noteChurn);
  const churnStartedAt = timeline.mark(`churn on: ${perSecond}/s over ${keys} keys, ${churnLatencyMs} ms round trip added`);
  await sleep(churnMs);
  // SIGTERM right after a change returns: its watch event, delayed on the way back, reaches an operator that
  // has stopped taking changes, so at least that key is left for the restarted operator to write.
  const lastChange = await churn.nextChange();
  const churnStopped = churn.stop();
  const sigtermAt = timeline.mark(`SIGTERM to the leader; churn off (last change: ${lastChange.key})`);
  const exitCode = await leader.stop();
  const exitedAt = timeline.mark(`the leader exited (${exitCode})`);
  await churnStopped;
  rig.proxy.delay({});
  assert.equal(exitCode, 0);

  // The stopped operator's own account of its shutdown.
  const lines = logLines(leader);
  const ends = lines.filter((l) => l.msg === 'reconciled' || l.msg.startsWith('reconcile failed'));
  const endsAfter = ends.filter((l) => l.time >= sigtermAt);
  const inFlight = lines.filter((l) => l.msg === 'reconciled' && l.time >= sigtermAt && l.time - Number(l['durationMs']) < sigtermAt);
  const lastEnd = Math.max(...ends.map((l) => l.time));
  const stoppedLine = firstLine(leader, (l) => l.msg === 'manager stopped');
  const aborted = firstLine(leader, (l) => l.msg.startsWith('reconciles aborted'));
  timeline.mark(`last reconcile ended (${endsAfter.length} after SIGTERM)`, lastEnd);
  if (stoppedLine) timeline.mark('manager stopped', stoppedLine.time);
  assert.ok(stoppedLine, timeline.explain("the manager logged 'manager stopped'"));
  assert.equal(aborted, undefined, timeline.explain(`reconciles were aborted: ${JSON.stringify(aborted)}`));
  assert.ok(inFlight.length > 0, timeline.explain('reconciles were in flight at SIGTERM (else the grace period was not put to the test)'));
  assert.deepEqual(
    endsAfter.filter((l) => l.msg !== 'reconciled').map((l) => JSON.stringify(l)),
    [],
    timeline.explain('reconciles failed during shutdown'),
  );
  assert.ok(
    lastEnd <= sigtermAt + shipped.shutdownGraceMs,
    timeline.explain(`a reconcile ended ${lastEnd - sigtermAt} ms after SIGTERM; grace ${shipped.shutdownGraceMs} ms`),
  );
  // Every write sent under churn before SIGTERM was answered, and for each one that names its HelloWorld
  // (a ConfigMap or status write) a reconcile of that key completed after it.
  const writes = loggedWrites(requestLog(leader), { data: true }).filter((w) => w.startedAt < sigtermAt && w.startedAt >= churnStartedAt);
  const unanswered = writes.filter((w) => w.code === '<error>');
  // A write's answer time is its start (wall clock, ms) plus its duration (monotonic clock, rounded to the
  // ms); a log line's time is wall clock in ms. The reconcile that sent the write logs its end in the same
  // millisecond as the answer, or later: 2 ms of rounding between the two clocks is allowed.
  const clockRoundingMs = 2;
  const unfinished = writes.filter(
    (w) =>
      w.key !== undefined &&
      w.target.resource !== 'events' &&
      !ends.some(
        (l) =>
          l.msg === 'reconciled' &&
          `${String(l['namespace'])}/${String(l['name'])}` === w.key &&
          l.time >= w.startedAt + w.durationMs - clockRoundingMs,
      ),
  );
  assert.deepEqual(unanswered.map(describeLogged), [], timeline.explain('writes sent before SIGTERM were cut off'));
  assert.deepEqual(unfinished.map(describeLogged), [], timeline.explain('writes sent before SIGTERM whose reconcile never completed'));

  // The Lease was given up as src/leader's releaseSpec writes it, after the last reconcile ended.
  const lease = await rig.admin.request<Lease>({ path: leasePath });
  const release = leaseRenewals(leader).at(-1);
  assert.ok(release && release.startedAt >= sigtermAt, timeline.explain('the leader wrote the Lease after SIGTERM'));
  timeline.mark('Lease released', release.startedAt);
  assert.equal(lease.spec?.holderIdentity ?? '', '', `the Lease still names ${lease.spec?.holderIdentity}`);
  assert.equal(lease.spec?.leaseDurationSeconds, 1);
  assert.ok(release.startedAt >= lastEnd, timeline.explain('the Lease was released before the last reconcile ended'));

  // A change while no operator runs is left to the restarted one for certain (the change made as SIGTERM was
  // sent may have reached the stopping operator before it stopped taking changes, or not).
  const downName = names8.find((n) => `${ns8}/${n}` !== lastChange.key)!;
  const downKey = `${ns8}/${downName}`;
  await rig.setName(ns8, downName, 'changed while no operator ran');
  noteChange(downKey);
  timeline.mark(`changed ${downKey} while no operator ran`);

  // What the stopped operator left to do: keys whose state differs from their spec now.
  const stale = new Set((await rig.violations([ns7, ns8])).map((p) => p.slice(0, p.indexOf(':'))));
  const lastReconcileStart = new Map<string, number>();
  for (const l of lines.filter((x) => x.msg === 'reconciled')) {
    const key = `${String(l['namespace'])}/${String(l['name'])}`;
    lastReconcileStart.set(key, Math.max(lastReconcileStart.get(key) ?? 0, l.time - Number(l['durationMs'])));
  }

  const restartAt = timeline.mark('operator restarted');
  const restarted = await rig.startOperator();
  await rig.leading(restarted, shipped.retryPeriodMs * standbyJitter + 30_000);
  const ledAt = leaderLine(restarted).time;
  timeline.mark('the restarted operator leads', ledAt);
  const convergedAt = await rig.converged([ns7, ns8], 60_000, timeline);
  await sleep(2_000); // an Updated event's series is flushed 500 ms after it is recorded
  const restartWrites = auditedWrites(await rig.auditSince(restartAt), { data: true });
  // A write is for a key that changed after its last completed reconcile read the cache (the 'reconciled' line's
  // time minus its duration), or so shortly before it that the change's watch event, delayed by the proxy, may
  // not have reached the cache yet: the churn's round trip plus a margin of 1 s for a loaded machine (the churn
  // takes the keys in turn, so a key's previous change is 3 s older and still counts as seen). The same writes
  // must also be for keys whose state was stale when the operator was down (read from the server, below).
  const watchDelayAllowanceMs = churnLatencyMs + 1_000;
  const unjustified = restartWrites.filter((e) => {
    const key = auditedKey(e);
    return key === undefined || !((changedAt.get(key) ?? 0) > (lastReconcileStart.get(key) ?? -1) - watchDelayAllowanceMs);
  });
  const notStale = restartWrites.filter((e) => !stale.has(auditedKey(e) ?? ''));
  const writtenKeys = new Set(restartWrites.map(auditedKey));
  process.stdout.write(
    `# 8: churn ${churn.changes.length} changes at ${churn.achievedRate.toFixed(1)}/s over ${keys} keys; SIGTERM with ${inFlight.length} reconciles in flight, ` +
      `${endsAfter.length} ended after it, the last ${lastEnd - sigtermAt} ms after (grace ${shipped.shutdownGraceMs} ms); Lease released ${release.startedAt - sigtermAt} ms after SIGTERM; ` +
      `exit ${exitedAt - sigtermAt} ms after\n`,
  );
  process.stdout.write(
    `# 8: ${stale.size} keys stale when down; the restarted operator led ${ledAt - restartAt} ms after its start, converged ${convergedAt - restartAt} ms after it, ` +
      `with ${restartWrites.length} writes for ${writtenKeys.size} keys (${loggedWrites(requestLog(restarted), { data: true }).length} in its request log)\n`,
  );
  assert.deepEqual(
    unjustified.map(
      (e) =>
        `${describeAudited(e)}: changed ${changedAt.get(auditedKey(e) ?? '') ?? 'never'}, last reconcile read ${lastReconcileStart.get(auditedKey(e) ?? '') ?? 'never'}`,
    ),
    [],
    timeline.explain('the restarted operator wrote for keys that had not changed since their last completed reconcile'),
  );
  assert.deepEqual(notStale.map(describeAudited), [], timeline.explain('the restarted operator wrote for keys that were not stale'));
  assert.ok(
    stale.has(downKey) && writtenKeys.has(downKey),
    timeline.explain(`the change made while no operator ran (${downKey}) was written by the restarted operator`),
  );
  // The change made as SIGTERM was sent: done by one operator or the other, never lost.
  const lastDone =
    writtenKeys.has(lastChange.key) ||
    lines.some(
      (l) =>
        l.msg === 'reconciled' &&
        `${String(l['namespace'])}/${String(l['name'])}` === lastChange.key &&
        l.time - Number(l['durationMs']) >= lastChange.sentAt,
    );
  assert.ok(lastDone, timeline.explain(`the change made as SIGTERM was sent (${lastChange.key}) was reconciled by neither operator`));
  printTimeline('8', timeline);
});

test('neither ServiceAccount was refused: zero 403s in the audit log', async () => {
  const refused = await rig.forbidden([operatorUser, accountB.username]);
  process.stdout.write(`# 403s to ${operatorUser} and ${accountB.username}: ${refused.length}\n`);
  assert.deepEqual(refused, []);
});

function printTimeline(scenario: string, timeline: Timeline): void {
  process.stdout.write(
    `${timeline
      .explain(`${scenario}:`)
      .split('\n')
      .map((line) => `# ${line}`)
      .join('\n')}\n`,
  );
}

/**
 * The roles config/rbac grants the operator (the controller's ClusterRole, the metrics reviews' ClusterRole, and the
 * leader-election Role in its namespace), to bind to another account.
 */
async function generatedRoles(): Promise<Array<{ kind: 'ClusterRole' | 'Role'; name: string; namespace?: string }>> {
  const roles = (await grantedRoles()).map((r) => ({
    kind: r.kind,
    name: r.name,
    ...(r.kind === 'Role' && r.namespace !== undefined ? { namespace: r.namespace } : {}),
  }));
  assert.deepEqual(
    roles.map((r) => r.kind).sort(),
    ['ClusterRole', 'ClusterRole', 'Role'],
    `config/rbac grants two ClusterRoles and one Role: ${JSON.stringify(roles)}`,
  );
  return roles;
}

/** The operator's successful Lease writes (create, renew, acquire, release), in order. */
function leaseRenewals(operator: RunningOperator) {
  return requestLog(operator).filter(
    (r) => ((r.path === leasePath && r.method === 'PUT') || (r.path === leasesPath && r.method === 'POST')) && r.code.startsWith('2'),
  );
}

function firstLine(operator: RunningOperator, match: (line: LogLine) => boolean): LogLine | undefined {
  return logLines(operator).find(match);
}

function leaderLine(operator: RunningOperator): LogLine {
  const line = firstLine(operator, (l) => l.msg.startsWith('became the leader'));
  assert.ok(line, 'the operator logged that it leads');
  return line;
}

function leaderIdentity(operator: RunningOperator): string {
  return String(leaderLine(operator)['identity']);
}

/** Wait for a log line at or after `sinceMs`; mark it on the time line, or fail with the time line. */
async function waitForLine(
  operator: RunningOperator,
  match: (line: LogLine) => boolean,
  sinceMs: number,
  timeoutMs: number,
  timeline: Timeline,
  who: string,
): Promise<LogLine> {
  const started = Date.now();
  for (;;) {
    const line = logLines(operator).find((l) => l.time >= sinceMs && match(l));
    if (line) {
      timeline.mark(`${who}: ${line.msg}`, line.time);
      return line;
    }
    if (Date.now() - started > timeoutMs)
      throw new Error(timeline.explain(`${who}: the awaited log line did not come within ${timeoutMs} ms`));
    await sleep(100);
  }
}
