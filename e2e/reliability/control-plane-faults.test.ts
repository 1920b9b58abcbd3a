// Faults 2, 3 and 4 of the reliability suite: kube-apiserver paused (SIGSTOP), kube-apiserver killed and
// restarted, etcd killed and restarted, each under the HelloWorld operator running as its own process
// through the fault proxy, under its generated RBAC, leader election on. One control plane for the file;
// each scenario has its own namespace and its own operator, started after the previous one stopped: its
// request log, its reconnect backoffs and its leadership then belong to that scenario alone (a backoff
// stretched by the previous fault, or a leadership lost in it, would blur what the next one measures).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlreadyExists, isNotFound } from '../../src/client/index.ts';
import { ReconnectBackoff } from '../../src/watch/index.ts';
import { eventually, type RunningOperator } from '../../src/testing/index.ts';
import { type ProbeAnswer, type ProbePoller, pollProbeVerbose } from '../support/probe-poller.ts';
import { classifyAudit, failingKeys, firstSuccess, leasePath, outageRequestBound, untilAccepted, watchedCollections } from './outage.ts';
import { HelloWorld, inBatches, logLines, long, reconcilesPerKey, requestLog, Rig, shipped, Timeline } from './rig.ts';

let rig: Rig;
before(async () => {
  rig = await Rig.start();
});
after(async () => {
  await rig?.stop();
});

/** HelloWorlds converged before each fault. */
const objects = 30;
/** The outages (long form) and the shortened ones of `npm test`. */
const pauseMs = long ? 60_000 : 20_000;
const apiServerDownMs = long ? 30_000 : 15_000;
const etcdDownMs = long ? 30_000 : 15_000;
/** Before any fault: the operator's start and its first pass over the objects (not a bound under test). */
const initialConvergeMs = 60_000;
/**
 * Slack for a loaded 2-core machine shared with other control planes: process scheduling, TLS handshakes,
 * the first requests a freshly started or resumed server serves slowly, the end-state poll (250 ms).
 */
const marginMs = 10_000;
/** After convergence, time for the writes and reconciles that trail it (events, the echo of our own writes). */
const settleMs = 3_000;

/** The operator's reconciles logged at or after `sinceMs` for keys of `namespace`. */
function reconcilesIn(operator: RunningOperator, namespace: string, sinceMs: number): Map<string, number> {
  return new Map([...reconcilesPerKey(operator, sinceMs)].filter(([key]) => key.startsWith(`${namespace}/`)));
}

/** Leadership changes from the operator's log, onto the time line. */
function markLeadership(timeline: Timeline, operator: RunningOperator, sinceMs: number): void {
  for (const line of logLines(operator)) {
    if (line.time < sinceMs) continue;
    if (line.msg.startsWith('became the leader') || line.msg.startsWith('stopped leading'))
      timeline.mark(`operator: ${line.msg}`, line.time);
  }
}

/** A HelloWorld changed, created and deleted by the admin, retried until the control plane takes each. */
async function changeAfterRecovery(
  namespace: string,
  names: readonly string[],
  what: string,
  timeoutMs: number,
): Promise<{ changed: string[]; created: string[]; deleted: string[] }> {
  const changed = names.slice(0, 5);
  const created = [`${what}-new-0`, `${what}-new-1`];
  const deleted = [names.at(-1)!];
  const client = rig.admin.resource(HelloWorld);
  await Promise.all([
    inBatches(changed, 5, (name) =>
      untilAccepted(`spec.name of ${name}`, timeoutMs, () => rig.setName(namespace, name, `${name} after the ${what}`)),
    ),
    inBatches(created, 2, (name) =>
      untilAccepted(`creating ${name}`, timeoutMs, () =>
        client
          .create(
            { apiVersion: HelloWorld.apiVersion, kind: 'HelloWorld', metadata: { name }, spec: { name: `hello ${name}` } },
            { namespace },
          )
          .catch((err: unknown) => {
            if (!isAlreadyExists(err)) throw err; // an earlier attempt got through
          }),
      ),
    ),
    inBatches(deleted, 1, (name) =>
      untilAccepted(`deleting ${name}`, timeoutMs, () =>
        client.delete(name, { namespace }).catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        }),
      ),
    ),
  ]);
  return { changed, created, deleted };
}

