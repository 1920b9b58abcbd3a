import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { register, type Registry } from 'prom-client';
import { KubeClient, type RequestOptions } from '../client/index.ts';
import { Controller, type ControllerDefinition } from '../controller/index.ts';
import { defineKind, type Kind, type KubeObject, type Logger, UsageError } from '../core/index.ts';
import { EventRecorder } from '../events/index.ts';
import { withScopedSignal } from '../internal/scoped-signal.ts';
import { defaultIdentity, LeaderElector } from '../leader/index.ts';
import {
  cacheMetrics,
  clientMetrics,
  controllerMetrics,
  eventMetrics,
  leaderElectionMetrics,
  processMetrics,
  watchMetrics,
  webhookMetrics,
  workqueueMetrics,
} from '../metrics/index.ts';
import { metricsServingMessage, probesServingMessage } from '../internal/probe-log.ts';
import { MetricsServer } from './metrics-server.ts';
import { EventLoopMonitor } from './event-loop.ts';
import { type Check, type ListedCheck, ProbeServer } from './probe-server.ts';
import { type CacheFactory, cacheKey, type CacheScope, type ManagedCache } from './caches.ts';
import { informerFactory } from './informer-factory.ts';
import { type Wiring, wire, wireReads } from './wiring.ts';
import { Reads } from '../controller/reads.ts';
import type { ReadSource } from '../controller/index.ts';
import {
  CertificateManager,
  type CertificateManagerOptions,
  dryRunVerifier,
  serveWebhooks,
  type ConversionDefinition,
  isConversionDefinition,
  type WebhookDefinition,
  type WebhookServer,
} from '../webhook/index.ts';

/**
 * Leader election of the manager's replicas through a `coordination.k8s.io/v1` Lease: controllers run only on
 * the replica that holds it. The timings are client-go's and are checked as client-go checks them.
 *
 * @noExample Part of {@link ManagerOptions}; {@link Manager}'s example sets it.
 */
export interface LeaderElectionOptions {
  /** The Lease's namespace, usually the operator's own (`$POD_NAMESPACE`). */
  namespace: string;
  /** The Lease's name, the same on every replica of one operator: usually the operator's name. */
  name: string;
  /** How long a standby waits after it last saw the Lease change before taking it; default 15 s (whole seconds). */
  leaseDurationMs?: number;
  /** How long the leader keeps leading without a successful renewal; default 10 s, less than the lease duration. */
  renewDeadlineMs?: number;
  /** Time between attempts to acquire or renew; default 2 s. */
  retryPeriodMs?: number;
  /** This replica's `holderIdentity`; default the host name and a random suffix (also the Events' `reportingInstance`). */
  identity?: string;
}

/**
 * Options of a {@link Manager}; every one has a default, so `new Manager()` runs cluster-wide with no leader
 * election, probes or metrics. {@link managerOptionsFromFlags} makes them from an operator's command line.
 *
 * @example
 * ```ts
 * import { Manager } from 'capstan';
 * const manager = new Manager({
 *   namespace: ['team-a', 'team-b'], // namespace-scoped: a Role in each suffices
 *   leaderElection: { namespace: 'hello-world-system', name: 'hello-world-operator' },
 *   probes: { host: '0.0.0.0', port: 8081 },
 *   metrics: { host: '0.0.0.0', port: 8443 },
 *   logLevel: 'debug',
 *   shutdownGraceMs: 30_000,
 * });
 * ```
 */
