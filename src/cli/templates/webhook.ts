// What `capstan create webhook` writes for one kind: admission handlers (defaulting, validating) with a test that
// calls them as the API server would (an AdmissionReview through `review`), or a new version of the kind with its
// conversion to and from the existing one and a round-trip test. The examples use the `spec.message` field that
// `capstan create api` gives a kind: they compile and pass as written, and show where the user's own rules go.
import { camelCase, kebabCase } from '../project.ts';

/** The kind the webhooks are for, as the operator module declares it. */
export interface WebhookSpec {
  kind: string;
  group: string;
  /** The version the admission handlers see (the kind's declaration in src/api/<kind>.ts). */
  version: string;
  validating: boolean;
  defaulting: boolean;
}

/** A new version of a kind and its conversion to and from the existing (hub) version. */
export interface ConversionSpec {
  kind: string;
  group: string;
  /** The existing version, which the conversions go through (the hub). */
  hubVersion: string;
  /** The version added (a spoke). */
  version: string;
}

/** Paths of the admission webhook files of one kind, relative to the project root. */
export function webhookPaths(kind: string): { handlers: string; test: string } {
  const file = kebabCase(kind);
  return { handlers: `src/webhooks/${file}.ts`, test: `test/${file}-webhooks.test.ts` };
}

/** Paths of the conversion files of one kind's new version. */
export function conversionPaths(kind: string, version: string): { api: string; conversion: string; test: string } {
  const file = kebabCase(kind);
  return {
    api: `src/api/${file}-${version}.ts`,
    conversion: `src/webhooks/${file}-conversion.ts`,
    test: `test/${file}-conversion.test.ts`,
  };
}

/** The export names: `widgetWebhooks`, `WidgetV1`, `widgetConversion`. */
export function webhookNames(kind: string, version = ''): { webhooks: string; versionKind: string; conversion: string } {
  return {
    webhooks: `${camelCase(kind)}Webhooks`,
    versionKind: `${kind}${version.charAt(0).toUpperCase()}${version.slice(1)}`,
    conversion: `${camelCase(kind)}Conversion`,
  };
}

/** The new files of a kind's admission webhooks, by path. */
export function webhookTemplates(spec: WebhookSpec): Map<string, string> {
  const paths = webhookPaths(spec.kind);
  return new Map([
    [paths.handlers, handlersModule(spec)],
    [paths.test, handlersTest(spec)],
  ]);
}

/** The new files of a kind's new version and its conversion, by path. */
export function conversionTemplates(spec: ConversionSpec): Map<string, string> {
  const paths = conversionPaths(spec.kind, spec.version);
  return new Map([
    [paths.api, versionModule(spec)],
    [paths.conversion, conversionModule(spec)],
    [paths.test, conversionTest(spec)],
  ]);
}

/** The lines `create webhook` adds to the operator module, each before its marker. */
export function webhookAdditions(kind: string): Array<{ marker: string; line: string }> {
  const { webhooks } = webhookNames(kind);
  return [
    { marker: 'capstan:scaffold:imports', line: `import { ${webhooks} } from './webhooks/${kebabCase(kind)}.ts';` },
    { marker: 'capstan:scaffold:webhooks', line: `${webhooks},` },
  ];
}

/** The lines `create webhook --conversion` adds: the new version among the custom resources, the conversion among the conversions. */
export function conversionAdditions(spec: ConversionSpec): Array<{ marker: string; line: string }> {
  const names = webhookNames(spec.kind, spec.version);
  const file = kebabCase(spec.kind);
  return [
    { marker: 'capstan:scaffold:imports', line: `import { ${names.versionKind} } from './api/${file}-${spec.version}.ts';` },
    { marker: 'capstan:scaffold:imports', line: `import { ${names.conversion} } from './webhooks/${file}-conversion.ts';` },
    { marker: 'capstan:scaffold:custom-resources', line: `${names.versionKind},` },
    { marker: 'capstan:scaffold:conversions', line: `${names.conversion},` },
  ];
}

