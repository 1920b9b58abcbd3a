// The pure half of scripts/generate-kinds.ts: the API server's discovery and OpenAPI v3 schemas in, one TypeScript
// module per group-version out (src/kinds/<group>/<version>.ts, laid out as Go's k8s.io/api import paths). No I/O,
// so the conversion is unit-tested on hand-made schemas (scripts/kinds-typescript.test.ts).

/** The part of an OpenAPI v3 schema object the API server's documents use. */
export interface Schema {
  description?: string;
  type?: string;
  format?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: Schema | boolean;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  enum?: unknown[];
  $ref?: string;
  'x-kubernetes-group-version-kind'?: Array<{ group: string; version: string; kind: string }>;
  'x-kubernetes-int-or-string'?: boolean;
}

/** One resource of a discovery document (`/apis/<group>/<version>`); subresources have a `/` in `name`. */
export interface DiscoveredResource {
  name: string;
  namespaced: boolean;
  kind: string;
}

/** What the API server says about one group-version: its resources and its OpenAPI v3 schemas. */
export interface GroupVersionDocuments {
  group: string;
  version: string;
  resources: DiscoveredResource[];
  /** `components.schemas` of `/openapi/v3/api/v1` or `/openapi/v3/apis/<group>/<version>`. */
  schemas: Record<string, Schema>;
}

/** The input of {@link renderKinds}. */
export interface KindsInput {
  /** The API server's `gitVersion`, named in each file's header. */
  serverVersion: string;
  groupVersions: GroupVersionDocuments[];
}

/** The group-versions Capstan types, and the module (Go's import path under k8s.io/api) each becomes. */
export const typedGroupVersions: ReadonlyArray<{ group: string; version: string }> = [
  { group: '', version: 'v1' },
  { group: 'apps', version: 'v1' },
  { group: 'batch', version: 'v1' },
  { group: 'networking.k8s.io', version: 'v1' },
  { group: 'discovery.k8s.io', version: 'v1' },
  { group: 'rbac.authorization.k8s.io', version: 'v1' },
  { group: 'policy', version: 'v1' },
  { group: 'coordination.k8s.io', version: 'v1' },
  { group: 'events.k8s.io', version: 'v1' },
  { group: 'autoscaling', version: 'v2' },
  { group: 'admissionregistration.k8s.io', version: 'v1' },
  { group: 'apiextensions.k8s.io', version: 'v1' },
  { group: 'authentication.k8s.io', version: 'v1' },
  { group: 'authorization.k8s.io', version: 'v1' },
];

/** Where the generated modules live, relative to the repository root. */
export const kindsDir = 'src/kinds';

/** The module of a group-version: `core/v1`, `apps/v1`, `networking/v1` (the group's first label, as Go's path). */
export function moduleOf(group: string, version: string): string {
  return `${group === '' ? 'core' : group.split('.')[0]}/${version}`;
}

const metaPackage = 'io.k8s.apimachinery.pkg.apis.meta.v1';

/** meta/v1 types Capstan already has in `capstan/core`: meta/v1.ts re-exports them, so there is one of each. */
export const coreMetaTypes = [
  'Condition',
  'LabelSelector',
  'LabelSelectorRequirement',
  'ListMeta',
  'ManagedFieldsEntry',
  'ObjectMeta',
  'OwnerReference',
] as const;

/** Definitions written inline as a TypeScript type instead of being referenced by name. */
const inlineTypes: Record<string, string> = {
  [`${metaPackage}.Time`]: 'string',
  [`${metaPackage}.MicroTime`]: 'string',
  [`${metaPackage}.FieldsV1`]: 'Record<string, unknown>',
  'io.k8s.apimachinery.pkg.api.resource.Quantity': 'string | number',
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': 'string | number',
  'io.k8s.apimachinery.pkg.runtime.RawExtension': 'Record<string, unknown>',
};

const apiextensionsPackage = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1';

/** Definitions whose schema has no type (they marshal as one of several shapes): their type, by hand. */
const definedTypes: Record<string, string> = {
  [`${apiextensionsPackage}.JSON`]: 'unknown',
  [`${apiextensionsPackage}.JSONSchemaPropsOrArray`]: 'JSONSchemaProps | JSONSchemaProps[]',
  [`${apiextensionsPackage}.JSONSchemaPropsOrBool`]: 'JSONSchemaProps | boolean',
  [`${apiextensionsPackage}.JSONSchemaPropsOrStringArray`]: 'JSONSchemaProps | string[]',
};

/** The module of a definition's Go package: `io.k8s.api.apps.v1.Deployment` → `apps/v1`. */
function moduleOfDefinition(name: string): string {
  const parts = name.split('.');
  return `${parts.at(-3)}/${parts.at(-2)}`;
}