export interface ManagerOptions {
  /** A client to use; otherwise one is made from `kubeconfigPath`, `$KUBECONFIG`, `~/.kube/config` or the in-cluster account. */
  client?: KubeClient;
  /** The kubeconfig file the client is made from, when no `client` is given. */
  kubeconfigPath?: string;
  /**
   * Namespace-scoped mode: watch and reconcile only this namespace, or these (one cache per namespace and kind,
   * nothing read elsewhere; a Role in each suffices).
   */
  namespace?: string | readonly string[];
  /** Off (`false`, the default) or where the Lease lives. */
  leaderElection?: false | LeaderElectionOptions;
  /** `/healthz` and `/readyz` (see {@link ProbeOptions}); off when `false` (the default). */
  probes?: false | ProbeOptions;
  /**
   * `/metrics` on a port of its own (see {@link MetricsOptions}): HTTPS, each caller's token checked with a TokenReview
   * and a SubjectAccessReview (as the Kubebuilder scaffold's); off when `false` (the default).
   */
  metrics?: false | MetricsOptions;
  /** Where logs go; default: pino JSON lines on stdout at `logLevel`. */
  logger?: Logger;
  /**
   * The default logger's level (default `info`). At `debug` it also logs every API request (method, path,
   * code, start time, duration; never headers or bodies) and every reconcile's outcome.
   */
  logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  /**
   * A watch silent for this long is presumed dead and reopened (default 150 s; bookmarks arrive about
   * once a minute, so a healthy watch is never silent that long).
   */
  watchInactivityTimeoutMs?: number;
  /** Default: prom-client's global registry, as controller-runtime uses one registry per process. */
  registry?: Registry;
  /** How long in-flight reconciles may finish on shutdown; default 10 s. */
  shutdownGraceMs?: number;
  /** How caches are made; default: an `Informer` (the `cache` layer) over the client. */
  caches?: CacheFactory;
  /**
   * Where the admission webhooks added with {@link Manager.add} are served, on every replica (not only the leader):
   * HTTPS on `port` (default 9443) with the certificate in `certDir` (`tls.crt`, `tls.key`). Needed only when
   * webhooks are added.
   */
  webhooks?: {
    /** The folder with `tls.crt` and `tls.key` (PEM), as a `kubernetes.io/tls` Secret mounts them. */
    certDir: string;
    /** Default 9443, as the Kubebuilder scaffold's; 0 picks a free port (see {@link Manager.webhookPort}). */
    port?: number;
    /** Default `0.0.0.0`, every interface, so the API server can call it; `127.0.0.1` for local runs. */
    host?: string;
    /**
     * Manage the certificate in a Secret instead of reading `certDir` (no cert-manager needed; see
     * `CertificateManager` of `capstan/webhook`). `verify` defaults to a dry-run create of the first webhook's kind
     * in the Secret's namespace (`dryRunVerifier`).
     */
    certificates?: Omit<CertificateManagerOptions, 'client' | 'log'>;
  };
}

/**
 * Where the probes listen and what they judge by. `/healthz` (liveness) fails when the event loop was blocked for
 * `eventLoopStallMs` (default 10 s) within the last 30 s, or a reconcile has run `stuckReconcileGraceMs` (default
 * 30 s) past its controller's reconcile timeout; `/readyz` fails until every cache has synced, and when a watch
 * has been unable to resume for `watchResumeBoundMs` (default 60 s), recovering when it resumes.
 *
 * @noExample Part of {@link ManagerOptions}, whose example sets it.
 */
export interface ProbeOptions {
  /** `127.0.0.1` (the default) for local runs; `0.0.0.0` in a Pod, so the kubelet can probe it. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** `/readyz` fails while a watch has been unable to resume for this long; default 60 s. */
  watchResumeBoundMs?: number;
  /** `/healthz` fails for 30 s after the event loop was blocked this long; default 10 s. */
  eventLoopStallMs?: number;
  /** `/healthz` fails when a reconcile runs this long past its controller's reconcile timeout; default 30 s. */
  stuckReconcileGraceMs?: number;
}

/**
 * Where `/metrics` is served. By default over HTTPS (the certificate in `certDir`, else one the manager makes at
 * start) to callers whose bearer token the API server authenticates and authorizes for `get` on the non-resource
 * URL `/metrics` (the generated `<operator>-metrics-reader` ClusterRole grants it; the operator itself needs the
 * generated `<operator>-metrics-auth-role` to ask). `insecure: true` serves plain HTTP to anyone, for development.
 *
 * @noExample Options of {@link ManagerOptions.metrics}; `managerOptionsFromFlags` fills them from `--metrics-port`,
 * `--metrics-insecure` and `--metrics-cert-dir`.
 */
export interface MetricsOptions {
  /** `127.0.0.1` (the default) for local runs; `0.0.0.0` in a Pod, so Prometheus can reach it. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** Serve plain HTTP to anyone (`--metrics-insecure`); for development only. */
  insecure?: boolean;
  /** A folder with `tls.crt` and `tls.key`; default a self-signed certificate made at start. */
  certDir?: string;
}

