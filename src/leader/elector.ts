import { isAlreadyExists, isConflict, isNotFound } from '../client/index.ts';
import { resourcePath, type Timer } from '../core/index.ts';
import { decide, type LeaseObservation, observeLease, releaseSpec } from './decision.ts';
import { LeaderElectionError } from './errors.ts';
import { type Lease, LeaseResource, type LeaseSpec } from './lease.ts';
import { type ElectorConfig, electorConfig, jitterFactor, type LeaderElectorOptions } from './options.ts';

/**
 * One period of leadership. Its signal aborts, with a {@link LeaderElectionError} reason, when it ends.
 *
 * @noExample Handed out by {@link LeaderElector.waitForLeadership} and the `started-leading` event; {@link LeaderElector}'s example reads it.
 */
export interface LeadershipTerm {
  /** The identity that holds the Lease for this term (this process's). */
  readonly identity: string;
  /** Aborts when the term ends, before another replica may lead: pass it to every write made while leading. */
  readonly signal: AbortSignal;
  /** Monotonic ms at which the acquiring request was sent. */
  readonly startedAt: number;
}

/**
 * Why a term ended: not renewed within the deadline, another holder seen, released on stop, or stopped without release.
 *
 * @noExample The `reason` of a `stopped-leading` {@link LeaderEvent}; {@link LeaderElector}'s example logs it.
 */
export type StopReason = 'renew-deadline' | 'lost' | 'released' | 'stopped';

/**
 * What the elector reports to subscribers.
 *
 * @noExample What {@link LeaderElector.subscribe} hands its listeners; {@link LeaderElector}'s example handles it.
 */
export type LeaderEvent =
  | {
      /** This process took the Lease. */
      readonly type: 'started-leading';
      /** The new term; its signal aborts when it ends. */
      readonly term: LeadershipTerm;
    }
  | {
      /** This process's term ended (its signal has aborted). */
      readonly type: 'stopped-leading';
      /** Why it ended. */
      readonly reason: StopReason;
    }
  | {
      /** The Lease's holder changed to another identity or this one, as this process read or wrote it (a release is not reported). */
      readonly type: 'new-leader';
      /** The new `holderIdentity`, never empty. */
      readonly holder: string;
    }
  | {
      /** A request to the Lease failed; the elector retries at its next period. */
      readonly type: 'error';
      /** What the request threw. */
      readonly error: unknown;
    };

interface ActiveTerm {
  readonly term: LeadershipTerm;
  readonly abort: AbortController;
  deadline: number;
  timer: Timer;
}

/**
 * Leader election on a `coordination.k8s.io/v1` Lease, in the manner of client-go: candidates poll every
 * retry period (with jitter) and take the Lease when it is free or has not changed for its duration, as
 * measured by their own monotonic clock; writes use the Lease's resourceVersion, so two candidates never
 * both win. The leader renews every retry period; if no renewal succeeds within the renew deadline
 * (counted from when the last successful one was sent, so before any standby can take over), its term's
 * signal aborts — stop controllers and abort writes on it — and it campaigns again. On stop it releases
 * the Lease so a standby takes over at its next retry.
 *
 * Stop controllers (drain their queues) before aborting `run`'s signal: the term's signal aborts before the
 * release is written.
 *
 * @example
 * ```ts
 * import { KubeClient } from 'capstan/client';
 * import { LeaderElector } from 'capstan/leader';
 * const client = await KubeClient.fromKubeconfig();
 * const elector = new LeaderElector({ client, namespace: 'ops', name: 'helloworld-operator' });
 * elector.subscribe((event) => {
 *   if (event.type === 'started-leading') console.log('leading until', event.term.signal);
 *   if (event.type === 'stopped-leading') console.log('stopped leading:', event.reason);
 * });
 * const stop = new AbortController();
 * process.once('SIGTERM', () => stop.abort());
 * await elector.run(stop.signal);
 * await client.close();
 * ```
 */
export class LeaderElector {
  private readonly config: ElectorConfig;
  private readonly path: string;
  private readonly listeners = new Set<(event: LeaderEvent) => void>();
  private lease: Lease | undefined;
  private observation: LeaseObservation | undefined;
  private active: ActiveTerm | undefined;
  private running = false;

