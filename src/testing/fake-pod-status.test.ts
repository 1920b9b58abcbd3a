import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type FakeKubeletPod, fakeKubeletAction, freePodIP, runningPodStatus } from './fake-pod-status.ts';

const node = 'capstan-test-node';
const at = { podIP: '10.244.0.7', hostIP: '10.240.0.1', now: '2026-01-02T03:04:05Z' };

function pod(overrides: Partial<FakeKubeletPod> = {}): FakeKubeletPod {
  return {
    metadata: { name: 'web-abc', namespace: 'demo', uid: 'u1', resourceVersion: '5' },
    spec: {
      containers: [
        { name: 'app', image: 'nginx' },
        { name: 'log', image: 'busybox' },
      ],
    },
    status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }] },
    ...overrides,
  };
}

test('a running pod reports Running, its address and every container running and ready', () => {
  const status = runningPodStatus(pod({ spec: { ...pod().spec, nodeName: node } }), at);
  assert.equal(status.phase, 'Running');
  assert.equal(status.podIP, '10.244.0.7');
  assert.deepEqual(status.podIPs, [{ ip: '10.244.0.7' }]);
  assert.deepEqual(status.hostIPs, [{ ip: '10.240.0.1' }]);
  const conditions = Object.fromEntries((status.conditions ?? []).map((c) => [c.type, c.status]));
  assert.deepEqual(conditions, {
    PodReadyToStartContainers: 'True',
    PodScheduled: 'True',
    Initialized: 'True',
    ContainersReady: 'True',
    Ready: 'True',
  });
  assert.deepEqual(
    status.containerStatuses?.map((c) => [c.name, c.image, c.ready, c.state.running?.startedAt]),
    [
      ['app', 'nginx', true, at.now],
      ['log', 'busybox', true, at.now],
    ],
  );
  assert.equal(status.initContainerStatuses, undefined);
});

test('a condition whose status stays keeps its lastTransitionTime; a new one gets now', () => {
  const status = runningPodStatus(pod(), at);
  const times = Object.fromEntries((status.conditions ?? []).map((c) => [c.type, c.lastTransitionTime]));
  assert.equal(times['PodScheduled'], '2026-01-01T00:00:00Z');
  assert.equal(times['Ready'], at.now);
});

test('init containers are completed, sidecars run; Ready waits for the readiness gates, whose conditions are kept', () => {
  const gated = pod({
    spec: {
      containers: [{ name: 'app', image: 'nginx' }],
      initContainers: [
        { name: 'migrate', image: 'db' },
        { name: 'proxy', image: 'envoy', restartPolicy: 'Always' },
      ],
      readinessGates: [{ conditionType: 'example.com/LoadBalancerReady' }],
    },
  });
  const status = runningPodStatus(gated, at);
  assert.deepEqual(
    status.initContainerStatuses?.map((c) => [c.name, Object.keys(c.state)[0], c.state.terminated?.exitCode]),
    [
      ['migrate', 'terminated', 0],
      ['proxy', 'running', undefined],
    ],
  );
  assert.equal(status.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
  assert.equal(status.conditions?.find((c) => c.type === 'ContainersReady')?.status, 'True');

  const gate = { type: 'example.com/LoadBalancerReady', status: 'True' as const };
  const opened = runningPodStatus({ ...gated, status: { conditions: [gate] } }, at);
  assert.equal(opened.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  assert.deepEqual(
    opened.conditions?.find((c) => c.type === gate.type),
    gate,
  );
});

test('the fake kubelet binds unscheduled pods, reports its own until they run, and leaves the rest', () => {
  assert.equal(fakeKubeletAction(pod(), node), 'bind');
  const bound = pod({ spec: { ...pod().spec, nodeName: node } });
  assert.equal(fakeKubeletAction(bound, node), 'report');
  const running = { ...bound, status: runningPodStatus(bound, at) };
  assert.equal(fakeKubeletAction(running, node), 'none', 'a status already reported is not written again');
  const containerAdded = { ...running, spec: { ...running.spec, containers: [...(running.spec?.containers ?? []), { name: 'new' }] } };
  assert.equal(fakeKubeletAction(containerAdded, node), 'report', 'a container without a status');
  assert.equal(fakeKubeletAction(pod({ spec: { ...pod().spec, nodeName: 'real-node' } }), node), 'none', "another node's pod");
  assert.equal(fakeKubeletAction(pod({ spec: { ...pod().spec, nodeName: node }, status: { phase: 'Succeeded' } }), node), 'none');
});

test('a graceful deletion of a pod on the fake node is finished at once, once', () => {
  const deleting = { ...pod({ spec: { ...pod().spec, nodeName: node } }) };
  deleting.metadata = { ...deleting.metadata, deletionTimestamp: at.now, deletionGracePeriodSeconds: 30 };
  assert.equal(fakeKubeletAction(deleting, node), 'finishDeletion');
  assert.equal(fakeKubeletAction({ ...deleting, metadata: { ...deleting.metadata, deletionGracePeriodSeconds: 0 } }, node), 'none');
  assert.equal(fakeKubeletAction({ ...deleting, spec: { ...deleting.spec, nodeName: 'real-node' } }, node), 'none');
});

test('pod addresses skip those in use and the network and broadcast addresses of each /24', () => {
  assert.equal(freePodIP(new Set()), '10.244.0.1');
  assert.equal(freePodIP(new Set(['10.244.0.1', '10.244.0.2'])), '10.244.0.3');
  assert.equal(freePodIP(new Set(), 254), '10.244.0.254');
  assert.equal(freePodIP(new Set(['10.244.0.254']), 254), '10.244.1.1');
});