/** One controller definition while the manager runs it. */
interface Running extends Wiring {
  // The definition's own object type is erased here; each definition is only ever used with its own caches.
  definition: ControllerDefinition<KubeObject>;
  /** The term's event recorder, while the controller runs: its writes end with the term, as the reconciles' do. */
  events: EventRecorder | undefined;
  controller: Controller<KubeObject> | undefined;
}

/**
 * Runs controllers over shared caches, as controller-runtime's manager does: one cache per kind and scope
 * however many controllers read it; `/readyz` true once every cache has synced, on every replica (a standby
 * is ready, and only `leader_election_master_status` tells who leads); controllers started only while this
 * replica leads and stopped, with their in-flight writes aborted, before its lease could pass to another;
 * SIGTERM or SIGINT → graceful shutdown (in-flight reconciles finish within the grace period, the Lease is
 * released so a standby takes over at once).
 *
 * @example
 * ```ts
 * import { defineKind, type KubeObject } from 'capstan/core';
 * import { ConfigMap } from 'capstan';
 * import { controller, done } from 'capstan/controller';
 * import { Manager } from 'capstan/manager';
 * interface HelloWorld extends KubeObject { spec: { name: string } }
 * const HelloWorld = defineKind<HelloWorld>({ group: 'apps.example.com', version: 'v1alpha1', kind: 'HelloWorld', plural: 'helloworlds', namespaced: true });
 * const manager = new Manager({ leaderElection: { namespace: 'hello-world-system', name: 'hello-world-operator' }, probes: { port: 8081 } });
 * manager.add(controller(HelloWorld).owns(ConfigMap).reconcile(async () => done()));
 * await manager.run(); // until SIGTERM or SIGINT
 * ```
 */
export class Manager {
  private readonly options: ManagerOptions;
  private readonly definitions: Array<ControllerDefinition<KubeObject>> = [];
  private readonly webhookDefinitions: WebhookDefinition[] = [];
  private readonly conversionDefinitions: ConversionDefinition[] = [];
  private webhookServer: WebhookServer | undefined;
  private certificates: CertificateManager | undefined;
  private readonly caches = new Map<string, ManagedCache<KubeObject>>();
  private readonly running: Running[] = [];
  private readonly log: Logger;
  private readonly registry: Registry;
  private readonly stopping = new AbortController();
  private client: KubeClient | undefined;
  private elector: LeaderElector | undefined;
  private electorDone: Promise<void> | undefined;
  private probes: ProbeServer | undefined;
  private eventLoop: EventLoopMonitor | undefined;
  private metricsServer: MetricsServer | undefined;
  private cachesDone: Promise<unknown> | undefined;
  private leading = false;
  private termGeneration = 0;
  /** The leader-election identity, also `reportingInstance` of events: host name plus a random suffix. */
  readonly identity: string;

  constructor(options: ManagerOptions = {}) {
    this.options = options;
    this.identity = (options.leaderElection && options.leaderElection.identity) || defaultIdentity();
    this.log = options.logger ?? pino({ base: undefined, level: options.logLevel ?? 'info' });
    this.registry = options.registry ?? register;
  }

  /**
   * Add a controller, the admission webhooks of a kind (`webhook(Kind)` of `capstan/webhook`), or the conversions
   * between its versions (`conversion(Hub).spoke(…)`, served at `/convert`); call before {@link start}.
   */
  add<T extends KubeObject>(definition: ControllerDefinition<T> | WebhookDefinition<T> | ConversionDefinition): this {
    if (isConversionDefinition(definition)) this.conversionDefinitions.push(definition);
    else if ('validating' in definition) this.webhookDefinitions.push(definition);
    else this.definitions.push(definition);
    return this;
  }

  /** The port the webhook server listens on, once started (when webhooks were added). */
  get webhookPort(): number | undefined {
    return this.webhookServer?.port;
  }

