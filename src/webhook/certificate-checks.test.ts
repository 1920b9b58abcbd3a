import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError, ClientError, KubeClient, type KubeTransport, type StatusBody } from '../client/index.ts';
import { defineKind } from '../core/index.ts';
import { dryRunVerifier } from './certificate-checks.ts';

const ConfigMap = defineKind({ group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true });

/** A client whose every request fails with `failure` (or succeeds with undefined). */
function clientFailingWith(failure: Error | undefined): { client: KubeClient; sent: string[] } {
  const sent: string[] = [];
  const transport: KubeTransport = {
    request: async (options) => {
      sent.push(`${options.method} ${options.path} dryRun=${String(options.query?.['dryRun'])}`);
      if (failure !== undefined) throw failure;
      return {};
    },
    stream: () => Promise.reject(new Error('no watches here')),
  };
  return { client: KubeClient.over(transport), sent };
}

const status = (code: number, reason: string): StatusBody => ({
  kind: 'Status',
  apiVersion: 'v1',
  status: 'Failure',
  code,
  reason,
  message: reason,
});

test('dryRunVerifier passes when admission answered: created, or refused below 500 (denied, invalid)', async () => {
  for (const failure of [
    undefined,
    new ApiError('POST', '/x', 403, status(403, 'Forbidden')),
    new ApiError('POST', '/x', 422, status(422, 'Invalid')),
  ]) {
    const { client, sent } = clientFailingWith(failure);
    await dryRunVerifier(client, ConfigMap, 'ops')(AbortSignal.timeout(5_000));
    assert.deepEqual(sent, ['POST /api/v1/namespaces/ops/configmaps dryRun=All']);
  }
});

test('dryRunVerifier fails when the webhook call failed (5xx) or nothing answered (nothing was verified)', async () => {
  for (const failure of [
    new ApiError('POST', '/x', 500, status(500, 'InternalError')),
    new ClientError('CONNECTION_FAILED', 'cannot reach the API server'),
    new ClientError('REQUEST_TIMEOUT', 'no answer'),
  ]) {
    const { client } = clientFailingWith(failure);
    await assert.rejects(dryRunVerifier(client, ConfigMap, 'ops')(AbortSignal.timeout(5_000)), (err) => err === failure);
  }
});
