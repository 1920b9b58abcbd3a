import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conversion } from '../webhook/index.ts';
import { widgetConversion, WidgetV1, WidgetV2, widgetV1, widgetV2 } from '../webhook/test-support.ts';
import { assertRoundTrips } from './round-trip.ts';

test('assertRoundTrips passes for a conversion that loses nothing, from every version', () => {
  assertRoundTrips(widgetConversion, widgetV1({ image: 'nginx:1.27', replicas: 2, note: 'v1 only' }, { status: { ready: true } }));
  assertRoundTrips(
    widgetConversion,
    widgetV2({ repository: 'nginx', tag: '1.27', replicas: 2, paused: true }, { status: { phase: 'Paused' } }),
  );
});

test('assertRoundTrips fails, naming the versions, when a value changes on the way', () => {
  const lossy = conversion(WidgetV2).spoke(WidgetV1, {
    toHub: ({ spec }) => ({ spec: { repository: spec.image.toLowerCase(), tag: 'latest', replicas: spec.replicas } }),
    fromHub: ({ spec }) => ({ spec: { image: spec.repository, replicas: spec.replicas } }),
  });
  assert.throws(
    () => assertRoundTrips(lossy, widgetV1({ image: 'NGINX', replicas: 1 })),
    (err: unknown) =>
      err instanceof assert.AssertionError && err.message.includes('Widget example.com/v1 → example.com/v2 → example.com/v1 changed it'),
  );
});
