// The webhook certificates of an operator, kept in a Secret so that a cluster needs no cert-manager: the first
// replica that finds no Secret creates it, every replica serves the serving certificate it holds, keeps the
// caBundle of the operator's webhook configurations and CRD conversion stanzas equal to the CAs it holds, and
// carries out the next rotation step (certificate-rotation.ts decides which). Writes to the Secret carry its
// resourceVersion: when two replicas take the same step, one wins and the other reads the result and goes on.
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeClient } from '../client/index.ts';
import { isAlreadyExists, isConflict, isNotFound } from '../client/index.ts';
import { type Kind, type KubeObject, type Logger, silentLogger } from '../core/index.ts';
import { MutatingWebhookConfiguration, ValidatingWebhookConfiguration } from '../kinds/admissionregistration/v1.ts';
import { CustomResourceDefinition } from '../kinds/apiextensions/v1.ts';
import { Secret } from '../kinds/core/v1.ts';
import {
  bundlesUpdated,
  caBundleOf,
  caDropped,
  casInBundle,
  type CertificateState,
  certificateSecret,
  defaultRotationPolicy,
  nextStep,
  notAfterMs,
  readCertificateState,
  type RotationPhase,
  type RotationPolicy,
  type RotationStep,
  stableState,
  startRotation,
  switchServing,
  trustedCas,
  verificationFailed,
  verified,
} from './certificate-rotation.ts';
import type { CertificateSource } from './certificate-source.ts';
import { type CertificatePair, createCertificateAuthority, issueServingCertificate } from './certificates.ts';

/**
 * Options of a {@link CertificateManager}; {@link webhookCertificateRules} gives the RBAC they call for.
 *
 * @noExample Options of {@link CertificateManager}; its example shows them in use.
 */
export interface CertificateManagerOptions {
  /** The client it reads and writes the Secret, the webhook configurations and the CRDs with. */
  client: KubeClient;
  /** The Secret that holds the certificates, in the operator's namespace (e.g. `<operator>-webhook-certs`). */
  secret: {
    /** The Secret's name. */
    name: string;
    /** The Secret's namespace: the operator's. */
    namespace: string;
  };
  /** What the serving certificate covers: the webhook Service's `<name>.<namespace>.svc` (and `.svc.cluster.local`), or `127.0.0.1` for a `url` registration. */
  hosts: readonly string[];
  /** ValidatingWebhookConfigurations whose every webhook's caBundle is kept current. */
  validatingConfigurations?: readonly string[];
  /** MutatingWebhookConfigurations whose every webhook's caBundle is kept current. */
  mutatingConfigurations?: readonly string[];
  /** CRDs whose `spec.conversion.webhook.clientConfig.caBundle` is kept current (those without a conversion webhook are left alone). */
  crds?: readonly string[];
  /**
   * Proves, after a switch, that the API server calls the webhook with the new certificate: a request that goes
   * through the webhook (a server-side dry run, see `dryRunVerifier`); it throws when the call failed. Without
   * it the switch is taken as good once `settleMs` has passed.
   */
  verify?: (signal: AbortSignal) => Promise<void>;
  /** Timings of a rotation; the rest from {@link defaultRotationPolicy}. */
  policy?: Partial<RotationPolicy>;
  /** How often each replica rereads the Secret and checks the caBundles; default 10 s (keep it below `settleMs` and `overlapMs`). */
  syncIntervalMs?: number;
  /** Where each step and each failure is logged (with the Secret's name); default silent. */
  log?: Logger;
}

/**
 * Manages the webhook certificates of an operator in a Secret, on every replica: {@link start} creates the Secret
 * if no replica has yet (or reads the one that exists) and resolves once there is a certificate to serve; then,
 * every `syncIntervalMs`, it rereads the Secret, serves what it holds (as a {@link CertificateSource} for
 * `serveWebhooks`), sets the caBundle of the named webhook configurations and CRDs to the CAs it holds (fixing one
 * that `kubectl apply` reset) and takes the next rotation step: a new CA into every caBundle, a wait until the
 * API server uses it, the switch to a serving certificate of the new CA (verified by a request through the
 * webhook, undone if that fails), and the old CA dropped after an overlap.
 *
 * @example
 * ```ts
 * import { KubeClient } from 'capstan/client';
 * import { CertificateManager, serveWebhooks } from 'capstan/webhook';
 * const client = await KubeClient.fromKubeconfig();
 * const certificates = new CertificateManager({
 *   client,
 *   secret: { name: 'web-app-operator-webhook-certs', namespace: 'web-app-system' },
 *   hosts: ['web-app-operator-webhooks.web-app-system.svc'],
 *   validatingConfigurations: ['web-app-operator'],
 * });
 * await certificates.start();
 * const server = await serveWebhooks([], { certificates, port: 9443 });
 * await server.close();
 * await certificates.stop();
 * ```
 */
