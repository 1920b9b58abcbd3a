// Fault 6 of the reliability suite: a second writer fighting the operator over the same ConfigMaps and
// statuses. For a while, one loop per HelloWorld (the admin, as a careless user or a rival controller would)
// overwrites its ConfigMap's data.message twice in a row, forges its status (Ready=False, a wrong
// observedGeneration) and now and then changes its spec.name, each write a full update carrying the
// resourceVersion it read, retried on 409 Conflict. The operator writes its ConfigMaps and statuses by
// server-side apply with force: it takes its fields back without reading first, so it meets no 409 at all
// (the fighter does). After the fight the end state must be right, the operator must have fought back (its
// applies during the fight), a conflict is never logged at error, and each key may log at most one error
// line per backoff step.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { isConflict } from '../../src/client/index.ts';
import { ConfigMap } from '../../src/kinds/core/v1.ts';
import { HelloWorld, type LogLine, logLines, long, requestLog, type Rig, Timeline } from './rig.ts';

/** HelloWorlds fought over. */
const objects = 20;
/** The fight: ~20 s in `npm test`, 2 minutes in the soak run. */
const fightMs = long ? 120_000 : 20_000;
/** Each loop's pause between rounds, so 20 loops stay a fight rather than a load test on 2 shared cores. */
const roundPauseMs = 500;
/** Every this many rounds a fighter also changes spec.name (of every other HelloWorld). */
const specEvery = 4;
/** Before the fight: the operator's first pass over the objects (not a bound under test). */
const initialConvergeMs = 60_000;
/**
 * After the fight: each key's last change reaches the operator as a watch event, which queues it at once
 * (an add is never held back by a pending retry's backoff), and one reconcile repairs it: a wait of at
 * most 5 s for the cache to show the key's own last write (read-your-writes), then two writes. The rest
 * is margin for a loaded 2-core machine.
 */
const readYourWritesTimeoutMs = 5_000;
const marginMs = 10_000;
const repairBoundMs = readYourWritesTimeoutMs + marginMs;

const failedMessage = 'reconcile failed; retrying with backoff';
const conflictText = /\b409\b|Conflict|has been modified/;
const pinoError = 50;
const pinoDebug = 20;

/** What the fighters did. */
interface FightTally {
  rounds: number;
  writes: number;
  conflicts: number;
  /** When the last write was accepted. */
  lastWriteAt: number;
}

/** The scenario in a namespace of its own, which it returns for the caller to delete. */
export async function secondWriter(rig: Rig): Promise<string> {
  const timeline = new Timeline();
  const ns = await rig.namespace('net-second-writer');
  const operator = await rig.startOperator();
  try {
    await rig.leading(operator);
    const names = await rig.createHelloWorlds(ns, objects);
    await rig.converged([ns], initialConvergeMs, timeline);

    const fightStart = timeline.mark(`fight starts (${fightMs / 1000} s, ${objects} HelloWorlds)`);
    const tally: FightTally = { rounds: 0, writes: 0, conflicts: 0, lastWriteAt: 0 };
    await Promise.all(names.map((name, i) => fight(rig, ns, name, i, fightStart + fightMs, tally)));
    timeline.mark("the fighter's last write", tally.lastWriteAt);
    timeline.mark(`fight over: ${tally.rounds} rounds, ${tally.writes} writes, ${tally.conflicts} conflicts retried by the fighter`);

    const convergedAt = await rig.converged([ns], Math.max(0, repairBoundMs - (Date.now() - tally.lastWriteAt)), timeline);
    // Let the reconciles that trail convergence (the echo of the last repairs) log their outcome.
    await sleep(2_000);

    const lines = logLines(operator).filter((l) => l.time >= fightStart);
    const errorLines = lines.filter((l) => l.level >= pinoError);
    const conflictErrors = errorLines.filter((l) => conflictText.test(JSON.stringify(l)));
    assert.deepEqual(
      conflictErrors.map(describe),
      [],
      'a 409 Conflict was logged at error level; conflicts are retried and logged at debug',
    );
    const steps = backoffStepViolations(lines);
    assert.deepEqual(steps, [], 'a key logged more than one error line for one backoff step (retries not strictly increasing)');

    const conflictDebugLines = lines.filter((l) => l.level === pinoDebug && l.msg === failedMessage && conflictText.test(String(l['err'])));
    const requested409 = requestLog(operator).filter((r) => r.code === '409' && r.startedAt >= fightStart);
    const audited409 = (await rig.auditSince(fightStart)).filter((e) => e.responseStatus?.code === 409);
    process.stdout.write(
      `# second writer: ${fightMs / 1000} s, ${tally.rounds} rounds, ${tally.writes} writes, ${tally.conflicts} 409s retried by the fighter\n`,
    );
    process.stdout.write(
      `# second writer: operator 409s: ${requested409.length} in its request log, ${audited409.length} in the audit log, ` +
        `${conflictDebugLines.length} reconciles failed on them (logged at debug); ${errorLines.length} error-level lines, none a conflict\n`,
    );
    process.stdout.write(
      `# second writer: converged ${((convergedAt - tally.lastWriteAt) / 1000).toFixed(1)} s after the fighter's last write (bound ${repairBoundMs / 1000} s)\n`,
    );
    const applied = requestLog(operator).filter(
      (r) => r.method === 'PATCH' && /\/configmaps\//.test(r.path) && r.code.startsWith('2') && r.startedAt >= fightStart,
    );
    process.stdout.write(`# second writer: the operator took its ConfigMaps back ${applied.length} times by apply\n`);
    assert.ok(applied.length >= 1, timeline.explain('the operator never applied a ConfigMap during the fight: it did not fight back'));
    assert.equal(requested409.length, 0, timeline.explain('server-side apply with force never conflicts, yet the operator met a 409'));
    await operator.stop();
  } finally {
    if (operator.running) operator.kill('SIGKILL');
  }
  return ns;
}

