// Fault 1 of the reliability suite: the operator's connection to kube-apiserver black-holed (every byte
// dropped, sockets left open, as behind a dead NAT entry) for the watch inactivity timeout plus 30 s (plus
// 10 s in `npm test`) while 50 HelloWorlds change. Its watches must notice the silence within the inactivity timeout, and once the
// path returns every HelloWorld must converge within the watch backoff cap plus 30 s.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunningOperator } from '../../src/testing/index.ts';
import { inBatches, logLines, long, type Rig, shipped, Timeline } from './rig.ts';

/** HelloWorlds that change while the operator is cut off (the issue's 50, in both forms). */
const objects = 50;
/** The Manager's default inactivity timeout, which the long form runs with (no flag). */
const defaultInactivityTimeoutMs = 150_000;
/**
 * The short form's inactivity timeout, passed as --watch-inactivity-timeout. It is below the API server's
 * bookmark interval (about a minute), so an idle watch would be reopened every 20 s; the scenario keeps
 * both watches busy up to the black hole (changes just before it), so each is open and freshly active then.
 */
const shortInactivityTimeoutMs = 20_000;
const inactivityTimeoutMs = long ? defaultInactivityTimeoutMs : shortInactivityTimeoutMs;
/**
 * The issue's black hole: the inactivity timeout plus 30 s; `npm test` keeps it to the timeout plus 10 s
 * for its time budget. Either way it outlasts the renew deadline (10 s), so the operator stops leading, and
 * requests sent into it are still hanging when the path returns.
 */
const blackHoleMs = inactivityTimeoutMs + (long ? 30_000 : 10_000);
/**
 * Detection: a watch's inactivity timer is re-armed at each byte it reads, and the last byte came before
 * the black hole began, so the timer fires at most the inactivity timeout after the black hole began. The
 * margin covers timer and event-loop lag of an operator on a loaded 2-core machine, and the log write.
 */
const detectionMarginMs = 3_000;
const detectionBoundMs = inactivityTimeoutMs + detectionMarginMs;
/**
 * The issue's recovery bound after the path returns: the watch backoff cap plus 30 s. Why it covers what
 * the black hole left behind: every request sent into it (a reopened watch, a relist, the elector's Lease
 * read after the renew deadline passed and the operator stopped leading) hangs until the client's request
 * timeout, at most `shipped.requestTimeoutMs` (30 s) after the path returns; the next watch attempt then
 * waits at most the backoff cap (30 s) and the elector its retry period (2 s), and the Lease still names
 * this operator, so it leads again at once. After the one or two failures of this outage the watch backoff
 * is a few seconds, far below its cap, which leaves the rest for the 50 reconciles.
 */
const recoveryBoundMs = shipped.watchBackoffCapMs + 30_000;
/** SIGTERM to exit: in-flight reconciles get the shutdown grace period; the margin is for the Lease release and the exit. */
const stopMarginMs = 5_000;
const stopBoundMs = shipped.shutdownGraceMs + stopMarginMs;
/** Before the fault: the operator's first pass over the 50 (not a bound under test). */
const initialConvergeMs = 60_000;

const silentMessage = 'watch silent past its inactivity timeout; reconnecting';
const watchedResources = ['helloworlds', 'configmaps'] as const;

