import assert from 'node:assert/strict';
import { test } from 'node:test';
import { metricsEndpointInLogLine, metricsServingMessage, probePortInLogLine, probesServingMessage } from './probe-log.ts';

test('the probe port is read from the manager’s own announcement and nothing else', () => {
  assert.equal(probePortInLogLine(JSON.stringify({ level: 30, port: 40123, msg: probesServingMessage })), 40123);
  assert.equal(probePortInLogLine(JSON.stringify({ level: 30, port: 40123, msg: 'caches synced' })), undefined);
  assert.equal(probePortInLogLine(JSON.stringify({ msg: probesServingMessage, port: '40123' })), undefined);
  assert.equal(probePortInLogLine('[12:00:00] INFO: serving /healthz and /readyz'), undefined);
  assert.deepEqual(metricsEndpointInLogLine(JSON.stringify({ level: 30, port: 40124, secure: true, msg: metricsServingMessage })), {
    port: 40124,
    secure: true,
  });
  assert.deepEqual(metricsEndpointInLogLine(JSON.stringify({ level: 30, port: 40124, secure: false, msg: metricsServingMessage })), {
    port: 40124,
    secure: false,
  });
  assert.equal(metricsEndpointInLogLine(JSON.stringify({ level: 30, port: 40123, msg: probesServingMessage })), undefined);
});
