import type { Cluster } from './cluster.ts';

/**
 * The requests of `users` (usernames as the audit log has them, such as
 * `system:serviceaccount:<namespace>:<name>`) that the API server refused with 403 Forbidden at or after
 * `since`, each as `<verb> <requestURI>`, from the cluster's audit log. An operator that runs under the RBAC
 * generated from its declarations and finds this empty declared every right it uses.
 *
 * The API server writes an audit event once it has answered: read after the work, not during it.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { test } from 'node:test';
 * import { forbiddenSince, testCluster } from 'capstan/testing';
 * test('the operator was refused nothing', async (t) => {
 *   const cluster = await testCluster(t);
 *   const since = new Date();
 *   // … run the operator …
 *   assert.deepEqual(await forbiddenSince(cluster, 'system:serviceaccount:demo-system:demo-operator', since), []);
 * });
 * ```
 */
export async function forbiddenSince(cluster: Cluster, users: string | readonly string[], since: Date | number): Promise<string[]> {
  const who = typeof users === 'string' ? [users] : users;
  const from = typeof since === 'number' ? since : since.getTime();
  return (await cluster.auditEvents())
    .filter((e) => who.includes(e.user.username) && e.responseStatus?.code === 403 && Date.parse(e.requestReceivedTimestamp) >= from)
    .map((e) => `${e.verb} ${e.requestURI}`);
}
