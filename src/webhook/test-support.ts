// A kind with three versions for the conversion tests: v2 is the hub; v1 has a field no other version has
// (spec.note) and one image string where v2 has repository and tag; v2 adds spec.paused and status.phase, which
// v1 lacks; v3 nests v2's fields differently (spec.image.{repository,tag}, spec.scale.replicas).
import { defineKind, type KubeObject } from '../core/index.ts';
import { conversion } from './conversion.ts';

export interface WidgetV1 extends KubeObject {
  spec: { image: string; replicas: number; note?: string };
  status?: { ready?: boolean };
}
export interface WidgetV2 extends KubeObject {
  spec: { repository: string; tag: string; replicas: number; paused?: boolean };
  status?: { ready?: boolean; phase?: string };
}
export interface WidgetV3 extends KubeObject {
  spec: { image: { repository: string; tag: string }; scale: { replicas: number }; paused?: boolean };
  status?: { ready?: boolean; phase?: string };
}

const descriptor = { group: 'example.com', kind: 'Widget', plural: 'widgets', namespaced: true } as const;
export const WidgetV1 = defineKind<WidgetV1>({ ...descriptor, version: 'v1' });
export const WidgetV2 = defineKind<WidgetV2>({ ...descriptor, version: 'v2' });
export const WidgetV3 = defineKind<WidgetV3>({ ...descriptor, version: 'v3' });

export const widgetConversion = conversion(WidgetV2)
  .spoke(WidgetV1, {
    toHub: ({ spec: { image, replicas }, status }) => {
      const [repository = '', tag = ''] = image.split(':');
      return { spec: { repository, tag, replicas }, status };
    },
    fromHub: ({ spec, status }) => ({
      spec: { image: `${spec.repository}:${spec.tag}`, replicas: spec.replicas },
      status: status && (status.ready === undefined ? {} : { ready: status.ready }),
    }),
  })
  .spoke(WidgetV3, {
    toHub: ({ spec, status }) => ({
      spec: {
        repository: spec.image.repository,
        tag: spec.image.tag,
        replicas: spec.scale.replicas,
        ...(spec.paused === undefined ? {} : { paused: spec.paused }),
      },
      status,
    }),
    fromHub: ({ spec, status }) => ({
      spec: {
        image: { repository: spec.repository, tag: spec.tag },
        scale: { replicas: spec.replicas },
        ...(spec.paused === undefined ? {} : { paused: spec.paused }),
      },
      status,
    }),
  });

export const widgetV1 = (spec: WidgetV1['spec'], more: Partial<WidgetV1> = {}): WidgetV1 => ({
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name: 'w', namespace: 'ns', uid: 'uid-1', resourceVersion: '7' },
  spec,
  ...more,
});

export const widgetV2 = (spec: WidgetV2['spec'], more: Partial<WidgetV2> = {}): WidgetV2 => ({
  apiVersion: 'example.com/v2',
  kind: 'Widget',
  metadata: { name: 'w', namespace: 'ns', uid: 'uid-1', resourceVersion: '7' },
  spec,
  ...more,
});