const shortName = (name: string) => name.split('.').at(-1)!;
const refName = (ref: string) => ref.replace(/^#\/components\/schemas\//, '');
const pascal = (module: string) => module.replace(/(?:^|\/)(\w)/g, (_, c: string) => c.toUpperCase());

/** A top-level resource of a module: the kind's descriptor and the definition that types its objects. */
interface KindEntry {
  definition: string;
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

/**
 * Every definition of every group-version, by name. The documents repeat shared ones identically, except for the
 * kinds a shared definition such as meta/v1 DeleteOptions is listed under in each.
 */
function mergedSchemas(groupVersions: readonly GroupVersionDocuments[]): Map<string, Schema> {
  const schemas = new Map<string, Schema>();
  const shape = ({ 'x-kubernetes-group-version-kind': _, ...rest }: Schema) => JSON.stringify(rest);
  for (const gv of groupVersions) {
    for (const [name, schema] of Object.entries(gv.schemas)) {
      const seen = schemas.get(name);
      if (seen && shape(seen) !== shape(schema)) {
        throw new Error(`${name} differs between the OpenAPI documents; cannot tell which to type`);
      }
      schemas.set(name, schema);
    }
  }
  return schemas;
}

function kindsOf(gv: GroupVersionDocuments): KindEntry[] {
  const packageModule = moduleOf(gv.group, gv.version);
  const kinds = new Map<string, KindEntry>();
  for (const resource of gv.resources) {
    if (resource.name.includes('/')) continue;
    const matches = Object.entries(gv.schemas).filter(
      ([name, schema]) =>
        !name.startsWith(`${metaPackage}.`) &&
        moduleOfDefinition(name) === packageModule &&
        (schema['x-kubernetes-group-version-kind'] ?? []).some(
          (gvk) => gvk.group === gv.group && gvk.version === gv.version && gvk.kind === resource.kind,
        ),
    );
    const [match, ...others] = matches;
    if (!match || others.length > 0) {
      throw new Error(`${packageModule} ${resource.kind}: expected one schema for the kind, found ${matches.length}`);
    }
    if (kinds.has(resource.kind)) throw new Error(`${packageModule} ${resource.kind} is served by two resources`);
    kinds.set(resource.kind, {
      definition: match[0],
      group: gv.group,
      version: gv.version,
      kind: resource.kind,
      plural: resource.name,
      namespaced: resource.namespaced,
    });
  }
  return [...kinds.values()];
}

/** Names of every definition `schema` refers to. */
function referencesOf(schema: Schema): string[] {
  const found: string[] = [];
  const visit = (s: Schema | boolean | undefined) => {
    if (!s || typeof s !== 'object') return;
    if (s.$ref) found.push(refName(s.$ref));
    for (const p of Object.values(s.properties ?? {})) visit(p);
    visit(s.items);
    visit(s.additionalProperties);
    for (const list of [s.allOf, s.oneOf, s.anyOf]) for (const sub of list ?? []) visit(sub);
  };
  visit(schema);
  return found;
}

/** One module being written: its definitions, and the names it imports from other modules. */
class ModuleWriter {
  /** module → (name → local alias). */
  readonly imports = new Map<string, Map<string, string>>();
  readonly module: string;
  readonly localNames: ReadonlySet<string>;

  constructor(module: string, localNames: Iterable<string>) {
    this.module = module;
    this.localNames = new Set(localNames);
  }

  /** The local identifier of definition `name`, importing it from its module when it lives elsewhere. */
  reference(name: string): string {
    const inline = inlineTypes[name];
    if (inline) return inline;
    const target = moduleOfDefinition(name);
    const short = shortName(name);
    if (target === this.module) return short;
    const names = this.imports.get(target) ?? new Map<string, string>();
    this.imports.set(target, names);
    let alias = names.get(short);
    if (alias === undefined) {
      const taken = new Set([...this.localNames, ...[...this.imports.values()].flatMap((m) => [...m.values()])]);
      alias = taken.has(short) ? `${pascal(target)}${short}` : short;
      names.set(short, alias);
    }
    return alias;
  }

  /** The TypeScript type of a schema, as one expression; nested objects are indented from `indent`. */
  typeOf(schema: Schema, indent: string): string {
    if (schema.$ref) return this.reference(refName(schema.$ref));
    if (schema.allOf) return [...new Set(schema.allOf.map((s) => this.typeOf(s, indent)))].join(' & ');
    const union = schema.oneOf ?? schema.anyOf;
    if (union) return unionOf(union.map((s) => this.typeOf(s, indent)));
    if (schema['x-kubernetes-int-or-string'] || schema.format === 'int-or-string') return 'string | number';
    if (schema.enum) return unionOf(schema.enum.map((v) => (typeof v === 'string' ? quote(v) : JSON.stringify(v))));
    switch (schema.type) {
      case 'string':
        return 'string';
      case 'integer':
      case 'number':
        return 'number';
      case 'boolean':
        return 'boolean';
      case 'array': {
        const item = schema.items ? this.typeOf(schema.items, indent) : 'unknown';
        return /[ |&]/.test(item) && !item.startsWith('Record<') ? `Array<${item}>` : `${item}[]`;
      }
      case 'object':
        if (schema.properties) return `{\n${this.members(schema, `${indent}  `)}${indent}}`;
        if (typeof schema.additionalProperties === 'object') return `Record<string, ${this.typeOf(schema.additionalProperties, indent)}>`;
        return 'Record<string, unknown>';
      default:
        return 'unknown';
    }
  }

  /** The properties of an object schema as interface members, sorted, each with its description. */
  members(schema: Schema, indent: string, skip: ReadonlySet<string> = new Set()): string {
    const required = new Set(schema.required ?? []);
    let text = '';
    for (const [name, property] of Object.entries(schema.properties ?? {}).sort(([a], [b]) => compare(a, b))) {
      if (skip.has(name)) continue;
      const description = property.description ?? property.allOf?.find((s) => s.description)?.description;
      text += jsdoc(description ?? `\`${name}\`: the Kubernetes OpenAPI document gives no description.`, indent);
      text += `${indent}${propertyName(name)}${required.has(name) ? '' : '?'}: ${this.typeOf(property, indent)};\n`;
    }
    return text;
  }
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const quote = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const propertyName = (name: string) => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : quote(name));

function unionOf(types: string[]): string {
  return [...new Set(types)].join(' | ') || 'never';
}

/** A description as a JSDoc comment at `indent` (IDE hover shows it); nothing without one. */
function jsdoc(description: string | undefined, indent: string): string {
  const text = description?.trim().replace(/\*\//g, '*\\/');
  if (!text) return '';
  const lines = text.split('\n').map((line) => line.trimEnd());
  if (lines.length === 1) return `${indent}/** ${lines[0]} */\n`;
  return `${indent}/**\n${lines.map((line) => (line ? `${indent} * ${line}` : `${indent} *`)).join('\n')}\n${indent} */\n`;
}

/** The relative import path from one module's file to another's. */
function importPath(from: string, to: string): string {
  return from.split('/')[0] === to.split('/')[0] ? `./${to.split('/')[1]}.ts` : `../${to}.ts`;
}

function header(serverVersion: string): string {
  return `// Code generated by scripts/generate-kinds.ts from kube-apiserver ${serverVersion} OpenAPI v3. DO NOT EDIT.\n`;
}

/** The module's TSDoc: what it holds, and why its declarations carry no example of their own. */
function moduleComment(module: string, serverVersion: string, kinds: readonly KindEntry[]): string {
  const names = kinds.map((k) => k.kind).sort(compare);
  const summary =
    names.length > 0
      ? `The \`${module}\` kinds of Kubernetes: ${names.join(', ')}. For each, an interface of its objects and a \`Kind\` ` +
        'descriptor of the same name (for the client, the cache and the controller builder); and the types they use.'
      : `The \`${module}\` types of Kubernetes that the kinds of other modules use.`;
  const text =
    `${summary} Generated from the OpenAPI v3 document of kube-apiserver ${serverVersion}; each description is the ` + "API server's own.";
  return [
    '/**',
    ...wrap(text, 110).map((line) => ` * ${line}`),
    ' *',
    ' * @noExample Generated data shapes: the guides and the examples of `controller()`, `KubeClient` and the cache use',
    " * them, e.g. `import { ConfigMap } from 'capstan/kinds/core/v1'`.",
    ` * @module capstan/kinds/${module}`,
    ' */',
    '',
  ].join('\n');
}

/** `text` in lines of at most `width` characters, broken at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

function renderModule(
  module: string,
  definitions: readonly string[],
  kinds: readonly KindEntry[],
  schemas: Map<string, Schema>,
  serverVersion: string,
): string {
  const writer = new ModuleWriter(
    module,
    definitions.map((d) => shortName(d)),
  );
  const kindOf = new Map(kinds.map((k) => [k.definition, k]));
  const body: string[] = [];
  for (const name of [...definitions].sort((a, b) => compare(shortName(a), shortName(b)))) {
    const schema = schemas.get(name)!;
    const short = shortName(name);
    const kind = kindOf.get(name);
    let text = jsdoc(schema.description ?? `\`${short}\` of ${module}: the Kubernetes OpenAPI document gives no description.`, '');
    if (kind) {
      const apiVersion = kind.group === '' ? kind.version : `${kind.group}/${kind.version}`;
      const metadata = schema.properties?.['metadata'];
      if (metadata && (metadata.allOf?.[0]?.$ref ?? metadata.$ref) !== `#/components/schemas/${metaPackage}.ObjectMeta`) {
        throw new Error(`${name}: a kind's metadata must be ObjectMeta`);
      }
      // apiVersion and kind stay `string` (as in KubeObject), their values only documented: with literal types a
      // KubeObject would no longer be assignable to the kind, and an informer or cache of the kind would no longer
      // pass where one of KubeObject is expected (their indexers take the object as a parameter).
      text += `export interface ${short} extends KubeObject {\n  /** \`${apiVersion}\` */\n  apiVersion?: string;\n  /** \`${kind.kind}\` */\n  kind?: string;\n`;
      text += writer.members(schema, '  ', new Set(['apiVersion', 'kind', 'metadata']));
      text += '}\n';
      text += `/** The \`${apiVersion}\` ${kind.kind} kind: resource \`${kind.plural}\`, ${kind.namespaced ? 'namespaced' : 'cluster-scoped'}. */\n`;
      text +=
        `export const ${short}: Kind<${short}> = defineKind<${short}>({ group: ${quote(kind.group)}, version: ${quote(kind.version)}, ` +
        `kind: ${quote(kind.kind)}, plural: ${quote(kind.plural)}, namespaced: ${kind.namespaced} });\n`;
    } else if (definedTypes[name]) {
      text += `export type ${short} = ${definedTypes[name]};\n`;
    } else if (schema.type === 'object' && schema.properties) {
      text += `export interface ${short} {\n${writer.members(schema, '  ')}}\n`;
    } else {
      text += `export type ${short} = ${writer.typeOf(schema, '')};\n`;
    }
    body.push(text);
  }
  const lines = [header(serverVersion), moduleComment(module, serverVersion, kinds)];
  if (kinds.length > 0) lines.push(`import { defineKind, type Kind, type KubeObject } from '../../core/index.ts';\n`);
  for (const [target, names] of [...writer.imports].sort(([a], [b]) => compare(a, b))) {
    const specifiers = [...names].sort(([a], [b]) => compare(a, b)).map(([name, alias]) => (name === alias ? name : `${name} as ${alias}`));
    lines.push(`import type { ${specifiers.join(', ')} } from '${importPath(module, target)}';\n`);
  }
  return `${lines.join('')}\n${body.join('\n')}`;
}

function renderMeta(definitions: readonly string[], schemas: Map<string, Schema>, serverVersion: string): string {
  const own = definitions.filter((d) => !(coreMetaTypes as readonly string[]).includes(shortName(d)));
  const reexport = `export type { ${coreMetaTypes.join(', ')} } from '../../core/index.ts';\n`;
  const start = header(serverVersion) + moduleComment('meta/v1', serverVersion, []);
  const rest = renderModule('meta/v1', own, [], schemas, serverVersion).slice(start.length);
  return `${start}\n// The meta/v1 types Capstan defines in capstan/core, so that every kind shares one ObjectMeta, Condition, …\n${reexport}${own.length > 0 ? rest : ''}`;
}

/**
 * The generated modules: file path (relative to the repository root) → text. Each typed group-version's top-level
 * resources become an interface and a `Kind` of the same name; every definition they reach becomes a type in the
 * module of its Go package; meta/v1's common types are Capstan's own from `capstan/core`. Deterministic: the same
 * documents give the same text.
 */
export function renderKinds(input: KindsInput): Map<string, string> {
  const schemas = mergedSchemas(input.groupVersions);
  const kinds = input.groupVersions.flatMap((gv) => kindsOf(gv));
  // Every definition reachable from a kind, grouped by its module.
  const reached = new Set<string>();
  const pending = kinds.map((k) => k.definition);
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (reached.has(name) || inlineTypes[name]) continue;
    const schema = schemas.get(name);
    if (!schema) throw new Error(`${name} is referenced but no OpenAPI document defines it`);
    reached.add(name);
    if (!definedTypes[name]) pending.push(...referencesOf(schema));
  }
  const modules = new Map<string, string[]>();
  for (const gv of input.groupVersions) modules.set(moduleOf(gv.group, gv.version), []);
  modules.set('meta/v1', []);
  for (const name of reached) {
    const module = moduleOfDefinition(name);
    const list = modules.get(module);
    if (!list) throw new Error(`${name} belongs to ${module}, which is not generated; add its group-version`);
    list.push(name);
  }
  const files = new Map<string, string>();
  for (const [module, definitions] of [...modules].sort(([a], [b]) => compare(a, b))) {
    const text =
      module === 'meta/v1'
        ? renderMeta(definitions, schemas, input.serverVersion)
        : renderModule(
            module,
            definitions,
            kinds.filter((k) => moduleOf(k.group, k.version) === module),
            schemas,
            input.serverVersion,
          );
    files.set(`${kindsDir}/${module}.ts`, text);
  }
  return files;
}
