import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientError } from './api-error.ts';
import { parseWatchStream, type RawWatchEvent } from './watch-stream.ts';

async function* chunks(...parts: Array<string | Error>): AsyncIterable<Uint8Array> {
  for (const part of parts) {
    if (part instanceof Error) throw part;
    yield new TextEncoder().encode(part);
  }
}

async function collect<T>(stream: AsyncIterable<RawWatchEvent<T>>): Promise<Array<RawWatchEvent<T>>> {
  const events: Array<RawWatchEvent<T>> = [];
  for await (const event of stream) events.push(event);
  return events;
}

test('events split across chunks and several per chunk are all parsed, in order', async () => {
  const a = JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a', resourceVersion: '1' } } });
  const b = JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '2' } } });
  const c = JSON.stringify({ type: 'ERROR', object: { code: 410, reason: 'Expired' } });
  const all = `${a}\n${b}\n${c}\n`;
  const events = await collect(parseWatchStream(chunks(all.slice(0, 7), all.slice(7, 90), all.slice(90)), 'w'));
  assert.deepEqual(
    events.map((e) => e.type),
    ['ADDED', 'BOOKMARK', 'ERROR'],
  );
  // Multi-byte characters split between chunks survive.
  const bytes = new TextEncoder().encode(`${JSON.stringify({ type: 'ADDED', object: { metadata: {}, data: 'héllo ✓' } })}\n`);
  async function* split() {
    yield bytes.slice(0, 40);
    yield bytes.slice(40);
  }
  const [unicode] = await collect(parseWatchStream(split(), 'w'));
  assert.deepEqual(unicode?.object, { metadata: {}, data: 'héllo ✓' });
});

test('a line that is not a watch event is INVALID_RESPONSE; a broken stream is CONNECTION_FAILED', async () => {
  await assert.rejects(
    collect(parseWatchStream(chunks('{"kind":"Status"}\n'), 'watch x')),
    (err: unknown) => err instanceof ClientError && err.code === 'INVALID_RESPONSE' && err.message.startsWith('watch x'),
  );
  await assert.rejects(
    collect(parseWatchStream(chunks('nope\n'), 'w')),
    (err: unknown) => err instanceof ClientError && err.code === 'INVALID_RESPONSE',
  );
  await assert.rejects(collect(parseWatchStream(chunks('{"type":"BOOKMARK","object":{}}\n'), 'w')), /without object metadata/);
  await assert.rejects(
    collect(parseWatchStream(chunks('{"type":"ADD', new Error('other side closed')), 'w')),
    (err: unknown) => err instanceof ClientError && err.code === 'CONNECTION_FAILED' && /other side closed/.test(err.message),
  );
});