/** The scenario in a namespace of its own, which it returns for the caller to delete. */
export async function blackHoledConnection(rig: Rig): Promise<string> {
  const timeline = new Timeline();
  const ns = await rig.namespace('net-black-hole');
  const operator = await rig.startOperator(long ? [] : [`--watch-inactivity-timeout=${shortInactivityTimeoutMs / 1000}s`]);
  timeline.mark('operator ready');
  try {
    await rig.leading(operator);
    timeline.mark('operator leading');
    const names = await rig.createHelloWorlds(ns, objects);
    await rig.converged([ns], initialConvergeMs, timeline);
    // A last change just before the fault: both watches (the HelloWorld and its ConfigMap) carry traffic
    // now, so each is open and its inactivity timer freshly armed when the black hole begins.
    await rig.setName(ns, names[0]!, `warm ${names[0]}`);
    await rig.converged([ns], initialConvergeMs, timeline);
    await sleep(500);

    const blackHoleAt = timeline.mark(`black hole (${blackHoleMs / 1000} s; inactivity timeout ${inactivityTimeoutMs / 1000} s)`);
    rig.proxy.blackHole();
    await inBatches(names, 10, (name) => rig.setName(ns, name, `dark ${name}`));
    timeline.mark(`all ${objects} spec.name changed (admin, straight to the API server)`);

    const detections = await waitForDetections(operator, blackHoleAt, detectionBoundMs + 2_000);
    for (const resource of watchedResources) {
      const at = detections.get(resource);
      if (at !== undefined) timeline.mark(`operator: ${resource} watch silent past its inactivity timeout`, at);
    }
    // More changes while the operator is cut off and reconnecting in vain.
    await inBatches(names, 10, (name) => rig.setName(ns, name, `darker ${name}`));
    timeline.mark(`all ${objects} spec.name changed again`);
    await sleep(Math.max(0, blackHoleAt + blackHoleMs - Date.now()));
    rig.proxy.pass();
    const passAt = timeline.mark('path restored');

    for (const resource of watchedResources) {
      const at = detections.get(resource);
      assert.ok(
        at !== undefined,
        timeline.explain(`the ${resource} watch never logged '${silentMessage}' within ${detectionBoundMs} ms of the black hole`),
      );
      assert.ok(
        at - blackHoleAt <= detectionBoundMs,
        timeline.explain(
          `the ${resource} watch noticed the silence ${at - blackHoleAt} ms into the black hole; bound ${detectionBoundMs} ms (inactivity timeout + ${detectionMarginMs} ms)`,
        ),
      );
    }

    let convergedAt: number;
    try {
      convergedAt = await rig.converged([ns], recoveryBoundMs);
    } catch (err) {
      markOperator(timeline, operator, blackHoleAt);
      throw new Error(timeline.explain((err as Error).message), { cause: err });
    }
    const leadership = logLines(operator).filter((l) => l.time >= blackHoleAt && leadershipChange.test(l.msg));
    const detectionText = watchedResources.map((r) => `${r} ${((detections.get(r)! - blackHoleAt) / 1000).toFixed(1)} s`).join(', ');
    process.stdout.write(
      `# black hole ${blackHoleMs / 1000} s, inactivity timeout ${inactivityTimeoutMs / 1000} s: silence detected after ${detectionText} (bound ${detectionBoundMs / 1000} s)\n`,
    );
    process.stdout.write(
      `# black hole: leadership ${leadership.map((l) => `${l.msg.split(';')[0]} at +${((l.time - blackHoleAt) / 1000).toFixed(1)} s`).join(', ') || 'kept'}\n`,
    );
    process.stdout.write(
      `# black hole: all ${objects} converged ${((convergedAt - passAt) / 1000).toFixed(1)} s after the path returned (bound ${recoveryBoundMs / 1000} s = backoff cap ${shipped.watchBackoffCapMs / 1000} s + 30 s)\n`,
    );
    // Requests and TLS handshakes sent into the black hole may still hang when SIGTERM comes: none may keep
    // the process past its shutdown grace period.
    const stopAt = Date.now();
    await operator.stop();
    const stopMs = Date.now() - stopAt;
    process.stdout.write(`# black hole: SIGTERM to exit ${(stopMs / 1000).toFixed(1)} s (bound ${stopBoundMs / 1000} s)\n`);
    assert.ok(
      stopMs <= stopBoundMs,
      `the operator took ${stopMs} ms to exit after SIGTERM; bound ${stopBoundMs} ms (grace period + ${stopMarginMs} ms)`,
    );
  } finally {
    rig.proxy.pass();
    if (operator.running) operator.kill('SIGKILL');
  }
  return ns;
}

/** When each watch first logged its inactivity timeout at or after `sinceMs`; waits until both did or `timeoutMs` passed. */
async function waitForDetections(operator: RunningOperator, sinceMs: number, timeoutMs: number): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for (;;) {
    for (const line of logLines(operator)) {
      const resource = String(line['resource']);
      if (line.time >= sinceMs && line.msg === silentMessage && !found.has(resource)) found.set(resource, line.time);
    }
    if (watchedResources.every((r) => found.has(r)) || Date.now() - sinceMs > timeoutMs) return found;
    await sleep(200);
  }
}

const leadershipChange = /^(became the leader|stopped leading)/;

/** The operator's leadership changes, watch failures and relists since `sinceMs`, onto the time line. */
function markOperator(timeline: Timeline, operator: RunningOperator, sinceMs: number): void {
  for (const line of logLines(operator)) {
    if (line.time < sinceMs) continue;
    if (leadershipChange.test(line.msg)) timeline.mark(`operator: ${line.msg}`, line.time);
    else if (line.msg === 'watch request failed; retrying with backoff' || line.msg === 'listing') {
      timeline.mark(`operator: ${String(line['resource'])}: ${line.msg} ${JSON.stringify(line['err'] ?? line['cause'] ?? '')}`, line.time);
    }
  }
}
