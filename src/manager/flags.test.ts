import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManagerFlagError, managerOptionsFromFlags } from './flags.ts';

const read = (args: string[], env: Record<string, string> = {}) => managerOptionsFromFlags({ leaseName: 'op', args, env });

test('defaults: cluster-wide, no leader election, probes on loopback 8081, guarded metrics on loopback 8443, webhooks (if any) on loopback 9443, info logs', () => {
  assert.deepEqual(read([]), {
    leaderElection: false,
    probes: { host: '127.0.0.1', port: 8081 },
    metrics: { host: '127.0.0.1', port: 8443 },
    webhooks: { certDir: '/tmp/k8s-webhook-server/serving-certs', port: 9443, host: '127.0.0.1' },
    logLevel: 'info',
  });
});

test('every flag, and POD_NAMESPACE for the Lease and the probe host', () => {
  assert.deepEqual(
    read(
      [
        '--namespace=team-a',
        '--leader-elect',
        '--health-port=0',
        '--metrics-port=0',
        '--metrics-cert-dir=/metrics-certs',
        '--log-level=debug',
        '--watch-inactivity-timeout=2m',
        '--watch-resume-bound=90s',
        '--webhook-port=10250',
        '--webhook-cert-dir=/certs',
      ],
      { POD_NAMESPACE: 'op-system' },
    ),
    {
      namespace: 'team-a',
      leaderElection: { namespace: 'op-system', name: 'op' },
      probes: { host: '0.0.0.0', port: 0, watchResumeBoundMs: 90_000 },
      metrics: { host: '0.0.0.0', port: 0, certDir: '/metrics-certs' },
      webhooks: { certDir: '/certs', port: 10250, host: '0.0.0.0' },
      logLevel: 'debug',
      watchInactivityTimeoutMs: 120_000,
    },
  );
  assert.deepEqual(read(['--leader-elect', '--leader-election-namespace=ns', '--watch-inactivity-timeout=30s']).leaderElection, {
    namespace: 'ns',
    name: 'op',
  });
  assert.equal(read(['--watch-inactivity-timeout=45']).watchInactivityTimeoutMs, 45_000);
  assert.equal(read(['--watch-inactivity-timeout=1500ms']).watchInactivityTimeoutMs, 1500);
  assert.deepEqual(read([]).metrics, { host: '127.0.0.1', port: 8443 });
  assert.deepEqual(read(['--metrics-insecure']).metrics, { host: '127.0.0.1', port: 8443, insecure: true });
});

test('bad flags are refused with the flag named and what to pass', () => {
  const refused = (args: string[], message: RegExp) =>
    assert.throws(
      () => read(args),
      (err: unknown) => err instanceof ManagerFlagError && message.test(err.message),
    );
  refused(['--leader-elect'], /--leader-elect needs the namespace of the Lease: set POD_NAMESPACE or pass --leader-election-namespace/);
  refused(['--health-port=http'], /--health-port=http is not a port number/);
  refused(['--health-port=70000'], /--health-port=70000 is not a port number/);
  refused(['--webhook-port=x'], /--webhook-port=x is not a port number/);
  refused(['--metrics-port=-1'], /--metrics-port=-1 is not a port number/);
  refused(['--metrics-insecure', '--metrics-cert-dir=/c'], /--metrics-cert-dir is for HTTPS; --metrics-insecure serves plain HTTP/);
  refused(['--log-level=verbose'], /--log-level=verbose: use one of trace, debug, info/);
  refused(['--watch-inactivity-timeout=soon'], /--watch-inactivity-timeout=soon: give a duration/);
  refused(['--watch-inactivity-timeout=10ms'], /at least 1s/);
  refused(['--watch-resume-bound=later'], /--watch-resume-bound=later: give a duration of at least 1s, such as 60s/);
  refused(['--colour=red'], /Unknown option '--colour'[\s\S]*--leader-elect/);
});

test('--namespace takes a comma-separated set of namespaces; a name that is no DNS label is refused', () => {
  assert.deepEqual(read(['--namespace=team-a,team-b, team-a']).namespace, ['team-a', 'team-b']);
  assert.equal(read(['--namespace=team-a']).namespace, 'team-a');
  assert.throws(() => read(['--namespace=team-a,Team_B']), { code: 'INVALID_FLAG', message: /"Team_B" is not a namespace name/ });
});

test('--webhook-cert-secret: the certificate managed in that Secret of POD_NAMESPACE, covering the webhook Service', () => {
  const options = read(['--webhook-cert-secret=op-webhook-certs', '--webhook-service=op-hooks'], { POD_NAMESPACE: 'op-system' });
  assert.deepEqual(options.webhooks?.certificates, {
    secret: { name: 'op-webhook-certs', namespace: 'op-system' },
    hosts: ['op-hooks.op-system.svc', 'op-hooks.op-system.svc.cluster.local'],
    validatingConfigurations: ['op'],
    mutatingConfigurations: ['op'],
  });
  // Without --webhook-service: the Service `capstan generate` writes.
  assert.deepEqual(read(['--webhook-cert-secret=op-webhook-certs'], { POD_NAMESPACE: 'op-system' }).webhooks?.certificates?.hosts, [
    'op-webhook-service.op-system.svc',
    'op-webhook-service.op-system.svc.cluster.local',
  ]);
  assert.throws(
    () => read(['--webhook-cert-secret=op-webhook-certs']),
    (err: unknown) => err instanceof ManagerFlagError && /POD_NAMESPACE/.test(err.message),
  );
});
