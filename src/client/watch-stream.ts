import { isCapstanError } from '../core/index.ts';
import { ClientError, type StatusBody } from './api-error.ts';

/**
 * One event of a watch response as the server sends it. `BOOKMARK` carries only
 * `metadata.resourceVersion`; `ERROR` carries a Status (a 410 `Expired` means: list again).
 *
 * @example
 * ```ts
 * import type { ConfigMap } from 'capstan';
 * import type { RawWatchEvent } from 'capstan/client';
 * function resumeFrom(event: RawWatchEvent<ConfigMap>, last: string): string {
 *   return event.type === 'ERROR' ? last : (event.object.metadata.resourceVersion ?? last);
 * }
 * ```
 */
export type RawWatchEvent<T> =
  | {
      /** The change: an object added, modified or deleted (its last state), or a bookmark. */
      type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';
      /** The object; for a bookmark, only its kind and `metadata.resourceVersion` (and annotations). */
      object: T;
    }
  | {
      /** The server ends the watch with an error. */
      type: 'ERROR';
      /** The error as a Status (410 `Expired`: the resourceVersion is too old, list again). */
      object: StatusBody;
    };

/**
 * The events of one watch request, in order; iteration ends when the server ends the response.
 *
 * @example
 * ```ts
 * import { ConfigMap } from 'capstan';
 * import { KubeClient } from 'capstan/client';
 * const client = await KubeClient.fromKubeconfig();
 * const list = await client.resource(ConfigMap).list({ namespace: 'default' });
 * const { resourceVersion } = list.metadata;
 * // The server ends the watch after a minute, and the iteration with it.
 * const stream = await client.resource(ConfigMap).watch({ namespace: 'default', resourceVersion, timeoutSeconds: 60 });
 * for await (const event of stream) {
 *   if (event.type === 'ERROR') break; // e.g. 410 Expired: list again
 *   console.log(event.type, event.object.metadata.name);
 * }
 * await client.close();
 * ```
 */
export type WatchStream<T> = AsyncIterable<RawWatchEvent<T>>;

const eventTypes = new Set(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

/**
 * Split a watch body (one JSON object per line, objects may span chunks) into events. A line that is not
 * an event is an `INVALID_RESPONSE` {@link ClientError}; a connection that breaks mid-stream is `CONNECTION_FAILED`;
 * an abort is thrown as is. {@link ResourceClient.watch} uses it; call it yourself on a body from {@link KubeClient.stream}.
 *
 * @param body The response body, in chunks as they arrive.
 * @param what Names the watch in error messages, e.g. `watch /api/v1/configmaps`.
 * @example
 * ```ts
 * import type { ConfigMap } from 'capstan';
 * import { KubeClient, parseWatchStream } from 'capstan/client';
 * const client = await KubeClient.fromKubeconfig();
 * const path = '/api/v1/namespaces/default/configmaps';
 * const response = await client.stream({ path, query: { watch: true, allowWatchBookmarks: true, timeoutSeconds: 60 } });
 * for await (const event of parseWatchStream<ConfigMap>(response.body, `watch ${path}`)) console.log(event.type);
 * await client.close();
 * ```
 */
export async function* parseWatchStream<T>(body: AsyncIterable<Uint8Array>, what: string): WatchStream<T> {
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for await (const chunk of body) {
      buffered += decoder.decode(chunk, { stream: true });
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line) yield parseEvent<T>(line, what);
      }
    }
  } catch (cause) {
    if (isCapstanError(cause) || (cause as Error).name === 'AbortError') throw cause;
    throw new ClientError('CONNECTION_FAILED', `${what}: the stream broke: ${(cause as Error).message}`, { cause });
  }
  const rest = (buffered + decoder.decode()).trim();
  if (rest) yield parseEvent<T>(rest, what);
}

function parseEvent<T>(line: string, what: string): RawWatchEvent<T> {
  let event: { type?: unknown; object?: unknown };
  try {
    event = JSON.parse(line) as { type?: unknown; object?: unknown };
  } catch (cause) {
    throw new ClientError('INVALID_RESPONSE', `${what}: a watch line is not JSON: ${line.slice(0, 200)}`, { cause });
  }
  if (typeof event.type !== 'string' || !eventTypes.has(event.type) || typeof event.object !== 'object' || event.object === null) {
    throw new ClientError('INVALID_RESPONSE', `${what}: not a watch event: ${line.slice(0, 200)}`);
  }
  const metadata = (event.object as { metadata?: unknown }).metadata;
  if (event.type !== 'ERROR' && (typeof metadata !== 'object' || metadata === null)) {
    throw new ClientError('INVALID_RESPONSE', `${what}: a ${event.type} event without object metadata: ${line.slice(0, 200)}`);
  }
  return event as RawWatchEvent<T>;
}
