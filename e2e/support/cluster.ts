// How an e2e test file gets a cluster: the control plane `npm test` shares between files (described by
// $CAPSTAN_TEST_CLUSTER), or, when a file runs on its own, a control plane of its own.
import { readFile } from 'node:fs/promises';
import { after } from 'node:test';
import { type Cluster, type ClusterDescriptor, connectToCluster, startControlPlane } from '../../src/testing/index.ts';

let shared: Promise<Cluster> | undefined;
let cleanup: (() => Promise<void>) | undefined;

// Registered when this module is first imported, i.e. at the top level of the test file: it runs once,
// after every test of the file (an after() registered inside a test or hook would run after that one).
after(async () => {
  await cleanup?.();
});

/** The shared cluster; tests on it must break nothing and isolate themselves by namespace. */
export function sharedCluster(): Promise<Cluster> {
  shared ??= (async () => {
    const descriptorPath = process.env['CAPSTAN_TEST_CLUSTER'];
    if (descriptorPath) {
      const cluster = await connectToCluster(JSON.parse(await readFile(descriptorPath, 'utf8')) as ClusterDescriptor);
      cleanup = () => cluster.admin.close();
      return cluster;
    }
    const cp = await startControlPlane();
    cleanup = () => cp.stop();
    return cp;
  })();
  return shared;
}

/** A namespace name unique to this test. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

/** Poll `check` until it returns a value other than undefined; the failure names what was awaited and for how long. */
export async function eventually<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const started = Date.now();
  let last: unknown;
  while (Date.now() - started < timeoutMs) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
}
