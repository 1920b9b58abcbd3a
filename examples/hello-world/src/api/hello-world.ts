// HelloWorld: one typebox schema gives the CRD (`capstan generate`) and the object's TypeScript type.
import Type from 'typebox';
import { Conditions, customResource, type ObjectOf } from 'capstan';

/**
 * The longest `spec.name`, in characters (Unicode code points, which is what the API server counts).
 *
 * Two limits decide it, and the bound leaves room under both however the value is written:
 * - `kubectl apply` keeps the whole manifest, as JSON, in the `kubectl.kubernetes.io/last-applied-configuration`
 *   annotation, and all of an object's annotations together may hold at most 256 KiB (262,144 bytes). Fully
 *   JSON-escaped, a code point takes at most 12 bytes (`\uD83D\uDE00`, a surrogate pair; kubectl's own
 *   encoder writes at most 6, `\u0001` or `\u003c`): 16,384 × 12 = 196,608 bytes, leaving 64 KiB for the rest
 *   of the manifest and any other annotations.
 * - The ConfigMap carries the value in UTF-8, at most 4 bytes a code point: 64 KiB, far below its 1 MiB limit.
 */
export const maxNameLength = 16_384;

export const HelloWorld = customResource({
  group: 'apps.example.com',
  version: 'v1alpha1',
  kind: 'HelloWorld',
  shortNames: ['hw'],
  description: 'HelloWorld publishes spec.name as data.message of a ConfigMap of the same name, in the same namespace.',
  spec: Type.Object({
    name: Type.String({
      minLength: 1,
      maxLength: maxNameLength,
      description: `The message the ConfigMap carries as data.message: 1 to ${maxNameLength} characters.`,
    }),
  }),
  status: Type.Object({
    observedGeneration: Type.Optional(Type.Integer({ minimum: 0, description: 'The metadata.generation the status describes.' })),
    conditions: Type.Optional(Conditions()),
  }),
  printerColumns: [
    { name: 'Message', type: 'string', jsonPath: '.spec.name' },
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});
export type HelloWorld = ObjectOf<typeof HelloWorld>;
