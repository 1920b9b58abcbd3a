// A custom resource with every schema feature Capstan supports, declared as a user would, in a group of
// its own so that it can be installed on the shared control plane.
import Type from 'typebox';
import {
  Conditions,
  customResource,
  EmbeddedResource,
  IntOrString,
  ListMap,
  ListSet,
  MapOf,
  PreserveUnknownFields,
} from '../../src/crd/index.ts';
import { uniqueGroup } from './support.ts';

const group = uniqueGroup('every');
// Short names and categories are cluster-wide: unique ones keep kubectl unambiguous on a shared cluster.
const suffix = group.split('.')[0]?.slice(-4) ?? '';

export const Gadget = customResource({
  group,
  version: 'v1',
  kind: 'Gadget',
  shortNames: [`gdg${suffix}`],
  categories: [`capstan-test-${suffix}`],
  description: 'A gadget with every schema feature Capstan supports.',
  spec: Type.Object(
    {
      name: Type.String({ minLength: 1, maxLength: 20, pattern: '^[a-z][a-z0-9-]*$', description: 'The gadget name, a DNS label.' }),
      size: Type.Integer({ minimum: 1, maximum: 10, default: 3, description: 'How big the gadget is.' }),
      ratio: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
      mode: Type.Union([Type.Literal('fast'), Type.Literal('safe')], { default: 'safe', description: 'Speed or safety.' }),
      level: Type.Optional(Type.Enum(['low', 'high'])),
      contact: Type.Optional(Type.String({ format: 'email', maxLength: 100 })),
      port: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 65535 }), Type.String({ maxLength: 15 })])),
      maxUnavailable: Type.Optional(IntOrString({ pattern: '^[0-9]+%$', maxLength: 4 })),
      nickname: Type.Optional(Type.Union([Type.String({ maxLength: 10 }), Type.Null()])),
      tags: Type.Optional(ListSet(Type.String({ maxLength: 10 }), { maxItems: 5 })),
      ports: Type.Optional(
        ListMap(Type.Object({ name: Type.String({ maxLength: 15 }), port: Type.Integer({ minimum: 1, maximum: 65535 }) }), ['name'], {
          maxItems: 8,
        }),
      ),
      steps: Type.Optional(Type.Array(Type.String({ maxLength: 20 }), { maxItems: 4, 'x-kubernetes-list-type': 'atomic' })),
      labels: Type.Optional(MapOf(Type.String({ maxLength: 63 }), { maxProperties: 8 })),
      selector: Type.Optional(
        Type.Record(Type.String(), Type.String({ maxLength: 63 }), { maxProperties: 4, 'x-kubernetes-map-type': 'atomic' }),
      ),
      values: Type.Optional(PreserveUnknownFields({ description: 'Passed through untouched.' })),
      template: Type.Optional(EmbeddedResource({ description: 'An object to create.' })),
      source: Type.Optional(
        Type.Union([
          Type.Object({ kind: Type.Literal('git'), url: Type.String({ maxLength: 100 }) }),
          Type.Object({ kind: Type.Literal('oci'), image: Type.String({ maxLength: 100 }) }),
        ]),
      ),
      limits: Type.Optional(
        Type.Intersect([Type.Object({ min: Type.Integer() }), Type.Object({ max: Type.Integer() })], {
          'x-kubernetes-validations': [
            { rule: 'self.min <= self.max', message: 'min must not exceed max', fieldPath: '.min', reason: 'FieldValueInvalid' },
          ],
        }),
      ),
      id: Type.Optional(
        Type.String({ maxLength: 36, 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'id is immutable' }] }),
      ),
    },
    {
      'x-kubernetes-validations': [
        {
          rule: "!has(self.tags) || !('forbidden' in self.tags)",
          messageExpression: "'the tag forbidden is not allowed on ' + self.name",
          reason: 'FieldValueForbidden',
          fieldPath: '.tags',
        },
      ],
    },
  ),
  status: Type.Object({
    observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
    replicas: Type.Optional(Type.Integer({ minimum: 0 })),
    conditions: Type.Optional(Conditions()),
  }),
  validations: [{ rule: 'self.metadata.name.size() <= 30', message: 'gadget names have at most 30 characters' }],
  printerColumns: [
    { name: 'Gadget', type: 'string', jsonPath: '.spec.name', description: 'The gadget name' },
    { name: 'Size', type: 'integer', jsonPath: '.spec.size' },
    { name: 'Mode', type: 'string', jsonPath: '.spec.mode' },
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: 'Ports', type: 'string', jsonPath: '.spec.ports[*].name', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  scale: { specReplicasPath: '.spec.size', statusReplicasPath: '.status.replicas' },
});

/** A kind whose spec has no required fields: the server defaults spec to {}, then fills its fields' defaults. */
export const Setting = customResource({
  group,
  version: 'v1',
  kind: 'Setting',
  spec: Type.Object({
    level: Type.Optional(Type.Integer({ minimum: 0, default: 2, description: 'The level.' })),
    flags: Type.Optional(Type.Object({ verbose: Type.Optional(Type.Boolean({ default: false })) }, { default: {} })),
  }),
});
