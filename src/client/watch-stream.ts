import { isCapstanError } from '../core/index.ts';
import { ClientError, type StatusBody } from './api-error.ts';

/**
 * One event of a watch response as the server sends it. `BOOKMARK` carries only
 * `metadata.resourceVersion`; `ERROR` carries a Status (a 410 `Expired` means: list again).
 */
export type RawWatchEvent<T> = { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK'; object: T } | { type: 'ERROR'; object: StatusBody };

/** The events of one watch request, in order; iteration ends when the server ends the response. */
export type WatchStream<T> = AsyncIterable<RawWatchEvent<T>>;

const eventTypes = new Set(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

/**
 * Split a watch body (one JSON object per line, objects may span chunks) into events. A line that is not
 * an event is a `INVALID_RESPONSE` error; a connection that breaks mid-stream is `CONNECTION_FAILED`.
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
