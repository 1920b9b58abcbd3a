// Two candidates under separate ServiceAccounts, each in its own process, on the real API server: one
// leads; a SIGKILLed leader is replaced within leaseDuration + 2 × retry × 1.2 + margin; a SIGTERMed one
// releases and is replaced within retry × 1.2 + margin; successful Lease writes never interleave.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import type { Lease } from '../../src/leader/index.ts';
import { eventually } from '../../src/testing/index.ts';
import { sharedCluster, uniqueName } from '../support/cluster.ts';
import type { ElectorProcessConfig } from './elector-process.ts';

const timings = { leaseDurationMs: 4_000, renewDeadlineMs: 3_000, retryPeriodMs: 500 };
const jitter = 1.2;
const marginMs = 3_000;
const killBoundMs = timings.leaseDurationMs + 2 * timings.retryPeriodMs * jitter + marginMs;
const releaseBoundMs = timings.retryPeriodMs * jitter + marginMs;

interface Line {
  at: number;
  event: string;
  identity?: string;
  reason?: string;
  holder?: string;
  message?: string;
}

class Candidate {
  readonly lines: Line[] = [];
  readonly child: ChildProcess;
  readonly label: string;
  identity = '';

  constructor(label: string, config: ElectorProcessConfig) {
    this.label = label;
    this.child = spawn(process.execPath, [new URL('./elector-process.ts', import.meta.url).pathname, JSON.stringify(config)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    createInterface({ input: this.child.stdout! }).on('line', (text) => {
      const line = JSON.parse(text) as Line;
      if (line.event === 'ready') this.identity = line.identity!;
      this.lines.push(line);
    });
  }

  first(event: string): Line | undefined {
    return this.lines.find((l) => l.event === event);
  }

  waitFor(event: string, timeoutMs: number): Promise<Line> {
    return eventually(`${this.label}: ${event}`, async () => this.first(event), { timeoutMs: timeoutMs });
  }

  exited(): Promise<number | null> {
    return this.child.exitCode !== null || this.child.signalCode !== null
      ? Promise.resolve(this.child.exitCode)
      : new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }
}

const candidates: Candidate[] = [];
after(() => {
  for (const c of candidates) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
});

test('one leader at a time; SIGKILL and SIGTERM failover within bounds derived from the timings', { timeout: 120_000 }, async (t) => {
  t.diagnostic(`lease ${timings.leaseDurationMs} ms, renew deadline ${timings.renewDeadlineMs} ms, retry ${timings.retryPeriodMs} ms`);
  t.diagnostic(`takeover after SIGKILL within lease + 2 × retry × ${jitter} + ${marginMs} = ${killBoundMs} ms`);
  t.diagnostic(`takeover after SIGTERM within retry × ${jitter} + ${marginMs} = ${releaseBoundMs} ms`);
  const cluster = await sharedCluster();
  const namespace = uniqueName('leader');
  const rules = [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }];
  const saA = await cluster.serviceAccountKubeconfig({ namespace, name: 'candidate-a', rules });
  const saB = await cluster.serviceAccountKubeconfig({ namespace, name: 'candidate-b', rules });
  const lease = { namespace, name: 'capstan-e2e', ...timings };
  const start = (label: string, kubeconfigPath: string) => {
    const c = new Candidate(label, { kubeconfigPath, ...lease });
    candidates.push(c);
    return c;
  };
  const holder = async () =>
    (
      await cluster.admin.request<Lease>({
        path: `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/capstan-e2e`,
      })
    ).spec?.holderIdentity;

  try {
    // A starts alone and leads; B joins and stands by for longer than a lease duration.
    const a = start('A', saA.kubeconfigPath);
    await a.waitFor('started-leading', 30_000);
    const b = start('B', saB.kubeconfigPath);
    await b.waitFor('ready', 30_000);
    await eventually('B to see A as the holder', async () => b.lines.find((l) => l.event === 'new-leader' && l.holder === a.identity), {
      timeoutMs: 10_000,
    });
    await new Promise((resolve) => setTimeout(resolve, timings.leaseDurationMs + timings.retryPeriodMs * 2));
    assert.equal(b.first('started-leading'), undefined, 'B never leads while A renews');
    assert.equal(await holder(), a.identity);
    assert.deepEqual(
      [...a.lines, ...b.lines].filter((l) => l.event === 'error'),
      [],
      'no request failed: the Role grants get, create, update',
    );

    // SIGKILL: A cannot release; B takes over once the Lease has not changed for its duration.
    const killedAt = Date.now();
    a.child.kill('SIGKILL');
    const bLeads = await b.waitFor('started-leading', killBoundMs + 5_000);
    const killTakeover = bLeads.at - killedAt;
    t.diagnostic(`takeover after SIGKILL: ${killTakeover} ms (bound ${killBoundMs} ms)`);
    assert.ok(killTakeover <= killBoundMs, `took ${killTakeover} ms`);
    assert.equal(await holder(), b.identity);

    // A restarts with a new identity and stands by; SIGTERM to B releases the Lease and A takes over at once.
    const a2 = start('A2', saA.kubeconfigPath);
    await eventually('A2 to see B as the holder', async () => a2.lines.find((l) => l.event === 'new-leader' && l.holder === b.identity), {
      timeoutMs: 30_000,
    });
    assert.notEqual(a2.identity, a.identity, 'a restarted process is a new candidate');
    const termAt = Date.now();
    b.child.kill('SIGTERM');
    const a2Leads = await a2.waitFor('started-leading', releaseBoundMs + 5_000);
    const releaseTakeover = a2Leads.at - termAt;
    t.diagnostic(`takeover after SIGTERM: ${releaseTakeover} ms (bound ${releaseBoundMs} ms)`);
    assert.ok(releaseTakeover <= releaseBoundMs, `took ${releaseTakeover} ms`);
    assert.equal(await b.exited(), 0);
    const released = b.lines.find((l) => l.event === 'stopped-leading');
    assert.equal(released?.reason, 'released');
    assert.ok(released.at <= a2Leads.at, 'B stepped down before A2 led');
    a2.child.kill('SIGTERM');
    assert.equal(await a2.exited(), 0);
    assert.equal(await holder(), '', 'the last leader released the Lease on SIGTERM');

    // The audit log: successful Lease writes come in one block per identity, never interleaved, and B's first
    // write came at least a lease duration after the last write of A that it could have seen.
    const blocks = await eventually(
      'the audit log to hold the last release',
      async () => {
        const writes = (await cluster.auditEvents()).filter(
          (e) =>
            e.stage === 'ResponseComplete' &&
            e.objectRef?.resource === 'leases' &&
            e.objectRef.namespace === namespace &&
            ['create', 'update'].includes(e.verb) &&
            (e.responseStatus?.code ?? 500) < 300,
        );
        const grouped: Array<{ user: string; first: number; last: number }> = [];
        for (const w of writes) {
          const at = Date.parse(w.requestReceivedTimestamp);
          const block = grouped.at(-1);
          if (block?.user === w.user.username) block.last = at;
          else grouped.push({ user: w.user.username, first: at, last: at });
        }
        return grouped.length === 3 ? grouped : undefined;
      },
      { timeoutMs: 10_000 },
    );
    assert.deepEqual(
      blocks.map((b) => b.user),
      [saA.username, saB.username, saA.username],
    );
    const gap = blocks[1]!.first - blocks[0]!.last;
    t.diagnostic(`A's last write to B's first: ${gap} ms (lease ${timings.leaseDurationMs} ms)`);
    assert.ok(gap >= timings.leaseDurationMs, `B wrote ${gap} ms after A's last write, before A's lease ran out`);
  } finally {
    await cluster.admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${namespace}` });
  }
});