/**
 * Wait until the operator has done its part in `namespace`: every invariant holds but, at most, the ConfigMaps of
 * the `deleted` HelloWorlds still being there, orphaned, which is the garbage collector's part (in
 * kube-controller-manager, which reconnects after an outage with its own backoff).
 */
async function operatorConverged(namespace: string, deleted: readonly string[], timeoutMs: number, timeline: Timeline): Promise<number> {
  const garbage = new Set(deleted.map((name) => `${namespace}/${name}: an orphaned ConfigMap`));
  const started = Date.now();
  let problems: string[] = [];
  while (Date.now() - started <= timeoutMs) {
    problems = (await rig.violations([namespace]).catch((err: unknown) => [`could not read the state: ${(err as Error).message}`])).filter(
      (p) => ![...garbage].some((g) => p.startsWith(g)),
    );
    if (problems.length === 0) return timeline.mark('the operator converged (the garbage collector may still have to delete ConfigMaps)');
    await sleep(250);
  }
  throw new Error(
    timeline.explain(
      `the operator did not converge within ${timeoutMs} ms; ${problems.length} problems, first ones:\n  ${problems.slice(0, 15).join('\n  ')}`,
    ),
  );
}

/** Whether a scenario left kube-apiserver stopped with SIGSTOP (a failure between pause and resume). */
let apiServerPaused = false;
/** Probe pollers still running (a failure before a scenario stopped them). */
const probePollers: ProbePoller[] = [];

/**
 * After a scenario, pass or fail: the control plane whole again and the path open, so the next scenario starts
 * from a working cluster; an operator the scenario did not stop (it failed first) is killed, so it cannot hold
 * the Lease against the next one.
 */
async function cleanUp(): Promise<void> {
  for (const poller of probePollers.splice(0)) await poller.stop();
  if (apiServerPaused) rig.cp.apiServer.resume();
  apiServerPaused = false;
  for (const component of [rig.cp.etcd, rig.cp.apiServer]) if (!component.running) await component.restart();
  rig.proxy.pass();
  for (const operator of rig.operators) {
    if (!operator.running) continue;
    operator.kill('SIGKILL');
    await operator.exited;
  }
}

/**
 * Readiness failed (if at all) only after the bound had passed since the fault, and only because watches could not
 * resume: the caches stay synced (stale, not empty) and no other check fails.
 */
function assertReadinessFailsOnlyForWatches(notReady: readonly ProbeAnswer[], faultAt: number, boundMs: number, timeline: Timeline): void {
  const first = notReady[0];
  assert.ok(
    !first || first.at >= faultAt + boundMs - 250,
    timeline.explain(`/readyz failed ${first && first.at - faultAt} ms after the fault, before the bound of ${boundMs} ms`),
  );
  const unresumed = new RegExp(`^\\[-\\]watch .* failed: unable to resume for \\d+ s \\(bound ${boundMs / 1000} s\\)`);
  const other = notReady.flatMap((a) => a.body.split('\n').filter((l) => l.startsWith('[-]') && !unresumed.test(l)));
  assert.deepEqual([...new Set(other)], [], timeline.explain('/readyz fails only for watches unable to resume'));
  for (const a of notReady) assert.ok(a.code === 500, timeline.explain(`/readyz answered ${a.code || 'nothing'} at +${a.at - faultAt} ms`));
}

/** The time line of a scenario that passed, as comment lines in the test output. */
function printTimeline(timeline: Timeline, title: string): void {
  process.stdout.write(`${timeline.explain(title).replace(/^/gm, '# ')}\n`);
}

