// What `capstan create api` writes for one kind: its schema, a controller skeleton that already reports
// `observedGeneration` and a `Ready` condition, a sample, and a test that waits for the sample to be Ready.
import { camelCase, kebabCase } from '../project.ts';

/** The kind being created. */
export interface ApiSpec {
  /** The full group, `<group>.<domain>`. */
  group: string;
  version: string;
  kind: string;
  plural: string;
}

/** Paths of the files of one kind, relative to the project root. */
export function apiPaths(kind: string): { api: string; controller: string; sample: string; test: string } {
  const file = kebabCase(kind);
  return {
    api: `src/api/${file}.ts`,
    controller: `src/controllers/${file}.ts`,
    sample: `config/samples/${file}.yaml`,
    test: `test/${file}.test.ts`,
  };
}

/** The new files of one kind, by path. */
export function apiTemplates(api: ApiSpec): Map<string, string> {
  const paths = apiPaths(api.kind);
  return new Map([
    [paths.api, schemaModule(api)],
    [paths.controller, controllerModule(api)],
    [paths.sample, sample(api)],
    [paths.test, kindTest(api)],
  ]);
}

/** The lines `create api` adds to the operator module, each before its marker. */
export function operatorAdditions(api: ApiSpec): Array<{ marker: string; line: string }> {
  const file = kebabCase(api.kind);
  return [
    { marker: 'capstan:scaffold:imports', line: `import { ${api.kind} } from './api/${file}.ts';` },
    { marker: 'capstan:scaffold:imports', line: `import { ${camelCase(api.kind)}Controller } from './controllers/${file}.ts';` },
    { marker: 'capstan:scaffold:custom-resources', line: `${api.kind},` },
    { marker: 'capstan:scaffold:controllers', line: `${camelCase(api.kind)}Controller,` },
  ];
}

function schemaModule(api: ApiSpec): string {
  return `// ${api.kind}: one typebox schema gives the CRD (\`capstan generate\`) and the object's TypeScript type.
import Type from 'typebox';
import { Conditions, customResource, type ObjectOf } from 'capstan';

export const ${api.kind} = customResource({
  group: '${api.group}',
  version: '${api.version}',
  kind: '${api.kind}',
  spec: Type.Object({
    // What users ask for. Replace this example field with your own; descriptions show in \`kubectl explain\`.
    message: Type.Optional(Type.String({ maxLength: 253, description: 'A message the ${api.kind} reports back.' })),
  }),
  status: Type.Object({
    observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
    conditions: Type.Optional(Conditions()),
  }),
  printerColumns: [
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});
export type ${api.kind} = ObjectOf<typeof ${api.kind}>;
`;
}

function controllerModule(api: ApiSpec): string {
  const variable = `${camelCase(api.kind)}Controller`;
  return `// Reconciles ${api.kind}s: called with the key of a ${api.kind} whenever it (or anything it owns) changes, and
// again after a restart. Read the object, make the cluster match its spec, report in its status; running
// it twice in a row must change nothing the second time.
import { controller, done } from 'capstan';
import { ${api.kind} } from '../api/${kebabCase(api.kind)}.ts';

export const ${variable} = controller(${api.kind})
  // To create objects for each ${api.kind}, declare them here, e.g. .owns(ConfigMap) (from 'capstan'),
  // then write them with ctx.apply(ConfigMap, {...}) (server-side apply); \`capstan generate\` grants the RBAC they need.
  .reconcile(async (ctx) => {
    const ${camelCase(api.kind)} = ctx.object;
    // Deleted: whatever it owns goes with it through garbage collection.
    if (!${camelCase(api.kind)}) return done();

    // Sets status.observedGeneration and the Ready condition; writes only when they change.
    await ctx.applyStatus([{ type: 'Ready', status: 'True', reason: 'Reconciled', message: ${camelCase(api.kind)}.spec.message ?? 'reconciled' }]);
    return done();
  });
`;
}

function sample(api: ApiSpec): string {
  return `apiVersion: ${api.group}/${api.version}
kind: ${api.kind}
metadata:
  name: ${kebabCase(api.kind)}
spec:
  message: Hello from the ${api.kind} operator!
`;
}

function kindTest(api: ApiSpec): string {
  const name = kebabCase(api.kind);
  return `import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createNamespace, eventually, kubectl, startOperator, testCluster } from 'capstan/testing';
import { ${api.kind} } from '../src/api/${name}.ts';

test('the sample ${api.kind} becomes Ready under the generated RBAC', { timeout: 300_000 }, async (t) => {
  const cluster = await testCluster(t);
  const operator = await startOperator({ cluster, applyConfig: true, t });
  const namespace = await createNamespace(cluster, '${name}', t);
  await kubectl(cluster, ['apply', '--namespace', namespace, '-f', 'config/samples/${name}.yaml']);

  const ready = await eventually(
    'the sample ${api.kind} to be Ready=True',
    async () => {
      const object = await cluster.admin.resource(${api.kind}).get('${name}', { namespace });
      const condition = object.status?.conditions?.find((c) => c.type === 'Ready');
      return condition?.status === 'True' && object.status?.observedGeneration === object.metadata.generation ? object : undefined;
    },
    { describe: operator.describe },
  );
  assert.equal(ready.status?.conditions?.find((c) => c.type === 'Ready')?.reason, 'Reconciled');
  assert.deepEqual(await operator.forbiddenRequests(), []);
});
`;
}
