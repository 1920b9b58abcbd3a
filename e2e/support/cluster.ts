// How an e2e test file gets a cluster: the kit's testCluster, once per file: the control plane `npm test`
// shares between files (described by $CAPSTAN_TEST_CLUSTER), else one `capstan control-plane up` runs, else,
// when a file runs on its own, a control plane of its own with the CRDs and controllers the suites share.
import { after } from 'node:test';
import { type Cluster, type TestScope, testCluster } from '../../src/testing/index.ts';
import { sharedControlPlaneOptions } from './shared-control-plane.ts';

let shared: Promise<Cluster> | undefined;
const cleanups: Array<() => Promise<void>> = [];

// Registered when this module is first imported, i.e. at the top level of the test file: it runs once,
// after every test of the file (an after() registered inside a test or hook would run after that one).
// Every cleanup runs even when an earlier one throws (a failed cleanup must not leave an operator running that
// keeps the file alive until its time limit); the failures are reported together at the end.
after(async () => {
  const failures: unknown[] = [];
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((err: unknown) => failures.push(err));
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new AggregateError(failures, `${failures.length} cleanups of the file failed`);
});

/** The test file as a {@link TestScope}: what is registered here is undone after the file's tests, latest first. */
export const fileScope: TestScope = { after: (cleanup) => cleanups.push(cleanup) };

/** The shared cluster; tests on it must break nothing and isolate themselves by namespace. */
export function sharedCluster(): Promise<Cluster> {
  shared ??= testCluster(fileScope, sharedControlPlaneOptions()); // as scripts/test.ts starts the shared one
  return shared;
}

/** A namespace name unique to this test. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}