async function convergedOperator(
  prefix: string,
  timeline: Timeline,
  extraArgs: string[] = [],
): Promise<{ namespace: string; names: string[]; operator: RunningOperator }> {
  const namespace = await rig.namespace(prefix);
  const names = await rig.createHelloWorlds(namespace, objects);
  const operator = await rig.startOperator(extraArgs);
  await rig.leading(operator);
  timeline.mark('operator leads');
  await rig.converged([namespace], initialConvergeMs, timeline);
  return { namespace, names, operator };
}

test(`kube-apiserver paused (SIGSTOP) for ${pauseMs / 1000} s: converges, at most 3 reconciles per key after the resume`, {
  timeout: 300_000,
}, async () => {
  const timeline = new Timeline();
  try {
    const { namespace, names, operator } = await convergedOperator('paused', timeline);

    // Changes just before the pause: the operator may be in the middle of them when the server stops answering.
    await inBatches(names.slice(5, 10), 5, (name) => rig.setName(namespace, name, `${name} before the pause`));
    rig.cp.apiServer.pause();
    apiServerPaused = true;
    const pausedAt = timeline.mark('kube-apiserver paused (SIGSTOP)');
    await sleep(pauseMs);
    rig.cp.apiServer.resume();
    apiServerPaused = false;
    const resumedAt = timeline.mark('kube-apiserver resumed (SIGCONT)');
    // Changes right after the resume (none can be made during the pause: the API server is stopped).
    const { changed, created, deleted } = await changeAfterRecovery(namespace, names, 'pause', 30_000);
    timeline.mark(`changes after the resume accepted: ${changed.length} changed, ${created.length} created, ${deleted.length} deleted`);

    // A request the pause left hanging ends within the client's request timeout at the latest; its loop then
    // retries within the backoff cap; the leader, whose term ended at its renew deadline, re-acquires the Lease
    // it still holds at its next round. Plus the margin.
    const convergeBoundMs = shipped.requestTimeoutMs + shipped.watchBackoffCapMs + marginMs;
    const convergedAt = await rig.converged([namespace], convergeBoundMs, timeline);
    await sleep(settleMs);
    markLeadership(timeline, operator, pausedAt);

    const perKey = reconcilesIn(operator, namespace, resumedAt);
    const most = Math.max(0, ...perKey.values());
    const over = [...perKey].filter(([, n]) => n > 3);
    process.stdout.write(
      `# paused ${pauseMs} ms: converged ${convergedAt - resumedAt} ms after the resume (bound ${convergeBoundMs} ms); ` +
        `${perKey.size} keys reconciled after the resume, at most ${most} times each (bound 3)\n`,
    );
    assert.ok(
      perKey.size >= changed.length + created.length,
      timeline.explain(`the changed and created keys were reconciled after the resume (${perKey.size} keys)`),
    );
    assert.deepEqual(over, [], timeline.explain('at most 3 reconciles per key after the resume'));
    assert.deepEqual(await rig.violations([namespace]), [], timeline.explain('the end state holds'));
    await operator.stop();
    printTimeline(timeline, 'paused kube-apiserver');
  } finally {
    await cleanUp();
  }
});

