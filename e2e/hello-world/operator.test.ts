// The HelloWorld operator of examples/hello-world, end to end on the shared control plane, installed and
// driven as its README says: config/ applied with kubectl, the operator as its own process under the
// ServiceAccount config/rbac binds. Its kind, apps.example.com, is cluster-wide and a cluster-wide operator
// sees every namespace, so every scenario that runs an operator lives in this one file, in phases: the
// scenarios that can share one operator run side by side, the ones that change the CRD, restart the
// operator or change its mode run after them, one at a time.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sharedCluster } from '../support/cluster.ts';
import { invalidResources, longestValue, unboundedCrd } from './bounds.ts';
import { collisionWithAnotherOwner, collisionWithoutOwner } from './collisions.ts';
import { currentContext } from './current-context.ts';
import { namespaceScoped } from './namespace-mode.ts';
import { restartWritesNothing } from './restart.ts';
import { Scenario } from './scenario.ts';
import { forbiddenSince, type RunningOperator, startOperator } from '../../src/testing/index.ts';
import { crdName, exampleOperator, installExample, kubectl, operatorUser } from './support.ts';
import { walkthrough } from './walkthrough.ts';

let s: Scenario;
let operator: RunningOperator | undefined;

before(async () => {
  const cluster = await sharedCluster();
  const { kubeconfigPath, installedAt } = await installExample(cluster);
  s = new Scenario(cluster, kubeconfigPath, installedAt);
  operator = await startOperator(exampleOperator(cluster, kubeconfigPath));
});

after(async () => {
  await operator?.stop();
  if (!s) return;
  await Promise.all(
    s.namespaces.map((ns) => s.cluster.admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` }).catch(() => undefined)),
  );
  // The CRD goes last, with every HelloWorld still left; nothing else on the shared cluster uses the kind.
  await kubectl(s.adminKubeconfig, ['delete', '--ignore-not-found', '--wait=false', '-k', 'config/rbac']);
  await kubectl(s.adminKubeconfig, [
    'delete',
    '--ignore-not-found',
    '--wait=false',
    '-f',
    `config/crd/${crdName}.yaml`,
    '-f',
    'config/manager/namespace.yaml',
  ]);
});

describe('one cluster-wide operator, scenarios side by side', { concurrency: true }, () => {
  test(
    'the walkthrough with kubectl: apply, get, patch, edit, unlabel, delete; repaired, extra keys kept, garbage-collected',
    { timeout: 180_000 },
    () => walkthrough(s),
  );
  test(
    'a ConfigMap with no owner (even with our label) is neither overwritten nor adopted; recovery once it goes',
    { timeout: 120_000 },
    () => collisionWithoutOwner(s),
  );
  test('a ConfigMap controlled by another HelloWorld is neither overwritten nor adopted; recovery once it goes', { timeout: 120_000 }, () =>
    collisionWithAnotherOwner(s),
  );
  test(
    'the longest allowed spec.name, every character a 6-byte JSON escape, goes through kubectl apply and into the ConfigMap',
    { timeout: 120_000 },
    () => longestValue(s),
  );
  test('invalid HelloWorlds are refused by the API server with a clear message', { timeout: 120_000 }, () => invalidResources(s));
});

test('the operator was refused nothing (audit log, since waitForKind)', async () => {
  assert.deepEqual(await forbiddenSince(s.cluster, operatorUser, s.installedAt), []);
});

test(
  'with a CRD installed without the bound, an over-long spec.name fails safely: Ready=False with the API reason, backoff, others unaffected',
  { timeout: 180_000 },
  () => unboundedCrd(s, operator!),
);

test('restarting the operator on 200 converged HelloWorlds writes nothing', { timeout: 400_000 }, async () => {
  operator = await restartWritesNothing(s, operator!);
  assert.deepEqual(await forbiddenSince(s.cluster, operatorUser, s.installedAt), []);
  await operator.stop();
  operator = undefined;
});

test('namespace-scoped: a Role in each of two namespaces, --namespace=a,b, nothing read elsewhere (audit log), nothing refused', {
  timeout: 180_000,
}, async () => {
  await namespaceScoped(s);
});

test(
  'npm start -- --use-current-context: says which context it changes, runs the sample, stops on Ctrl-C within 15 s',
  { timeout: 180_000 },
  () => currentContext(s),
);