  /**
   * Queue `key` (`namespace/name`) for the controller named `controller` (its `.named()`, default the kind in
   * lower case), e.g. on a signal from outside the cluster. Returns false when it is not running here (before
   * start, or on a replica that does not lead: the leader reconciles every object when it starts).
   */
  enqueue(controller: string, key: string): boolean {
    if (!this.definitions.some((d) => d.declaration.name === controller)) {
      throw new UsageError(
        'INVALID_ARGUMENT',
        `enqueue: no controller named "${controller}" (${this.definitions.map((d) => d.declaration.name).join(', ')})`,
      );
    }
    const running = this.running.find((r) => r.definition.declaration.name === controller)?.controller;
    running?.enqueue(key);
    return running !== undefined;
  }

  /** True once every cache has its first complete list. */
  get ready(): boolean {
    return this.caches.size > 0 && [...this.caches.values()].every((s) => s.synced);
  }

  /** The port the probe server listens on, once started. */
  get probePort(): number | undefined {
    return this.probes?.port;
  }

  /** The port `/metrics` is served on, once started. */
  get metricsPort(): number | undefined {
    return this.metricsServer?.port;
  }

  /** Start caches, probes and leader election; resolves once the caches have synced. */
  async start(): Promise<void> {
    const signal = this.stopping.signal;
    const requestLog = this.log.child({ component: 'client' });
    const inFlight = clientMetrics(this.registry);
    this.client =
      this.options.client ??
      (await KubeClient.fromKubeconfig({
        kubeconfigPath: this.options.kubeconfigPath,
        onRequestStart: (r) => inFlight.requestStarted(r.method),
        onRequest: (r) => {
          inFlight.requestFinished(r.method);
          requestLog.debug(
            { method: r.method, path: r.path, code: r.code, startedAt: r.startedAt, durationMs: Math.round(r.durationMs) },
            'request',
          );
        },
      }));
    processMetrics(this.registry);
    const watches = watchMetrics(this.registry);
    const factory =
      this.options.caches ??
      informerFactory(this.client, this.log, {
        inactivityTimeoutMs: this.options.watchInactivityTimeoutMs,
        metrics: cacheMetrics(this.registry),
        watchMetrics: watches,
      });
    const namespace = this.options.namespace;
    const namespaces = namespace === undefined ? undefined : typeof namespace === 'string' ? [namespace] : [...namespace];
    const share = (kind: Kind, s: CacheScope) => {
      const key = cacheKey(kind, s);
      let source = this.caches.get(key);
      if (!source) {
        source = factory(kind, s);
        this.caches.set(key, source);
      }
      return source;
    };
    for (const definition of this.definitions) {
      this.running.push({ definition, ...wire(definition, share, namespaces), events: undefined, controller: undefined });
    }
    const webhookOptions = this.options.webhooks;
    const webhookCount = this.webhookDefinitions.length + this.conversionDefinitions.length;
    if (webhookCount > 0 && !webhookOptions) {
      throw new UsageError(
        'INVALID_STATE',
        `webhooks of ${[...this.webhookDefinitions.map((d) => d.kind.kind), ...this.conversionDefinitions.map((d) => d.crdName)].join(', ')} were added, but ManagerOptions.webhooks ` +
          '(certDir, port; the flags --webhook-cert-dir and --webhook-port) says nowhere to serve them',
      );
    }
    // No certificate (a local run without one): the webhooks are not served, and the replica is ready without them.
    const serveAdmission =
      webhookOptions !== undefined &&
      webhookCount > 0 &&
      (webhookOptions.certificates !== undefined || (await hasCertificate(webhookOptions.certDir)));
    if (webhookOptions && webhookCount > 0 && !serveAdmission) {
      this.log.warn(
        { certDir: webhookOptions.certDir },
        'no tls.crt and tls.key in the webhook certificate folder: admission and conversion webhooks are not served (pass --webhook-cert-dir, or --webhook-cert-secret to have the manager make them)',
      );
    }
    const webhookReads = new Map<WebhookDefinition, ReadSource[]>(
      this.webhookDefinitions.map((d) => [d, wireReads(d.readKinds, d.indexedKinds, share, namespaces)]),
    );
    for (const source of this.caches.values()) {
      if (source.health) watches.unresumed(source.name, () => (source.health?.unresumedMs() ?? 0) / 1000);
    }
    const probes = this.options.probes;
    if (probes) {
      this.eventLoop = new EventLoopMonitor({ stallMs: probes.eventLoopStallMs ?? 10_000 });
      this.eventLoop.start();
      this.probes = await ProbeServer.start({
        host: probes.host,
        port: probes.port,
        healthChecks: this.healthChecks(probes),
        readyChecks: this.readyChecks(probes, serveAdmission, webhookOptions?.certificates !== undefined),
      });
      this.log.info({ port: this.probes.port }, probesServingMessage);
    }
    const metrics = this.options.metrics;
    if (metrics) {
      const base = { host: metrics.host, port: metrics.port, registry: this.registry, signal };
      this.metricsServer = await MetricsServer.start(
        metrics.insecure
          ? { ...base, insecure: true }
          : {
              ...base,
              client: this.client,
              log: this.log.child({ component: 'metrics' }),
              ...(metrics.certDir ? { certDir: metrics.certDir } : {}),
            },
      );
      this.log.info(
        {
          port: this.metricsServer.port,
          secure: this.metricsServer.secure,
          ...(metrics.insecure ? {} : { certificate: metrics.certDir ?? 'made at start' }),
        },
        metricsServingMessage,
      );
    }
    this.cachesDone = Promise.all([
      ...[...this.caches.values()].map((s) => s.run(signal)),
      ...this.running.flatMap((r) => r.definition.wakeUps.map((source) => this.readWakeUps(r, source, signal))),
    ]);
    await Promise.all([...this.caches.values()].map((s) => s.waitForSync({ signal })));
    this.log.info({ caches: [...this.caches.values()].map((s) => s.name) }, 'caches synced');
    if (webhookOptions && serveAdmission) {
      const client = this.client;
      const managed = webhookOptions.certificates;
      if (managed) {
        this.certificates = new CertificateManager({
          verify: dryRunVerifier(client, this.verifyKind(), managed.secret.namespace),
          ...managed,
          // Only the kinds of configuration it has handlers for (the generated RBAC names no other), and the CRDs
          // whose conversions it serves.
          validatingConfigurations: this.webhookDefinitions.some((d) => d.validating) ? (managed.validatingConfigurations ?? []) : [],
          mutatingConfigurations: this.webhookDefinitions.some((d) => d.mutating) ? (managed.mutatingConfigurations ?? []) : [],
          crds: [...new Set([...(managed.crds ?? []), ...this.conversionDefinitions.map((d) => d.crdName)])],
          client,
          log: this.log.child({ component: 'webhook-certificates' }),
        });
        await this.certificates.start({ signal });
      }
      this.webhookServer = await serveWebhooks([...this.webhookDefinitions, ...this.conversionDefinitions], {
        ...(this.certificates ? { certificates: this.certificates } : { certDir: webhookOptions.certDir }),
        port: webhookOptions.port ?? 9443,
        ...(webhookOptions.host === undefined ? {} : { host: webhookOptions.host }),
        log: this.log.child({ component: 'webhook' }),
        metrics: webhookMetrics(this.registry),
        reads: (d) => new Reads(`webhook(${d.kind.kind})`, webhookReads.get(d) ?? [], (kind) => client.resource(kind)),
      });
    }

    const election = this.options.leaderElection;
    if (election) {
      const metrics = leaderElectionMetrics(this.registry);
      metrics.setLeading(election.name, false);
      this.elector = new LeaderElector({ client: this.client, ...election, identity: this.identity });
      this.elector.subscribe((event) => {
        if (event.type === 'started-leading') {
          metrics.setLeading(election.name, true);
          this.log.info({ identity: this.elector?.identity, lease: election.name }, 'became the leader; starting controllers');
          this.startControllers(event.term.signal);
        } else if (event.type === 'stopped-leading') {
          metrics.setLeading(election.name, false);
          this.log.warn({ reason: event.reason }, 'stopped leading; stopping controllers, keeping caches warm');
          void this.stopControllers(0);
        } else if (event.type === 'new-leader') {
          this.log.info({ leader: event.holder }, 'leader observed');
        } else {
          this.log.warn({ err: (event.error as Error).message }, 'leader election request failed');
        }
      });
      this.electorDone = this.elector.run(signal);
    } else {
      this.startControllers(signal);
    }
  }