export class CertificateManager implements CertificateSource {
  private readonly options: CertificateManagerOptions;
  private readonly policy: RotationPolicy;
  private readonly log: Logger;
  private readonly listeners = new Set<(pair: CertificatePair) => void>();
  private readonly stopping = new AbortController();
  private serving: CertificatePair | undefined;
  private state: CertificateState | undefined;
  private loop: Promise<void> | undefined;

  constructor(options: CertificateManagerOptions) {
    if (options.hosts.length === 0) throw new RangeError('CertificateManager: give at least one host the serving certificate covers');
    this.options = options;
    this.policy = { ...defaultRotationPolicy, ...options.policy };
    this.log = (options.log ?? silentLogger).child({ secret: `${options.secret.namespace}/${options.secret.name}` });
  }

  /** The serving certificate to serve now (the Secret's, as last read). */
  get current(): CertificatePair | undefined {
    return this.serving;
  }

  /** The rotation phase of the Secret as last read; undefined before the first read. */
  get phase(): RotationPhase | undefined {
    return this.state?.phase;
  }

  /** True while the serving certificate is within its validity: what readiness for webhooks asks. */
  get valid(): boolean {
    return this.serving !== undefined && Date.now() < notAfterMs(this.serving.cert);
  }

  subscribe(listener: (pair: CertificatePair) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Read (or create) the Secret, then keep it in hand in the background; resolves once there is a certificate to serve. */
  async start(options: { signal?: AbortSignal } = {}): Promise<void> {
    options.signal?.addEventListener('abort', () => this.stopping.abort(options.signal?.reason), { once: true });
    const signal = this.stopping.signal;
    while (!this.serving) {
      try {
        await this.sync(signal);
      } catch (err) {
        if (signal.aborted) throw err;
        if (isAlreadyExists(err) || isConflict(err)) continue; // another replica created it first: read the winner's
        this.log.warn({ err: (err as Error).message }, 'webhook certificates not read yet; retrying');
        await sleep(Math.min(this.syncIntervalMs, 2_000), undefined, { signal });
      }
    }
    this.loop = this.run(signal);
  }

  /** Stop the background loop (the certificate last read stays current). */
  async stop(): Promise<void> {
    this.stopping.abort(new Error('the certificate manager is stopping'));
    await this.loop;
  }

  private get syncIntervalMs(): number {
    return this.options.syncIntervalMs ?? 10_000;
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let untilMs = Date.now() + this.syncIntervalMs;
      try {
        const step = await this.sync(signal);
        // After a step taken, look again at once: the next one may be due already.
        untilMs = step.type === 'wait' ? Math.min(untilMs, step.untilMs) : Date.now();
      } catch (err) {
        if (signal.aborted) return;
        if (isConflict(err) || isAlreadyExists(err)) {
          untilMs = Date.now() + Math.random() * 200; // another replica took the step: read what it wrote
        } else {
          this.log.warn({ err: (err as Error).message }, 'webhook certificate step failed; retrying at the next sync');
        }
      }
      await sleep(Math.max(0, untilMs - Date.now()), undefined, { signal }).catch(() => undefined);
    }
  }

