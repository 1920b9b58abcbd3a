// Counting an operator's requests in the API server's audit log (Metadata level, one JSON line per stage).
import { randomUUID } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { isNotFound, type KubeClient } from '../../src/client/index.ts';
import type { AuditEvent } from '../../src/testing/index.ts';

const writeVerbs = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

/** The audit log's length now: read from here to see only what comes after. */
export async function auditOffset(path: string): Promise<number> {
  return (await stat(path)).size;
}

async function readFrom(path: string, offset: number): Promise<string> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const buffer = Buffer.alloc(Math.max(0, size - offset));
    await file.read(buffer, 0, buffer.length, offset);
    const text = buffer.toString('utf8');
    return text.slice(0, text.lastIndexOf('\n') + 1);
  } finally {
    await file.close();
  }
}

/**
 * Every audit event from `offset` up to a marker request sent now: whatever the API server received before
 * the marker and has finished is in the log by the time the marker is.
 */
export async function auditEventsSince(admin: KubeClient, path: string, offset: number): Promise<AuditEvent[]> {
  const marker = `bench-marker-${randomUUID()}`;
  try {
    await admin.request({ path: `/api/v1/namespaces/default/configmaps/${marker}` });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  for (let attempt = 0; attempt < 100; attempt++) {
    const lines = (await readFrom(path, offset)).split('\n');
    const end = lines.findIndex((line) => line.includes(marker));
    if (end >= 0)
      return lines
        .slice(0, end)
        .filter(Boolean)
        .map((line) => JSON.parse(line) as AuditEvent);
    await sleep(100);
  }
  throw new Error(`the audit marker ${marker} never appeared in ${path}`);
}

/** One operator's requests in a stretch of the audit log, by kind of request. */
export interface RequestCounts {
  /** Every request (a watch counts once, when it was opened). */
  requests: number;
  /** create, update, patch and delete, whatever their answer. */
  writes: number;
  /** Writes the API server refused (409 Conflict, 422, …): counted in `writes` too. */
  failedWrites: number;
  configMapWrites: number;
  statusWrites: number;
  eventWrites: number;
  otherWrites: number;
  /**
   * The API server's time (received to response complete, from the audit log) summed over the ConfigMap and
   * status writes: the two writes a reconcile makes one after the other, so their mean bounds how fast W
   * workers can go (N × 2 × mean / W).
   */
  configMapAndStatusServerMs: number;
}

/** What `username` sent, among `events`; `namespace` keeps only requests about objects in it. */
export function countRequests(
  events: readonly AuditEvent[],
  username: string,
  filter: { namespace?: string; from?: number; to?: number } = {},
): RequestCounts {
  const counts: RequestCounts = {
    requests: 0,
    writes: 0,
    failedWrites: 0,
    configMapWrites: 0,
    statusWrites: 0,
    eventWrites: 0,
    otherWrites: 0,
    configMapAndStatusServerMs: 0,
  };
  const seen = new Set<string>();
  for (const e of events) {
    if (e.user.username !== username || seen.has(e.auditID)) continue;
    if (filter.namespace !== undefined && e.objectRef?.namespace !== filter.namespace) continue;
    const received = Date.parse(e.requestReceivedTimestamp);
    if ((filter.from !== undefined && received < filter.from) || (filter.to !== undefined && received >= filter.to)) continue;
    // A watch appears at ResponseStarted and again at ResponseComplete; count it at its first line.
    seen.add(e.auditID);
    counts.requests++;
    if (!writeVerbs.has(e.verb)) continue;
    counts.writes++;
    if ((e.responseStatus?.code ?? 200) >= 300) counts.failedWrites++;
    const resource = e.objectRef?.resource;
    const serverMs = Date.parse(e.stageTimestamp) - received;
    if (resource === 'configmaps') {
      counts.configMapWrites++;
      counts.configMapAndStatusServerMs += serverMs;
    } else if (resource === 'helloworlds' && e.objectRef?.subresource === 'status') {
      counts.statusWrites++;
      counts.configMapAndStatusServerMs += serverMs;
    } else if (resource === 'events') counts.eventWrites++;
    else counts.otherWrites++;
  }
  return counts;
}

/** How an idle-restart window ended (see {@link untilQuiet}). */
export interface QuietWindow {
  /** From the restarted operator's ready to the end of the window, ms. */
  windowMs: number;
  /** The window ran to its bound: the operator was still sending requests then. */
  hitBound: boolean;
  /** When the window ended (Date.now() clock): count its requests up to here. */
  endedAt: number;
}

/**
 * Wait until the audit log shows no request from `username` for `quietMs` (its last request, or `readyAt`
 * when it sent none since, at least that long ago), bounded at `boundMs` after `readyAt`: the one rule that
 * ends every peer's idle-restart window, whatever its own pace. Reads the log from `offset` (taken before the
 * restart, so the reading stays short) every `pollMs`; the marker request of each read makes sure that what
 * the API server finished before it is in the log.
 */
export async function untilQuiet(
  admin: KubeClient,
  path: string,
  offset: number,
  username: string,
  options: { readyAt: number; quietMs: number; boundMs: number; pollMs?: number; signal?: AbortSignal },
): Promise<QuietWindow> {
  const { readyAt, quietMs, boundMs } = options;
  for (;;) {
    options.signal?.throwIfAborted();
    const now = Date.now();
    let last = readyAt;
    for (const e of await auditEventsSince(admin, path, offset)) {
      if (e.user.username === username) last = Math.max(last, Date.parse(e.requestReceivedTimestamp));
    }
    if (now - last >= quietMs) return { windowMs: now - readyAt, hitBound: false, endedAt: now };
    if (now - readyAt >= boundMs) return { windowMs: now - readyAt, hitBound: true, endedAt: now };
    await sleep(Math.min(options.pollMs ?? 500, Math.max(50, last + quietMs - now)), undefined, { signal: options.signal });
  }
}