  /** `/healthz`: the event loop, then each controller's workers. */
  private healthChecks(probes: ProbeOptions): Record<string, Check> {
    const graceMs = probes.stuckReconcileGraceMs ?? 30_000;
    return {
      ping: () => undefined,
      'event loop': () => this.eventLoop?.check(),
      ...Object.fromEntries(
        this.running.map((r) => [`reconcile ${r.definition.declaration.name}`, () => r.controller?.stuckReconcile(graceMs)] as const),
      ),
    };
  }

  /**
   * `/readyz`: every cache synced and its watch resuming within the bound; the webhook server and its certificate.
   * A replica that serves webhooks lists watch health without gating on it: an API server or etcd outage stalls
   * every replica's watches alike, and readiness would take them all out of the webhook Service at once, failing
   * every write its webhooks cover (and, for a CRD converted by the webhook, the very watches waiting to resume).
   */
  private readyChecks(probes: ProbeOptions, serveAdmission: boolean, managedCertificate: boolean): Record<string, Check | ListedCheck> {
    const boundMs = probes.watchResumeBoundMs ?? 60_000;
    const checks: Record<string, Check | ListedCheck> = {};
    for (const s of this.caches.values()) checks[`cache ${s.name}`] = () => (s.synced ? undefined : 'not synced yet');
    for (const s of this.caches.values()) {
      const check: Check = () => {
        const ms = s.health?.unresumedMs() ?? 0;
        if (ms <= boundMs) return undefined;
        return `unable to resume for ${Math.round(ms / 1000)} s (bound ${boundMs / 1000} s): ${s.health?.lastFailure ?? 'no detail'}`;
      };
      checks[`watch ${s.name}`] = serveAdmission ? { check, gating: false } : check;
    }
    // A replica takes admission requests once its webhook server listens with its certificate.
    if (serveAdmission) checks['webhook server'] = () => (this.webhookServer ? undefined : 'not serving yet');
    if (serveAdmission && managedCertificate) {
      checks['webhook certificate'] = () => (this.certificates?.valid ? undefined : 'no valid certificate');
    }
    return checks;
  }