function handlersModule(spec: WebhookSpec): string {
  const { webhooks } = webhookNames(spec.kind);
  const imports = spec.validating ? 'deny, webhook' : 'webhook';
  const mutate = `
  // Defaulting: runs before every validating webhook, on CREATE and UPDATE. Return the object as it should be
  // stored (a changed copy); Capstan sends the API server the JSON Patch from the request's object to it.
  .mutate(({ object }) =>
    object.spec.message === undefined ? { ...object, spec: { ...object.spec, message: 'Hello from the ${spec.kind} operator!' } } : object,
  )`;
  const validate = `
  // Validation: return nothing to allow, { warnings } to allow with warnings, deny(message) to refuse. The message
  // reaches kubectl as it is: say what is wrong and what to do. (A rule on one object alone can also be an
  // x-kubernetes-validations CEL rule in the schema; a webhook can read other objects: .reads(Kind).)
  .validate(({ object }) =>
    object.spec.message?.trim() === ''
      ? deny('spec.message is blank: leave it out for the default message, or write one')
      : undefined,
  )`;
  return `// Admission webhooks of ${spec.kind}: the manager serves them on every replica, \`capstan run\` registers them with
// a local API server, and \`capstan generate\` writes their registration and Service into config/webhook.
// The example rules use spec.message: replace them with your own.
import { ${imports} } from 'capstan/webhook';
import { ${spec.kind} } from '../api/${kebabCase(spec.kind)}.ts';

export const ${webhooks} = webhook(${spec.kind})${spec.defaulting ? mutate : ''}${spec.validating ? validate : ''};
`;
}

function handlersTest(spec: WebhookSpec): string {
  const { webhooks } = webhookNames(spec.kind);
  const name = kebabCase(spec.kind);
  const defaulting = `
test('a ${spec.kind} without a message gets the default one, and one with a message keeps it', async () => {
  const defaulted = await admit(${webhooks}.mutating!, ${camelCase(spec.kind)}({}));
  assert.equal(defaulted.allowed, true);
  assert.deepEqual(patchOf(defaulted), [{ op: 'add', path: '/spec/message', value: 'Hello from the ${spec.kind} operator!' }]);
  const kept = await admit(${webhooks}.mutating!, ${camelCase(spec.kind)}({ message: 'mine' }));
  assert.deepEqual([kept.allowed, kept.patch], [true, undefined]);
});
`;
  const validating = `
test('a ${spec.kind} with a blank message is refused with a message that says what to do', async () => {
  const refused = await admit(${webhooks}.validating!, ${camelCase(spec.kind)}({ message: '  ' }));
  assert.equal(refused.allowed, false);
  assert.match(refused.status?.message ?? '', /^spec\\.message is blank: leave it out for the default message, or write one$/);
  assert.equal((await admit(${webhooks}.validating!, ${camelCase(spec.kind)}({ message: 'hello' }))).allowed, true);
});
`;
  return `// The admission webhooks of ${spec.kind}, called as the API server calls them: an AdmissionReview in, the answer
// (allowed or not, the message, the JSON Patch) out. No cluster needed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type AdmissionHandler, type AdmissionReview, review } from 'capstan/webhook';
import { ${spec.kind} } from '../src/api/${name}.ts';
import { ${webhooks} } from '../src/webhooks/${name}.ts';

function ${camelCase(spec.kind)}(spec: ${spec.kind}['spec']): ${spec.kind} {
  return { apiVersion: '${spec.group}/${spec.version}', kind: '${spec.kind}', metadata: { name: '${name}', namespace: 'default' }, spec };
}

/** The response to a CREATE of \`object\`. */
async function admit(handler: AdmissionHandler<${spec.kind}>, object: ${spec.kind}): Promise<NonNullable<AdmissionReview['response']>> {
  const answer = await review(
    handler,
    {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: 'test',
        kind: { group: '${spec.group}', version: '${spec.version}', kind: '${spec.kind}' },
        resource: { group: '${spec.group}', version: '${spec.version}', resource: ${spec.kind}.plural },
        name: object.metadata.name,
        namespace: object.metadata.namespace,
        operation: 'CREATE',
        userInfo: { username: 'test' },
        object,
      },
    },
    { signal: AbortSignal.timeout(5_000) },
  );
  return answer.response!;
}

function patchOf(response: NonNullable<AdmissionReview['response']>): unknown {
  return response.patch === undefined ? undefined : JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8'));
}
${spec.defaulting ? defaulting : ''}${spec.validating ? validating : ''}`;
}