test(`kube-apiserver killed and restarted after ${apiServerDownMs / 1000} s: reconnects within the backoff cap, no request storm, changes after the restart converge`, {
  timeout: 300_000,
}, async () => {
  const timeline = new Timeline();
  // Shorter than the outage: the watches cannot resume while the server is gone, so readiness must fail.
  const watchResumeBoundMs = 5_000;
  try {
    const { namespace, names, operator } = await convergedOperator('killed', timeline, [
      `--watch-resume-bound=${watchResumeBoundMs / 1000}s`,
    ]);
    await sleep(settleMs); // quiet before the fault: what is counted below is the outage's
    const readiness = pollProbeVerbose(operator.probePort, '/readyz', 250);
    probePollers.push(readiness);

    // The path to the server is down while the server is down or starting, and opens once it is ready, as a
    // load balancer or the `kubernetes` Service routes only to a ready kube-apiserver. (A starting kube-apiserver
    // answers 403 before its RBAC caches have synced: a client let through then is refused for no fault of its
    // RBAC.) To the operator the refused connections look as the dead server's.
    rig.proxy.refuseConnections();
    const killedAt = timeline.mark('kube-apiserver killed (SIGKILL); the path refuses connections');
    await rig.cp.apiServer.kill();
    await sleep(apiServerDownMs);
    const restartAt = timeline.mark('kube-apiserver restarting');
    await rig.cp.apiServer.restart();
    rig.proxy.pass();
    const readyAt = timeline.mark('kube-apiserver ready again; the path is open');

    // No request storm: connection attempts at the proxy while the server was gone or starting.
    const outageMs = readyAt - killedAt;
    const attempts = rig.proxy.attempts.filter((a) => a.at >= killedAt && a.at <= readyAt);
    const failing = failingKeys(operator, killedAt, readyAt);
    const bound = outageRequestBound(outageMs, outageMs, failing.size);
    process.stdout.write(
      `# outage ${outageMs} ms (restart took ${readyAt - restartAt} ms): ${attempts.length} connection attempts at the proxy, ` +
        `bound ${bound.total} = ${bound.terms.join(' + ')}\n`,
    );
    assert.ok(
      attempts.length <= bound.total,
      timeline.explain(
        `${attempts.length} connection attempts in a ${outageMs} ms outage exceed the bound ${bound.total} (${bound.terms.join(' + ')})`,
      ),
    );
    assert.ok(
      attempts.length >= watchedCollections.length,
      timeline.explain(`the operator did try to reconnect (${attempts.length} attempts)`),
    );

    const changes = await changeAfterRecovery(namespace, names, 'restart', 30_000);
    timeline.mark('changes after the restart accepted');
    // Each loop is at most one backoff delay (the cap) from its next attempt when the server is back; then the
    // leader re-acquires the Lease it holds and reconciles the changes. Plus the margin.
    const convergeBoundMs = shipped.watchBackoffCapMs + marginMs;
    const operatorDoneAt = await operatorConverged(namespace, changes.deleted, convergeBoundMs, timeline);
    // The deleted HelloWorld's ConfigMap goes once kube-controller-manager's garbage collector is back: its
    // reflectors back off as client-go's do, 0.8 s doubling to 30 s with a jitter of up to as much again.
    const garbageBoundMs = 2 * shipped.watchBackoffCapMs + marginMs;
    const convergedAt = await rig.converged([namespace], Math.max(0, readyAt + garbageBoundMs - Date.now()), timeline);
    // Ready again once every watch has resumed: a reconnect within the backoff cap of the server's return, then a
    // second open. Plus the margin.
    const readyAgain = await eventually(
      '/readyz 200 again',
      async () => readiness.answers.find((a) => a.at > readyAt && a.code === 200 && readiness.answers.at(-1)?.code === 200),
      {
        timeoutMs: Math.max(1_000, readyAt + shipped.watchBackoffCapMs + 1_000 + marginMs - Date.now()),
        describe: () => timeline.explain('readiness'),
      },
    );
    await sleep(settleMs);
    markLeadership(timeline, operator, killedAt);
    const readyAnswers = await readiness.stop();
    const notReady = readyAnswers.filter((a) => a.at >= killedAt && a.code !== 200);
    if (notReady[0])
      timeline.mark(`/readyz ${notReady[0].code}: ${notReady[0].body.split('\n').find((l) => l.startsWith('[-]'))}`, notReady[0].at);
    timeline.mark('/readyz 200 again', readyAgain.at);
    process.stdout.write(
      `# /readyz not 200 ${notReady.length} times from ${notReady[0] ? notReady[0].at - killedAt : '-'} ms after the kill (bound ${watchResumeBoundMs} ms); ready again ${readyAgain.at - readyAt} ms after the server\n`,
    );
    assert.ok(
      notReady.length > 0,
      timeline.explain(`/readyz never failed through a ${outageMs} ms outage with a ${watchResumeBoundMs} ms bound`),
    );
    assertReadinessFailsOnlyForWatches(notReady, killedAt, watchResumeBoundMs, timeline);
    assert.ok(
      notReady[0]!.at <= killedAt + watchResumeBoundMs + 250 + marginMs,
      timeline.explain(`/readyz failed only ${notReady[0]!.at - killedAt} ms after the kill; bound ${watchResumeBoundMs} ms`),
    );

    // Reconnects: the first answered request of each loop, measured from the server being ready again. A loop
    // need not have reconnected by the time the operator converged (reconciles need only the HelloWorld
    // watch): each is waited for until its bound has passed.
    const reconnectBoundMs = shipped.watchBackoffCapMs + marginMs;
    const loops = [...watchedCollections.map((c) => ({ what: `watch ${c.resource}`, path: c.path })), { what: 'lease', path: leasePath }];
    while (Date.now() <= readyAt + reconnectBoundMs && loops.some((loop) => !firstSuccess(requestLog(operator), loop.path, killedAt)))
      await sleep(250);
    const requests = requestLog(operator);
    const figures: string[] = [];
    for (const loop of loops) {
      const first = firstSuccess(requests, loop.path, killedAt);
      assert.ok(first, timeline.explain(`${loop.what}: no successful request after the restart`));
      const afterReadyMs = first.startedAt + first.durationMs - readyAt;
      timeline.mark(`${loop.what}: first success (${first.method} ${first.code})`, first.startedAt + first.durationMs);
      figures.push(`${loop.what} ${afterReadyMs} ms`);
      assert.ok(
        afterReadyMs <= reconnectBoundMs,
        timeline.explain(
          `${loop.what} reconnected ${afterReadyMs} ms after the server was ready; bound ${reconnectBoundMs} ms (backoff cap + margin)`,
        ),
      );
    }
    process.stdout.write(
      `# first success after the server was ready: ${figures.join(', ')} (bound ${reconnectBoundMs} ms); the operator converged ` +
        `${operatorDoneAt - readyAt} ms after ready (bound ${convergeBoundMs} ms), the garbage collector ${convergedAt - readyAt} ms after (bound ${garbageBoundMs} ms)\n`,
    );

    // The restarted server's audit log, from the kill until convergence (at least the first 10 s after the
    // restart): per watch at most one list (the 410 relist), its backoff-gated watch attempts plus the one
    // after the relist; Lease calls by the elector's rounds; writes only for the keys changed after the restart.
    const windowEnd = Math.max(readyAt + 10_000, convergedAt + settleMs);
    const windowMs = windowEnd - killedAt;
    const audit = (await rig.auditSince(killedAt)).filter((e) => Date.parse(e.requestReceivedTimestamp) <= windowEnd).map(classifyAudit);
    const perWatchBound = new ReconnectBackoff().maxAttemptsWithin(windowMs) + 1;
    for (const { resource } of watchedCollections) {
      const lists = audit.filter((r) => r.type === 'list' && r.resource === resource).length;
      const watches = audit.filter((r) => r.type === 'watch' && r.resource === resource).length;
      process.stdout.write(
        `# ${resource} at the restarted server in ${windowMs} ms: ${lists} list, ${watches} watch requests (bounds 1 and ${perWatchBound})\n`,
      );
      assert.ok(lists <= 1, timeline.explain(`${resource}: ${lists} lists after the restart; at most one relist per watch`));
      assert.ok(
        watches >= 1 && watches <= perWatchBound,
        timeline.explain(`${resource}: ${watches} watch requests in ${windowMs} ms; expected 1 to ${perWatchBound}`),
      );
    }
    const leaseCalls = audit.filter((r) => r.type === 'lease').length;
    const leaseBound = 3 * (1 + Math.floor(windowMs / shipped.retryPeriodMs));
    // The deleted HelloWorld changed too: until the operator's HelloWorld watch is back, its cache still holds it.
    const keysChanged = new Set([...changes.changed, ...changes.created, ...changes.deleted].map((n) => `${namespace}/${n}`));
    const writes = audit.filter((r) => r.type === 'write');
    const strayWrites = writes.filter((w) => !keysChanged.has(w.key));
    // Besides: a live read of a deleted HelloWorld, which the controller makes before recreating its deleted
    // ConfigMap while its cache may still hold it (the garbage collector deletes the ConfigMap).
    // A live read of a created HelloWorld too: checked before its ConfigMap is created by apply.
    const ownerChecks = new Set(
      [...changes.deleted, ...changes.created].map((n) => `get /apis/apps.example.com/v1alpha1/namespaces/${namespace}/helloworlds/${n}`),
    );
    // And a live read of a changed key's ConfigMap: a reconcile whose ConfigMap cache has not seen the
    // operator's own last write of it within the read-your-writes wait (the ConfigMap watch may be up to the
    // backoff cap behind the HelloWorld watch) reads that ConfigMap live instead of writing from a stale view.
    const liveChildReads = new Set(
      [...changes.changed, ...changes.created].map((n) => `get /api/v1/namespaces/${namespace}/configmaps/${n}`),
    );
    const others = audit.filter((r) => r.type === 'other' && !ownerChecks.has(r.what) && !liveChildReads.has(r.what));
    // Per changed key: its ConfigMap, its status and one event, once each; a 409 on a stale view adds a retry
    // of the same write, so twice that at most.
    const writeBound = 2 * 3 * keysChanged.size;
    const writesPerKey = [...keysChanged].map((key) => `${key.split('/')[1]} ${writes.filter((w) => w.key === key).length}`);
    process.stdout.write(
      `# audit after the restart: ${leaseCalls} Lease calls (bound ${leaseBound}), ${writes.length} writes for ${keysChanged.size} changed keys ` +
        `(bound ${writeBound}; ${writesPerKey.join(', ')}), ${strayWrites.length} for other keys, ${others.length} other requests\n`,
    );
    assert.ok(
      leaseCalls <= leaseBound,
      timeline.explain(`${leaseCalls} Lease calls in ${windowMs} ms; bound ${leaseBound} (3 per retry period)`),
    );
    assert.deepEqual(strayWrites, [], timeline.explain('writes only for the keys changed after the restart'));
    assert.ok(
      writes.length <= writeBound,
      timeline.explain(`${writes.length} writes for ${keysChanged.size} changed keys; bound ${writeBound}`),
    );
    assert.deepEqual(others, [], timeline.explain('no requests besides lists, watches, Lease calls and writes'));
    assert.deepEqual(await rig.violations([namespace]), [], timeline.explain('the end state holds'));
    await operator.stop();
    printTimeline(timeline, 'killed kube-apiserver');
  } finally {
    await cleanUp();
  }
});