  /**
   * The kind a dry-run create of checks that the API server trusts the served certificate: the first admission
   * webhook's kind, else a conversion's first non-hub version (created in it, the object is converted to the
   * stored version through `/convert`).
   */
  private verifyKind(): Kind {
    const admission = this.webhookDefinitions[0];
    if (admission) return admission.kind;
    const conversion = this.conversionDefinitions[0]!;
    const spoke = conversion.versions.find((v) => v !== conversion.hub.version) ?? conversion.hub.version;
    const { group, kind, plural, namespaced } = conversion.hub;
    return defineKind({ group, version: spoke, kind, plural, namespaced });
  }

  /** Stop gracefully: controllers finish in-flight work, then the Lease is released and caches stop. */
  async stop(): Promise<void> {
    const grace = this.options.shutdownGraceMs ?? 10_000;
    await this.stopControllers(grace);
    await this.webhookServer?.close();
    await this.certificates?.stop();
    this.stopping.abort(new Error('the manager is stopping'));
    await this.electorDone?.catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'leader election ended with an error'));
    await this.cachesDone?.catch(() => undefined);
    await this.probes?.close();
    await this.metricsServer?.close();
    this.eventLoop?.stop();
    if (!this.options.client) await this.client?.close();
    this.log.info({}, 'manager stopped');
  }

  /** {@link start}, then wait for SIGTERM or SIGINT and {@link stop}; a second signal exits at once. */
  async run(): Promise<void> {
    const signalled = new Promise<NodeJS.Signals>((resolve) => {
      for (const name of ['SIGTERM', 'SIGINT'] as const) process.once(name, () => resolve(name));
    });
    const keepAlive = setInterval(() => undefined, 1 << 30);
    try {
      await this.start();
      const name = await signalled;
      this.log.info({ signal: name }, 'shutting down');
      for (const again of ['SIGTERM', 'SIGINT'] as const) process.once(again, () => process.exit(1));
      await this.stop();
    } finally {
      clearInterval(keepAlive);
    }
  }

  /** Enqueue every key `source` yields while the manager runs (dropped while the controller does not run here). */
  private async readWakeUps(r: Running, source: AsyncIterable<string>, signal: AbortSignal): Promise<void> {
    const iterator = source[Symbol.asyncIterator]();
    const stopped = new Promise<IteratorResult<string>>((resolve) =>
      signal.addEventListener('abort', () => resolve({ done: true, value: undefined }), { once: true }),
    );
    try {
      for (;;) {
        const next = await Promise.race([iterator.next(), stopped]);
        if (next.done) return;
        r.controller?.enqueue(next.value);
      }
    } catch (err) {
      this.log.error(
        { controller: r.definition.declaration.name, err: (err as Error).message },
        'a reconcileOn source failed; it is read no more',
      );
    } finally {
      void iterator.return?.()?.catch(() => undefined);
    }
  }

  private startControllers(termSignal: AbortSignal): void {
    if (this.leading) return;
    this.leading = true;
    const generation = ++this.termGeneration;
    for (const r of this.running) {
      const name = r.definition.declaration.name;
      r.events = this.eventRecorder(r.definition, termSignal);
      r.controller = new Controller<KubeObject>({
        name,
        kind: r.definition.kind,
        reconcile: (ctx) => r.definition.reconcile(ctx),
        client: this.client!,
        primary: r.primary,
        owned: r.owned,
        mapped: r.mapped,
        reads: r.reads,
        predicates: r.definition.predicates,
        events: r.events,
        maxConcurrentReconciles: r.definition.maxConcurrentReconciles,
        ...r.definition.queue,
        reconcileTimeoutMs: r.definition.reconcileTimeoutMs,
        resync: r.definition.resync,
        signal: termSignal,
        metrics: controllerMetrics(name, { maxConcurrentReconciles: r.definition.maxConcurrentReconciles, registry: this.registry }),
        queueMetrics: workqueueMetrics(name, this.registry),
        logger: this.log,
        reconcileClock: r.definition.clock,
      });
      r.controller.start();
    }
    termSignal.addEventListener(
      'abort',
      () => {
        if (generation === this.termGeneration) void this.stopControllers(0);
      },
      { once: true },
    );
  }

  private async stopControllers(graceMs: number): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    const controllers = this.running.map((r) => r.controller).filter((c) => c !== undefined);
    const recorders = this.running.map((r) => r.events).filter((e) => e !== undefined);
    for (const r of this.running) {
      r.controller = undefined;
      r.events = undefined;
    }
    await Promise.all(controllers.map((c) => c.stop({ graceMs })));
    // Pending series updates go out while the term lasts (a graceful stop, before the Lease is released);
    // after a lost term they fail at once instead.
    await Promise.all(recorders.map((e) => e.close()));
  }

  /**
   * An event recorder whose every write carries the term's signal: an Event write still queued or waiting for
   * a connection when the term ends is abandoned, so nothing this replica sends after its term could race the
   * next leader's writes (events are best-effort; one lost at a handover is the lesser harm).
   */
  private eventRecorder(definition: ControllerDefinition<KubeObject>, termSignal: AbortSignal): EventRecorder {
    const client = this.client!;
    const name = definition.declaration.name;
    return new EventRecorder({
      client: {
        request: <T>(options: RequestOptions) =>
          withScopedSignal([options.signal, termSignal], undefined, (signal) => client.request<T>({ ...options, signal })),
      },
      controller: `${definition.kind.group || 'core'}/${name}-controller`,
      instance: this.identity,
      metrics: eventMetrics(this.registry),
      logger: this.log.child({ controller: name }),
      onError: (err, event) => {
        if (termSignal.aborted) this.log.debug({ controller: name, reason: event.reason }, 'event not recorded: the leadership term ended');
        else this.log.warn({ controller: name, reason: event.reason, err: (err as Error).message }, 'could not record an event');
      },
    });
  }
}

async function hasCertificate(certDir: string): Promise<boolean> {
  const present = (file: string) =>
    access(join(certDir, file)).then(
      () => true,
      () => false,
    );
  return (await present('tls.crt')) && (await present('tls.key'));
}
