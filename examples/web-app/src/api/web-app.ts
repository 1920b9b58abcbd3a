// WebApp: one typebox schema gives the CRD (`capstan generate`) and the object's TypeScript type.
import Type from 'typebox';
import { Conditions, customResource, type ObjectOf } from 'capstan';

export const WebApp = customResource({
  group: 'apps.example.com',
  version: 'v1alpha1',
  kind: 'WebApp',
  shortNames: ['wa'],
  description:
    'WebApp runs a container image as a Deployment of the same name, optionally exposed by a Service, with a key of a Secret in its environment.',
  spec: Type.Object({
    image: Type.String({ minLength: 1, maxLength: 512, description: 'The container image, e.g. nginx:1.27.' }),
    replicas: Type.Integer({ minimum: 0, maximum: 100, default: 1, description: 'How many Pods run the image.' }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 8080, description: 'The port the container listens on.' }),
    secretRef: Type.Optional(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 253, description: 'A Secret in the WebApp’s namespace.' }),
          key: Type.String({
            minLength: 1,
            maxLength: 253,
            pattern: '^[-._a-zA-Z0-9]+$',
            description: 'The key whose value the container gets, in an environment variable named after it (api-token: API_TOKEN).',
          }),
        },
        { description: 'A key of a Secret given to the container through its environment (never copied out of the Secret).' },
      ),
    ),
    expose: Type.Boolean({ default: false, description: 'Whether a Service of the same name exposes the port in the cluster.' }),
  }),
  status: Type.Object({
    observedGeneration: Type.Optional(Type.Integer({ minimum: 0, description: 'The metadata.generation the status describes.' })),
    readyReplicas: Type.Optional(Type.Integer({ minimum: 0, description: 'Pods of the Deployment that are ready.' })),
    pods: Type.Optional(Type.Array(Type.String(), { description: 'The names of the WebApp’s Pods.' })),
    conditions: Type.Optional(Conditions()),
  }),
  printerColumns: [
    { name: 'Image', type: 'string', jsonPath: '.spec.image' },
    { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
    { name: 'Ready', type: 'integer', jsonPath: '.status.readyReplicas' },
    { name: 'Available', type: 'string', jsonPath: '.status.conditions[?(@.type=="Available")].status' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});
export type WebApp = ObjectOf<typeof WebApp>;