/** One fighter: rounds of ConfigMap overwrites, a forged status and now and then a new spec.name, until `until`. */
async function fight(rig: Rig, ns: string, name: string, index: number, until: number, tally: FightTally): Promise<void> {
  const configMaps = rig.admin.resource(ConfigMap);
  const helloWorlds = rig.admin.resource(HelloWorld);
  for (let round = 0; Date.now() < until; round++) {
    tally.rounds++;
    for (const take of ['a', 'b']) {
      await retryOnConflict(tally, async () => {
        const cm = await configMaps.get(name, { namespace: ns });
        await configMaps.update({ ...cm, data: { ...cm.data, message: `fighter ${round}${take}` } }, { namespace: ns });
      });
    }
    await retryOnConflict(tally, async () => {
      const hw = await helloWorlds.get(name, { namespace: ns });
      const generation = hw.metadata.generation ?? 1;
      const forged = {
        observedGeneration: generation + 7,
        conditions: [
          {
            type: 'Ready',
            status: 'False',
            reason: 'Forged',
            message: `forged by the second writer in round ${round}`,
            observedGeneration: generation + 7,
            lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
          },
        ],
      };
      await helloWorlds.updateStatus({ ...hw, status: forged as HelloWorld['status'] }, { namespace: ns });
    });
    if (round % specEvery === specEvery - 1 && index % 2 === 0) {
      await retryOnConflict(tally, async () => {
        const hw = await helloWorlds.get(name, { namespace: ns });
        await helloWorlds.update({ ...hw, spec: { ...hw.spec, name: `fought ${round} ${name}` } }, { namespace: ns });
      });
    }
    await sleep(roundPauseMs);
  }
}

/** Run `write` (a read and a resourceVersion-guarded update) until it is not refused with 409. */
async function retryOnConflict(tally: FightTally, write: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await write();
      tally.writes++;
      tally.lastWriteAt = Date.now();
      return;
    } catch (err) {
      if (!isConflict(err) || attempt >= 20) throw err;
      tally.conflicts++;
    }
  }
}

/**
 * Error lines of one key must carry strictly increasing `retries` (one line per backoff step) until the key
 * succeeds, which forgets its failures; returns the lines that break this.
 */
function backoffStepViolations(lines: readonly LogLine[]): string[] {
  const lastRetries = new Map<string, number>();
  const problems: string[] = [];
  for (const line of lines) {
    const key = `${String(line['namespace'])}/${String(line['name'])}`;
    if (line.msg === 'reconciled' || line.msg.startsWith('reconcile failed terminally')) lastRetries.delete(key);
    if (line.msg !== failedMessage || line.level < pinoError) continue;
    const retries = Number(line['retries']);
    const last = lastRetries.get(key);
    if (last !== undefined && !(retries > last)) problems.push(`${key}: retries ${retries} after ${last}: ${describe(line)}`);
    lastRetries.set(key, retries);
  }
  return problems;
}

function describe(line: LogLine): string {
  return `${new Date(line.time).toISOString()} level ${line.level} ${line.msg} ${JSON.stringify(line['err'] ?? '')}`;
}
