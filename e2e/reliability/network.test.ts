// Faults 1, 6 and 9 of the reliability suite, on the operator's network path and its writes: the API
// connection black-holed, a second writer fighting over the same objects, and every byte delayed during a
// burst. One control plane for the file, the fault proxy as the operator's only path to kube-apiserver;
// each scenario has its own namespace and its own operator (leader election on, its generated RBAC),
// started after the previous one stopped, so its logs, backoffs, leadership and heap belong to it alone.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { blackHoledConnection } from './black-hole.ts';
import { deleteNamespace } from '../../src/testing/index.ts';
import { Rig } from './rig.ts';
import { secondWriter } from './second-writer.ts';
import { slowNetwork } from './slow-network.ts';

let rig: Rig;
before(async () => {
  rig = await Rig.start();
});
after(async () => {
  await rig?.stop();
});

// Each namespace is deleted once its operator stopped, before the next scenario: a namespace deleted under a
// running operator makes it recreate ConfigMaps the namespace controller just removed, which the API server
// refuses with 403 (the namespace is terminating), and the next scenario's baselines need a quiet cluster.

test('black-holed API connection for the inactivity timeout + 30 s while 50 HelloWorlds change: silence detected within the timeout, converged within the backoff cap + 30 s', {
  timeout: 600_000,
}, async () => {
  await deleteNamespace(rig.cp, await blackHoledConnection(rig));
});

test('a second writer fights over ConfigMaps and statuses: the operator takes its fields back by apply (no 409), one error line per backoff step at most, end state correct', {
  timeout: 600_000,
}, async () => {
  await deleteNamespace(rig.cp, await secondWriter(rig));
});

test('250 ± 100 ms each way during a burst of creations by 10 clients: converges; once the burst is deleted, the heap after GC grew by less than a quarter of what the burst retained', {
  timeout: 900_000,
}, async () => {
  await deleteNamespace(rig.cp, await slowNetwork(rig));
});

test('the operator was refused nothing in this file (audit log, since waitForKind)', async () => {
  assert.deepEqual(await rig.forbidden(), []);
});
