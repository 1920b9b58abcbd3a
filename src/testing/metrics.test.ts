import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Server } from 'node:net';
import { test } from 'node:test';
import { createCertificateAuthority, issueServingCertificate } from '../webhook/index.ts';
import { metricValue, readMetrics } from './metrics.ts';

const page = [
  '# HELP controller_runtime_reconcile_total Total number of reconciliations per controller',
  '# TYPE controller_runtime_reconcile_total counter',
  'controller_runtime_reconcile_total{controller="helloworld",result="success"} 12',
  'controller_runtime_reconcile_total{controller="helloworld",result="error"} 1',
  'controller_runtime_reconcile_total{controller="widget",result="success"} 5',
  'controller_runtime_reconcile_total_extra{controller="helloworld"} 100',
  'workqueue_depth{name="helloworld",controller="helloworld"} 0',
  'leader_election_master_status{name="a \\"quoted\\", name\\\\with\\nescapes"} 1',
  'process_start_time_seconds 1764800000',
  'rest_client_request_duration_seconds_bucket{le="+Inf",verb="GET"} 7',
  'odd_gauge +Inf',
].join('\n');

test('one series by all its labels, in any order', () => {
  assert.equal(metricValue(page, 'controller_runtime_reconcile_total', { controller: 'helloworld', result: 'success' }), 12);
  assert.equal(metricValue(page, 'controller_runtime_reconcile_total', { result: 'success', controller: 'helloworld' }), 12);
  assert.equal(metricValue(page, 'workqueue_depth', { controller: 'helloworld', name: 'helloworld' }), 0);
  assert.equal(metricValue(page, 'process_start_time_seconds'), 1764800000);
  assert.equal(metricValue(page, 'rest_client_request_duration_seconds_bucket', { le: '+Inf' }), 7);
  assert.equal(metricValue(page, 'odd_gauge'), Infinity);
});

test('the samples that include the labels given are summed; a longer name with the same prefix is another metric', () => {
  assert.equal(metricValue(page, 'controller_runtime_reconcile_total', { controller: 'helloworld' }), 13);
  assert.equal(metricValue(page, 'controller_runtime_reconcile_total'), 18);
  assert.equal(metricValue(page, 'controller_runtime_reconcile_total', { result: 'success' }), 17);
});

test('escaped label values are compared unescaped', () => {
  assert.equal(metricValue(page, 'leader_election_master_status', { name: 'a "quoted", name\\with\nescapes' }), 1);
});

test('nothing matches: undefined, never 0', () => {
  assert.equal(metricValue(page, 'workqueue_depth', { controller: 'widget' }), undefined);
  assert.equal(metricValue(page, 'no_such_metric'), undefined);
  assert.equal(metricValue(page, 'controller_runtime_reconcile'), undefined);
  assert.equal(metricValue('', 'process_start_time_seconds'), undefined);
});

/** A stand-in page that answers with what it was asked: scheme, path and the Authorization header. */
async function echoing(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return (server.address() as AddressInfo).port;
}

test('readMetrics(port): plain HTTP with no Authorization header; a status other than 200 rejects with it and the body', async () => {
  let status = 200;
  const server = createHttpServer((req, res) => {
    res.writeHead(status).end(`http ${req.url} auth=${req.headers.authorization ?? 'none'}\n`);
  });
  const port = await echoing(server);
  try {
    assert.equal(await readMetrics(port), 'http /metrics auth=none\n');
    status = 503;
    await assert.rejects(readMetrics(port), new RegExp(`^Error: GET http://127\\.0\\.0\\.1:${port}/metrics: 503: http /metrics`));
  } finally {
    server.close();
  }
});

test('readMetrics(port, { token }): HTTPS to a self-signed certificate, with the bearer token', async () => {
  const ca = createCertificateAuthority({ commonName: 'self-signed-ca' });
  const server = createHttpsServer(issueServingCertificate(ca, { commonName: 'metrics', hosts: ['127.0.0.1'] }), (req, res) => {
    res
      .writeHead(req.headers.authorization === 'Bearer abc' ? 200 : 401)
      .end(`https ${req.url} auth=${req.headers.authorization ?? 'none'}\n`);
  });
  const port = await echoing(server);
  try {
    assert.equal(await readMetrics(port, { token: 'abc' }), 'https /metrics auth=Bearer abc\n');
    await assert.rejects(readMetrics(port, { token: 'wrong' }), /: 401: https \/metrics auth=Bearer wrong/);
  } finally {
    server.close();
  }
});