function versionModule(spec: ConversionSpec): string {
  const { versionKind } = webhookNames(spec.kind, spec.version);
  return `// ${spec.kind} ${spec.version}: another version of ${spec.kind}, served beside ${spec.hubVersion} (which stays the storage
// version). Its schema may differ: src/webhooks/${kebabCase(spec.kind)}-conversion.ts converts between the two.
// The example calls ${spec.hubVersion}'s spec.message spec.greeting here: replace it with what this version changes.
import Type from 'typebox';
import { Conditions, customResource, type ObjectOf } from 'capstan';

export const ${versionKind} = customResource({
  group: '${spec.group}',
  version: '${spec.version}',
  kind: '${spec.kind}',
  // Served, not stored: after making it the storage version, run \`capstan migrate-storage\` before removing ${spec.hubVersion}.
  storage: false,
  spec: Type.Object({
    greeting: Type.Optional(Type.String({ maxLength: 253, description: 'A greeting the ${spec.kind} reports back.' })),
  }),
  status: Type.Object({
    observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
    conditions: Type.Optional(Conditions()),
  }),
});
export type ${versionKind} = ObjectOf<typeof ${versionKind}>;
`;
}

function conversionModule(spec: ConversionSpec): string {
  const names = webhookNames(spec.kind, spec.version);
  const hub = camelCase(spec.kind);
  return `// Conversion between ${spec.kind} ${spec.hubVersion} (the hub) and ${spec.version}: the API server calls the manager's /convert
// when a client asks for one version of an object stored in the other. Each function gets the whole object and
// returns the other version's spec and status; Capstan copies metadata, sets apiVersion, and keeps in an
// annotation what the other version cannot hold, so a round trip loses nothing. Keep them pure.
import { conversion } from 'capstan/webhook';
import { ${spec.kind} } from '../api/${kebabCase(spec.kind)}.ts';
import { ${names.versionKind} } from '../api/${kebabCase(spec.kind)}-${spec.version}.ts';

export const ${names.conversion} = conversion(${spec.kind}).spoke(${names.versionKind}, {
  toHub: (${spec.version}) => ({
    spec: ${spec.version}.spec.greeting === undefined ? {} : { message: ${spec.version}.spec.greeting },
    ...(${spec.version}.status ? { status: ${spec.version}.status } : {}),
  }),
  fromHub: (${hub}) => ({
    spec: ${hub}.spec.message === undefined ? {} : { greeting: ${hub}.spec.message },
    ...(${hub}.status ? { status: ${hub}.status } : {}),
  }),
});
`;
}

function conversionTest(spec: ConversionSpec): string {
  const names = webhookNames(spec.kind, spec.version);
  const name = kebabCase(spec.kind);
  return `// The conversion between ${spec.kind} ${spec.hubVersion} and ${spec.version}, as the API server asks for it: each way, and there
// and back unchanged. No cluster needed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ${names.conversion} } from '../src/webhooks/${name}-conversion.ts';

const hub = {
  apiVersion: '${spec.group}/${spec.hubVersion}',
  kind: '${spec.kind}',
  metadata: { name: '${name}', namespace: 'default', uid: 'u-1', generation: 2 },
  spec: { message: 'hello' },
  status: { observedGeneration: 2 },
};

test('${spec.hubVersion} converts to ${spec.version}: the message becomes the greeting, metadata and status stay', () => {
  const converted = ${names.conversion}.convert(hub, '${spec.group}/${spec.version}');
  assert.equal(converted.apiVersion, '${spec.group}/${spec.version}');
  assert.deepEqual((converted as unknown as { spec: unknown }).spec, { greeting: 'hello' });
  assert.deepEqual((converted as unknown as { status: unknown }).status, hub.status);
  assert.equal(converted.metadata.uid, 'u-1');
});

test('an object converted to ${spec.version} and back is unchanged', () => {
  const there = ${names.conversion}.convert(hub, '${spec.group}/${spec.version}');
  assert.deepEqual(${names.conversion}.convert(there, '${spec.group}/${spec.hubVersion}'), hub);
});
`;
}