  /** One pass: read the Secret, serve it, keep the caBundles, take the next step. Returns the step decided. */
  private async sync(signal: AbortSignal): Promise<RotationStep> {
    const { name, namespace } = this.options.secret;
    const secrets = this.options.client.resource(Secret);
    const secret = await secrets.get(name, { namespace, signal }).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    const read = secret && readCertificateState(secret);
    if (read && typeof read !== 'string') {
      this.adopt(read);
      await this.keepBundles(read, signal);
    }
    const now = Date.now();
    const step = nextStep(read, now, this.policy, this.options.hosts);
    const write = async (state: CertificateState, message: string, fields: object = {}) => {
      const body = certificateSecret(state, secret ?? { name, namespace });
      const written = secret ? await secrets.update(body, { signal }) : await secrets.create(body, { signal });
      this.log.info({ phase: state.phase, ...fields }, message);
      const state2 = readCertificateState(written);
      if (typeof state2 !== 'string') {
        this.adopt(state2);
        await this.keepBundles(state2, signal);
      }
    };
    switch (step.type) {
      case 'wait':
        return step;
      case 'create':
        await write(this.fresh(now), 'created the webhook certificate Secret');
        return step;
      case 'replace':
        this.log.warn({ reason: step.reason }, 'the webhook certificate Secret cannot be used as it is; replacing it');
        await write(this.fresh(now), 'replaced the webhook certificates with a new CA');
        return step;
      case 'reissue': {
        const s = read as CertificateState;
        await write(stableState(s.ca, this.issue(s.ca, now), now), 'issued a new serving certificate', { reason: step.reason });
        return step;
      }
      case 'start-rotation': {
        const s = read as CertificateState;
        await write(startRotation(s, this.newCa(now), now), 'certificate rotation: adding a new CA to the caBundles');
        return step;
      }
      case 'add-ca': {
        const s = read as CertificateState;
        const lacking = await this.bundlesLacking(trustedCas(s), signal);
        if (lacking.length > 0) {
          this.log.info({ lacking }, 'certificate rotation: waiting for the caBundles to hold the new CA');
          return { type: 'wait', untilMs: now + this.syncIntervalMs };
        }
        await write(
          bundlesUpdated(s, now),
          'certificate rotation: every caBundle holds the new CA; waiting for the API server to load it',
          {
            propagationMs: this.policy.propagationMs,
          },
        );
        return step;
      }
      case 'switch': {
        const s = read as CertificateState;
        await write(switchServing(s, this.issue(s.next!, now), now), 'certificate rotation: serving a certificate of the new CA');
        return step;
      }
      case 'verify': {
        const s = read as CertificateState;
        const problem = await this.verify(signal);
        if (problem === undefined) {
          await write(
            verified(s, now),
            'certificate rotation: the API server calls the webhook with the new certificate; keeping the old CA for the overlap',
            {
              overlapMs: this.policy.overlapMs,
            },
          );
        } else {
          await write(
            verificationFailed(s, now, this.policy),
            'certificate rotation: the API server could not call the webhook with the new certificate; serving the old one again',
            { err: problem, retryMs: this.policy.retryMs },
          );
        }
        return step;
      }
      case 'drop-ca': {
        const s = read as CertificateState;
        await write(caDropped(s, now), 'certificate rotation done: the old CA is dropped from the caBundles');
        return step;
      }
    }
  }

  /** Serve `state`'s certificate (telling the server if it changed). */
  private adopt(state: CertificateState): void {
    this.state = state;
    if (this.serving?.cert === state.serving.cert && this.serving.key === state.serving.key) return;
    this.serving = state.serving;
    this.log.info({ phase: state.phase }, 'serving the webhook certificate of the Secret');
    for (const listener of this.listeners) listener(state.serving);
  }

  private fresh(nowMs: number): CertificateState {
    const ca = this.newCa(nowMs);
    return stableState(ca, this.issue(ca, nowMs), nowMs);
  }

  private newCa(nowMs: number): CertificatePair {
    const commonName = `${this.options.secret.name}-ca-${new Date(nowMs).toISOString()}`; // told apart in the bundles
    return createCertificateAuthority({ commonName, now: new Date(nowMs), validityMs: this.policy.validityMs });
  }

  /** A serving certificate of `ca`, never valid longer than `ca` is. */
  private issue(ca: CertificatePair, nowMs: number): CertificatePair {
    const validityMs = Math.min(this.policy.validityMs, notAfterMs(ca.cert) - nowMs);
    return issueServingCertificate(ca, { commonName: this.options.hosts[0]!, hosts: this.options.hosts, now: new Date(nowMs), validityMs });
  }