  constructor(options: LeaderElectorOptions) {
    this.config = electorConfig(options);
    this.path = resourcePath(LeaseResource, { namespace: this.config.namespace, name: this.config.name });
  }

  /** This candidate's holderIdentity. */
  get identity(): string {
    return this.config.identity;
  }

  /** Whether this process leads now. */
  get isLeader(): boolean {
    return this.active !== undefined;
  }

  /** The current term, while leading. */
  get term(): LeadershipTerm | undefined {
    return this.active?.term;
  }

  /** The holder last seen on the Lease ('' when free, undefined before the first read). */
  get observedLeader(): string | undefined {
    return this.observation?.holder;
  }

  /** Be told of every {@link LeaderEvent}; returns the function that unsubscribes. */
  subscribe(listener: (event: LeaderEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolve with the term once this process leads (at once if it does); reject if `signal` aborts first. */
  waitForLeadership(signal?: AbortSignal): Promise<LeadershipTerm> {
    if (this.active) return Promise.resolve(this.active.term);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        unsubscribe();
        reject(signal?.reason as Error);
      };
      const unsubscribe = this.subscribe((event) => {
        if (event.type !== 'started-leading') return;
        unsubscribe();
        signal?.removeEventListener('abort', onAbort);
        resolve(event.term);
      });
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Campaign, lead, and campaign again after a lost term, until `signal` aborts; then release (if leading) and return. */
  async run(signal: AbortSignal): Promise<void> {
    if (this.running)
      throw new LeaderElectionError('LEADER_ALREADY_RUNNING', `the elector for lease ${this.path} is already running; call run() once`);
    this.running = true;
    try {
      while (!signal.aborted) {
        const sentAt = this.config.clock.now();
        const renewed = await this.tryAcquireOrRenew(signal);
        if (signal.aborted) break;
        if (renewed) this.onWriteSucceeded(sentAt);
        else if (this.active && this.observation && this.observation.holder !== this.identity) this.endTerm('lost');
        const pause = this.active ? this.config.retryPeriodMs : this.config.retryPeriodMs * (1 + jitterFactor * this.config.random());
        await this.sleep(pause, signal);
      }
    } finally {
      // A lease won in the round the stop interrupted has no term yet, but is ours to give back all the same.
      if (this.config.releaseOnStop && (this.active || this.lease?.spec?.holderIdentity === this.identity)) await this.release();
      else this.endTerm('stopped');
      this.running = false;
    }
  }

  private onWriteSucceeded(sentAt: number): void {
    const deadline = sentAt + this.config.renewDeadlineMs;
    const now = this.config.clock.now();
    if (deadline <= now) return; // the write took longer than the deadline: do not lead on it
    if (this.active) {
      this.active.timer.cancel();
      this.active.deadline = deadline;
      this.active.timer = this.config.clock.setTimer(() => this.endTerm('renew-deadline'), deadline - now);
      return;
    }
    const abort = new AbortController();
    const term: LeadershipTerm = { identity: this.identity, signal: abort.signal, startedAt: sentAt };
    const timer = this.config.clock.setTimer(() => this.endTerm('renew-deadline'), deadline - now);
    this.active = { term, abort, deadline, timer };
    this.emit({ type: 'started-leading', term });
  }

  private endTerm(reason: StopReason): void {
    const active = this.active;
    if (!active) return;
    this.active = undefined;
    active.timer.cancel();
    const code = reason === 'released' || reason === 'stopped' ? 'LEADERSHIP_RELEASED' : 'LEADERSHIP_LOST';
    const why = {
      'renew-deadline': `not renewed within the renew deadline of ${this.config.renewDeadlineMs} ms`,
      lost: `now held by ${this.observation?.holder || 'nobody'}`,
      released: 'released on stop',
      stopped: 'stopped without release',
    }[reason];
    active.abort.abort(new LeaderElectionError(code, `lease ${this.config.namespace}/${this.config.name}: ${why}; stop writing`));
    this.emit({ type: 'stopped-leading', reason });
  }

  /** One round: the leader's fast path (write on the last resourceVersion), else read, decide, write. */
  private async tryAcquireOrRenew(runSignal: AbortSignal): Promise<boolean> {
    const active = this.active;
    const signal = active ? AbortSignal.any([runSignal, active.abort.signal]) : runSignal;
    // Whole milliseconds (the client's AbortSignal.timeout refuses fractions, and the monotonic clock has them),
    // rounded down so that a renewal never outlives the deadline.
    const timeoutMs = () =>
      active
        ? Math.max(1, Math.floor(Math.min(this.config.requestTimeoutMs, active.deadline - this.config.clock.now())))
        : this.config.requestTimeoutMs;
    try {
      if (active && this.lease && this.lease.spec?.holderIdentity === this.identity) {
        const spec = decide({ ...this.decisionBase(), lease: this.lease, observation: this.observation });
        if (spec.action === 'update') {
          try {
            await this.write('PUT', spec.spec, signal, timeoutMs());
            return true;
          } catch (err) {
            if (!isConflict(err)) throw err;
          }
        }
      }
      const lease = await this.read(signal, timeoutMs());
      const decision = decide({ ...this.decisionBase(), lease, observation: this.observation });
      if (decision.action === 'wait') return false;
      await this.write(decision.action === 'create' ? 'POST' : 'PUT', decision.spec, signal, timeoutMs());
      return true;
    } catch (err) {
      const contention = isConflict(err) || isAlreadyExists(err);
      if (!signal.aborted && !contention) this.emit({ type: 'error', error: err });
      return false;
    }
  }

  private decisionBase() {
    return {
      identity: this.identity,
      now: this.config.clock.now(),
      wallNow: this.config.clock.wallNow(),
      leaseDurationMs: this.config.leaseDurationMs,
    };
  }

  private async read(signal: AbortSignal, timeoutMs: number): Promise<Lease | undefined> {
    try {
      const lease = await this.config.client.request<Lease>({ path: this.path, signal, timeoutMs });
      this.remember(lease);
      return lease;
    } catch (err) {
      if (isNotFound(err)) {
        this.lease = undefined;
        return undefined;
      }
      throw err;
    }
  }

  private async write(method: 'POST' | 'PUT', spec: LeaseSpec, signal: AbortSignal, timeoutMs: number): Promise<void> {
    const { namespace, name } = this.config;
    const body: Lease =
      method === 'POST'
        ? { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec }
        : { ...this.lease!, spec };
    const path = method === 'POST' ? resourcePath(LeaseResource, { namespace }) : this.path;
    this.remember(await this.config.client.request<Lease>({ method, path, body, signal, timeoutMs }));
  }

  private remember(lease: Lease): void {
    const previous = this.observation?.holder;
    this.lease = lease;
    this.observation = observeLease(this.observation, lease, this.config.clock.now(), this.config.leaseDurationMs);
    if (this.observation.holder !== previous && this.observation.holder !== '')
      this.emit({ type: 'new-leader', holder: this.observation.holder });
  }

  /** Step down, then give the Lease up: no holder, one-second duration (a failure is reported; the Lease then expires). */
  private async release(): Promise<void> {
    this.endTerm('released');
    const signal = AbortSignal.timeout(this.config.requestTimeoutMs);
    for (let attempt = 0; attempt < 2 && this.lease?.spec?.holderIdentity === this.identity; attempt++) {
      try {
        await this.write('PUT', releaseSpec(this.lease, this.config.clock.wallNow()), signal, this.config.requestTimeoutMs);
        return;
      } catch (err) {
        if (!isConflict(err)) {
          this.emit({ type: 'error', error: err });
          return;
        }
        await this.read(signal, this.config.requestTimeoutMs).catch((e: unknown) => this.emit({ type: 'error', error: e }));
      }
    }
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        timer.cancel();
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = this.config.clock.setTimer(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private emit(event: LeaderEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        process.emitWarning(`leader election: a ${event.type} listener threw: ${String(err)}`);
      }
    }
  }
}