test(`etcd killed for ${etcdDownMs / 1000} s: /healthz stays up, /readyz fails only for a watch unable to resume past the bound, then everything converges`, {
  timeout: 300_000,
}, async () => {
  const timeline = new Timeline();
  // Shorter than the outage. kube-apiserver keeps its watches open through an etcd outage (its watch cache serves
  // them, and its etcd client resumes its own watch when etcd is back), so readiness normally stays true here: the
  // caches are as current as the server. What is checked is that it never fails for anything else, nor early.
  const watchResumeBoundMs = 5_000;
  try {
    const { namespace, names, operator } = await convergedOperator('etcd', timeline, [
      `--watch-resume-bound=${watchResumeBoundMs / 1000}s`,
    ]);
    const health = pollProbeVerbose(operator.probePort, '/healthz', 250);
    const readiness = pollProbeVerbose(operator.probePort, '/readyz', 250);
    probePollers.push(health, readiness);

    const killedAt = timeline.mark('etcd killed (SIGKILL)');
    await rig.cp.etcd.kill();
    await sleep(etcdDownMs);
    timeline.mark('etcd restarting');
    await rig.cp.etcd.restart();
    const etcdBackAt = timeline.mark('etcd ready again');
    await changeAfterRecovery(namespace, names, 'etcd', 60_000);
    const acceptedAt = timeline.mark('changes after etcd is back accepted');

    // A request kube-apiserver held while etcd was gone ends within the client's request timeout; its loop
    // then retries within the backoff cap. Plus the margin. Counted from etcd being ready again.
    const convergeBoundMs = shipped.requestTimeoutMs + shipped.watchBackoffCapMs + marginMs;
    const convergedAt = await rig.converged([namespace], convergeBoundMs - (acceptedAt - etcdBackAt), timeline);
    // Ready again once every watch has resumed: within the reconnect backoff's cap (plus a second open) of convergence.
    const readyAgain = await eventually(
      '/readyz 200 again',
      async () => {
        const last = readiness.answers.at(-1);
        return last && last.at > convergedAt && last.code === 200 ? last : undefined;
      },
      { timeoutMs: shipped.watchBackoffCapMs + 1_000 + marginMs, describe: () => timeline.explain('readiness') },
    );
    markLeadership(timeline, operator, killedAt);
    const healthAnswers = await health.stop();
    const readyAnswers = await readiness.stop();
    const notReady = readyAnswers.filter((a) => a.at >= killedAt && a.code !== 200);
    for (const [i, a] of notReady.entries()) {
      if (i === 0 || i === notReady.length - 1)
        timeline.mark(`/readyz ${a.code}: ${a.body.split('\n').find((l) => l.startsWith('[-]')) ?? a.body}`, a.at);
    }
    timeline.mark('/readyz 200 again', readyAgain.at);

    const during = (answers: readonly ProbeAnswer[]) => answers.filter((a) => a.at >= killedAt && a.at <= convergedAt);
    const healthDuring = during(healthAnswers);
    const unhealthy = healthDuring.filter((a) => a.code !== 200);
    process.stdout.write(
      `# etcd down ${etcdBackAt - killedAt} ms: /healthz answered ${healthDuring.length} times from the kill to convergence, ` +
        `${unhealthy.length} not 200; /readyz not 200 ${notReady.length} times (bound ${watchResumeBoundMs} ms), ready again ` +
        `${readyAgain.at - etcdBackAt} ms after etcd was back; converged ${convergedAt - etcdBackAt} ms after etcd was back (bound ${convergeBoundMs} ms)\n`,
    );
    // Every ~250 ms through the outage (half of the polls at least, on a busy machine): the check did look.
    const expectedPolls = Math.floor((convergedAt - killedAt) / 250 / 2);
    assert.ok(
      healthDuring.length >= expectedPolls,
      timeline.explain(`/healthz polled ${healthDuring.length} times; expected at least ${expectedPolls}`),
    );
    assert.deepEqual(
      unhealthy.map((a) => `+${a.at - killedAt} ms: ${a.code || 'no answer'} ${a.body}`),
      [],
      timeline.explain('/healthz answers 200 throughout: an outage is no reason to restart the operator'),
    );
    assertReadinessFailsOnlyForWatches(notReady, killedAt, watchResumeBoundMs, timeline);
    assert.deepEqual(await rig.violations([namespace]), [], timeline.explain('the end state holds'));
    await operator.stop();
    printTimeline(timeline, 'killed etcd');
  } finally {
    await cleanUp();
  }
});

test('no request of the operator was refused (zero 403s in the audit log since the install)', async () => {
  assert.deepEqual(await rig.forbidden(), []);
});