  /** The verification's failure, or undefined when it passed (or there is none). */
  private async verify(signal: AbortSignal): Promise<string | undefined> {
    if (!this.options.verify) return undefined;
    try {
      await this.options.verify(AbortSignal.any([signal, AbortSignal.timeout(30_000)]));
      return undefined;
    } catch (err) {
      if (signal.aborted) throw err;
      return (err as Error).message;
    }
  }

  // ---- caBundles --------------------------------------------------------------------------------------------------

  private targets(): Array<{ kind: Kind<KubeObject>; name: string }> {
    const o = this.options;
    return [
      ...(o.validatingConfigurations ?? []).map((name) => ({ kind: ValidatingWebhookConfiguration, name })),
      ...(o.mutatingConfigurations ?? []).map((name) => ({ kind: MutatingWebhookConfiguration, name })),
      ...(o.crds ?? []).map((name) => ({ kind: CustomResourceDefinition, name })),
    ];
  }

  /**
   * Set every target's caBundles to exactly the CAs of `state` (a CA that is missing is added, one the Secret no
   * longer holds is dropped), each write conditional on the object's resourceVersion. A target not there yet is skipped.
   */
  private async keepBundles(state: CertificateState, signal: AbortSignal): Promise<void> {
    const cas = trustedCas(state);
    for (const { kind, name } of this.targets()) {
      const resource = this.options.client.resource(kind);
      const object = await resource.get(name, { signal }).catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      });
      if (!object) continue;
      const updated = withCaBundle(object, cas);
      if (!updated) continue;
      try {
        await resource.update(updated, { signal });
        this.log.info({ kind: kind.kind, name, cas: cas.length }, 'set the caBundle to the CAs of the Secret');
      } catch (err) {
        if (!isConflict(err)) throw err;
        this.log.debug({ kind: kind.kind, name }, 'caBundle not set: the object changed meanwhile; again at the next sync');
      }
    }
  }

  /** The targets (`Kind/name`) whose caBundles do not hold every one of `cas`, read live. */
  private async bundlesLacking(cas: readonly string[], signal: AbortSignal): Promise<string[]> {
    const lacking: string[] = [];
    for (const { kind, name } of this.targets()) {
      const object = await this.options.client
        .resource(kind)
        .get(name, { signal })
        .catch((err: unknown) => {
          if (isNotFound(err)) return undefined;
          throw err;
        });
      if (object && bundlesOf(object).some((bundle) => cas.some((ca) => !casInBundle(bundle).includes(ca))))
        lacking.push(`${kind.kind}/${name}`);
    }
    return lacking;
  }
}

/** The caBundles `object` (a webhook configuration or a CRD with a conversion webhook) holds. */
function bundlesOf(object: KubeObject): Array<string | undefined> {
  const o = object as { webhooks?: Array<{ clientConfig?: { caBundle?: string } }>; spec?: CrdConversion };
  if (o.webhooks) return o.webhooks.map((w) => w.clientConfig?.caBundle);
  const webhook = o.spec?.conversion?.webhook;
  return o.spec?.conversion?.strategy === 'Webhook' && webhook?.clientConfig ? [webhook.clientConfig.caBundle] : [];
}

interface CrdConversion {
  conversion?: { strategy?: string; webhook?: { clientConfig?: { caBundle?: string } } };
}

/** `object` with every caBundle set to `cas`, or undefined when each already holds exactly them. */
function withCaBundle(object: KubeObject, cas: readonly string[]): KubeObject | undefined {
  const same = (bundle: string | undefined) => {
    const held = casInBundle(bundle);
    return held.length === cas.length && cas.every((ca) => held.includes(ca));
  };
  if (bundlesOf(object).every(same)) return undefined;
  const caBundle = caBundleOf(cas);
  const o = object as KubeObject & {
    webhooks?: Array<{ clientConfig?: object }>;
    spec?: { conversion?: { webhook?: { clientConfig?: object } } };
  };
  if (o.webhooks) return { ...o, webhooks: o.webhooks.map((w) => ({ ...w, clientConfig: { ...w.clientConfig, caBundle } })) } as KubeObject;
  const conversion = o.spec!.conversion!;
  const webhook = conversion.webhook!;
  return {
    ...o,
    spec: { ...o.spec, conversion: { ...conversion, webhook: { ...webhook, clientConfig: { ...webhook.clientConfig, caBundle } } } },
  } as KubeObject;
}
