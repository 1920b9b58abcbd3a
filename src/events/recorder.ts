import { randomBytes } from 'node:crypto';
import { isNamespaceTerminating, type KubeClient } from '../client/index.ts';
import { type Clock, type Logger, microTime, resourcePath, silentLogger, systemClock, type Timer } from '../core/index.ts';
import { Event } from '../kinds/events/v1.ts';

/**
 * The object an event is about (`regarding`): an `ObjectReference` (`capstan/kinds/core/v1`) with the fields an Event needs.
 *
 * @noExample The `regarding` of an {@link EventInput}; {@link EventRecorder}'s example fills one in.
 */
export interface EventSubject {
  /** The object's `apiVersion`, e.g. `apps.example.com/v1alpha1`. */
  apiVersion: string;
  /** The object's kind, e.g. `HelloWorld`. */
  kind: string;
  /** The object's name. */
  name: string;
  /** Absent for cluster-scoped objects; their events go to `default`. */
  namespace?: string;
  /** The object's uid: `kubectl describe` finds the events of this object, not of an earlier one of that name. */
  uid: string;
  /** The version the event is about, if it matters. */
  resourceVersion?: string;
}

/**
 * One thing that happened, as a reconciler tells it.
 *
 * @noExample The argument of {@link EventRecorder.emit}; its example passes one.
 */
export interface EventInput {
  /** The object the event is about. */
  regarding: EventSubject;
  /** `Warning` for what a user should look into; `Normal` otherwise. */
  type: 'Normal' | 'Warning';
  /** PascalCase, machine-readable: `Created`, `ConfigMapExists`. */
  reason: string;
  /** What the controller was doing: `Reconcile`, `Create`, `Delete`. */
  action: string;
  /** Human-readable; cut to the API's 1 kB limit. */
  note: string;
}

/**
 * Options of an {@link EventRecorder}.
 *
 * @noExample Options of {@link EventRecorder}; its example shows them in use.
 */
export interface EventRecorderOptions {
  /** Writes the Events; a `KubeClient`. */
  client: Pick<KubeClient, 'request'>;
  /** `reportingController`: the controller's name, e.g. `apps.example.com/helloworld-controller`. */
  controller: string;
  /** `reportingInstance`: this process, e.g. the leader-election identity. */
  instance: string;
  /** Identical events within this window fold into one Event's `series` (client-go uses 6 minutes). */
  seriesWindowMs?: number;
  /** Series updates are batched for this long, so a burst costs one PATCH. */
  flushDelayMs?: number;
  /** Where failures to write events go (events are best-effort and never fail a reconcile). */
  onError?: (err: unknown, event: EventInput) => void;
  /**
   * Counts the Events dropped without an error: refused because their namespace is being deleted (the objects
   * they are about go with it). `capstan/metrics`' `eventMetrics` exports them.
   */
  metrics?: EventRecorderMetrics;
  /** Where the recorder says, once per namespace, that it drops that namespace's Events; default silent. */
  logger?: Logger;
  /** The clock of the series window and the flush delay; default the real one. */
  clock?: Clock;
}

/**
 * Where an {@link EventRecorder} reports the Events it drops on purpose. `reason` is `NamespaceTerminating`: the
 * API server refuses new objects in a namespace being deleted, and an Event is not worth a retry.
 *
 * @example
 * ```ts
 * import { KubeClient } from 'capstan/client';
 * import { EventRecorder, type EventRecorderMetrics } from 'capstan/events';
 * let dropped = 0;
 * const metrics: EventRecorderMetrics = { dropped: () => void dropped++ };
 * const client = await KubeClient.fromKubeconfig();
 * const events = new EventRecorder({ client, controller: 'apps.example.com/helloworld', instance: 'pod-1', metrics });
 * await events.close();
 * ```
 */
export interface EventRecorderMetrics {
  /** An Event was given up on, for `reason`; it was not written and will not be retried. */
  dropped(reason: 'NamespaceTerminating'): void;
}

interface Series {
  /** The Event object's name, once created. */
  name: Promise<string | undefined>;
  namespace: string;
  count: number;
  lastSeen: number;
  lastSeenWall: Date;
  flushed: number;
  flushTimer: Timer | undefined;
  input: EventInput;
}

const eventsPath = (namespace: string) => resourcePath(Event, { namespace });

/**
 * Records `events.k8s.io/v1` Events. The first occurrence creates an Event; identical ones (same object,
 * type, reason, action and note) within the series window only count, and the count is written as
 * `series.count` in one batched PATCH, so a reconcile loop that fails the same way a hundred times leaves
 * one Event, not a hundred.
 *
 * @example
 * ```ts
 * import { KubeClient } from 'capstan/client';
 * import { EventRecorder } from 'capstan/events';
 * const client = await KubeClient.fromKubeconfig();
 * const events = new EventRecorder({ client, controller: 'apps.example.com/helloworld', instance: 'pod-1' });
 * events.emit({
 *   regarding: { apiVersion: 'v1', kind: 'ConfigMap', name: 'hello', namespace: 'default', uid: '…' },
 *   type: 'Normal', reason: 'Created', action: 'Reconcile', note: 'created ConfigMap hello',
 * });
 * await events.close();
 * ```
 */
export class EventRecorder {
  private readonly options: Required<Omit<EventRecorderOptions, 'onError' | 'metrics'>> & Pick<EventRecorderOptions, 'onError' | 'metrics'>;
  private readonly series = new Map<string, Series>();
  /** Namespaces being deleted whose dropped Events were logged, and when (forgotten after the series window). */
  private readonly droppedIn = new Map<string, number>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(options: EventRecorderOptions) {
    this.options = { seriesWindowMs: 6 * 60_000, flushDelayMs: 500, clock: systemClock, logger: silentLogger, ...options };
  }

  /** Record an event; returns at once, the write happens in the background (see {@link flush}). */
  emit(input: EventInput): void {
    const { clock, seriesWindowMs } = this.options;
    const key = JSON.stringify([input.regarding.uid, input.type, input.reason, input.action, input.note]);
    const now = clock.now();
    const existing = this.series.get(key);
    if (existing && now - existing.lastSeen <= seriesWindowMs) {
      existing.count++;
      existing.lastSeen = now;
      existing.lastSeenWall = clock.wallNow();
      // Kept in order of last occurrence, so that forgetting expired series stops at the first live one.
      this.series.delete(key);
      this.series.set(key, existing);
      existing.flushTimer ??= clock.setTimer(() => this.track(this.writeSeries(existing)), this.options.flushDelayMs);
      return;
    }
    if (existing) existing.flushTimer?.cancel();
    const namespace = input.regarding.namespace ?? 'default';
    const wall = clock.wallNow();
    const entry: Series = {
      name: Promise.resolve(undefined),
      namespace,
      count: 1,
      lastSeen: now,
      lastSeenWall: wall,
      flushed: 1,
      flushTimer: undefined,
      input,
    };
    entry.name = this.create(input, namespace, wall);
    this.track(entry.name.then(() => undefined));
    this.series.set(key, entry);
    this.forgetExpired(now);
  }

  /** Write every pending series update and wait for all writes in flight. */
  async flush(): Promise<void> {
    for (const entry of this.series.values()) {
      if (entry.flushTimer) {
        entry.flushTimer.cancel();
        this.track(this.writeSeries(entry));
      }
    }
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  /** Flush and stop; call on shutdown. */
  async close(): Promise<void> {
    await this.flush();
    this.series.clear();
  }

  private async create(input: EventInput, namespace: string, wall: Date): Promise<string | undefined> {
    const name = `${input.regarding.name}.${randomBytes(8).toString('hex')}`.slice(-253).replace(/^[.-]+/, '');
    const event: Event = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name, namespace },
      eventTime: microTime(wall),
      reportingController: this.options.controller,
      reportingInstance: this.options.instance,
      action: input.action,
      reason: input.reason,
      type: input.type,
      note: truncate(input.note, 1024),
      regarding: input.regarding,
    };
    try {
      await this.options.client.request({ method: 'POST', path: eventsPath(namespace), body: event });
      return name;
    } catch (err) {
      if (isNamespaceTerminating(err, namespace)) this.drop(namespace, input);
      else this.options.onError?.(err, input);
      return undefined;
    }
  }

  /**
   * An Event refused because its namespace is being deleted: counted, logged once per namespace, never retried
   * (its repeats in the series window only count, as after any failed create).
   */
  private drop(namespace: string, input: EventInput): void {
    this.options.metrics?.dropped('NamespaceTerminating');
    const now = this.options.clock.now();
    for (const [known, at] of this.droppedIn) if (now - at > this.options.seriesWindowMs) this.droppedIn.delete(known);
    if (this.droppedIn.has(namespace)) return;
    this.droppedIn.set(namespace, now);
    this.options.logger.info(
      { namespace, reason: input.reason },
      `namespace ${namespace} is being deleted: its Events are dropped (the API server refuses new objects there)`,
    );
  }

  private async writeSeries(entry: Series): Promise<void> {
    entry.flushTimer = undefined;
    const name = await entry.name;
    if (name === undefined || entry.count === entry.flushed) return;
    const count = entry.count;
    try {
      await this.options.client.request({
        method: 'PATCH',
        path: `${eventsPath(entry.namespace)}/${encodeURIComponent(name)}`,
        contentType: 'application/merge-patch+json',
        body: { series: { count, lastObservedTime: microTime(entry.lastSeenWall) } } satisfies Pick<Event, 'series'>,
      });
      entry.flushed = Math.max(entry.flushed, count);
    } catch (err) {
      this.options.onError?.(err, entry.input);
    }
  }

  private track(write: Promise<void>): void {
    this.inFlight.add(write);
    void write.finally(() => this.inFlight.delete(write));
  }

  /**
   * Forget series past their window, oldest first, stopping at the first live one (the map is in order
   * of last occurrence); and beyond {@link maxSeries}, the oldest even within their window (as client-go's
   * event cache holds at most 4,096), so a burst of distinct events leaves no lasting memory behind.
   */
  private forgetExpired(now: number): void {
    for (const [key, entry] of this.series) {
      const expired = now - entry.lastSeen > this.options.seriesWindowMs;
      if (!expired && this.series.size <= maxSeries) break;
      if (entry.flushTimer) continue;
      this.series.delete(key);
    }
  }
}

/** The most series remembered for folding repeats. */
const maxSeries = 4096;

function truncate(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let cut = text.slice(0, maxBytes);
  while (Buffer.byteLength(cut) > maxBytes - 3) cut = cut.slice(0, -1);
  return `${cut}...`;
}
