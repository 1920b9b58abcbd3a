// The converter's walk: one JSON Schema node (typebox or hand-written) in, one structural node out.
// Unions and intersections are rewritten in unions.ts, x-kubernetes-* checked in extensions.ts,
// defaults in default-check.ts; this file owns types, keywords, objects and lists.
import type { TSchema } from 'typebox';
import { checkCelRules } from './cel-rules.ts';
import { checkDefault } from './default-check.ts';
import { CrdError, itemsPath, propertyPath, valuesPath } from './errors.ts';
import { applyExtensions } from './extensions.ts';
import { checkPattern } from './pattern-check.ts';
import { checkRuleShapes } from './rule-shapes.ts';
import {
  handledKeywords,
  isRecord,
  type JsonType,
  keywordAdvice,
  passThroughKeywords,
  referenceKeywords,
  type StructuralSchema,
} from './structural-schema.ts';
import { convertIntersection, convertUnion, valueValidation } from './unions.ts';

const jsonTypes: ReadonlySet<string> = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);
/** typebox kinds with no JSON form. */
const unsupportedKinds: ReadonlySet<string> = new Set([
  'BigInt',
  'Constructor',
  'Function',
  'Symbol',
  'Undefined',
  'Void',
  'Never',
  'Promise',
  'AsyncIterator',
  'Iterator',
  'Uint8Array',
  'Date',
  'RegExp',
]);
/** The keys typebox's Type.Record(Type.String(), …) and friends emit for "any key". */
const matchAllKeys: ReadonlySet<string> = new Set(['^.*$', '.*', '^(.*)$', '^.*']);

/**
 * Convert a typebox (or hand-written JSON) schema into a structural schema the API server accepts, or
 * throw a {@link CrdError} naming the path of the first construct it would refuse. Rewrites what has a
 * structural form (const → enum, T | null → nullable, literal unions → enum, integer | string →
 * int-or-string, unions and intersections of objects → one object, uniqueItems on scalars → a set,
 * numeric exclusive bounds → OpenAPI v3.0 booleans, match-all records → additionalProperties), and
 * checks defaults, patterns, extensions and CEL rules (including their estimated cost).
 *
 * @example
 * ```ts
 * import Type from 'typebox';
 * import { toStructuralSchema } from 'capstan/crd';
 * const schema = toStructuralSchema(Type.Object({
 *   mode: Type.Union([Type.Literal('fast'), Type.Literal('safe')], { default: 'safe' }),
 *   replicas: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
 * }), 'spec');
 * // schema.properties.mode: { type: 'string', enum: ['fast', 'safe'], default: 'safe' }
 * // schema.properties.replicas: { type: 'integer', minimum: 0, nullable: true }
 * ```
 */
export function toStructuralSchema(schema: TSchema, path = 'spec'): StructuralSchema {
  const out = convertNode(schema, path);
  checkCelRules(out, path);
  return out;
}

/**
 * Convert one schema node. `path` names it in errors. Throws {@link CrdError} for what the API server would
 * refuse and cannot be rewritten.
 */
export function convertNode(input: unknown, path: string): StructuralSchema {
  if (!isRecord(input)) throw new CrdError('UNSUPPORTED_TYPE', path, `expected a schema object, got ${JSON.stringify(input)}`);
  const kind = (input as { '~kind'?: unknown })['~kind'];
  if (typeof kind === 'string' && unsupportedKinds.has(kind)) {
    throw new CrdError(
      'UNSUPPORTED_TYPE',
      path,
      `Type.${kind}() has no JSON form in a Kubernetes object; use a string, number, boolean, object or array`,
    );
  }
  const node: Record<string, unknown> = { ...input };
  checkKeywords(node, path);
  const typed = node['type'] !== undefined || node['x-kubernetes-int-or-string'] === true;
  if (!typed && (node['anyOf'] !== undefined || node['oneOf'] !== undefined)) return convertUnion(node, path);
  if (!typed && node['allOf'] !== undefined) return convertIntersection(node, path);
  return convertTyped(node, path);
}

function checkKeywords(node: Record<string, unknown>, path: string): void {
  for (const key of Object.keys(node)) {
    if (referenceKeywords.has(key)) {
      throw new CrdError(
        'REFERENCE',
        path,
        `"${key}" is not supported: a CRD schema must be self-contained and not recursive; inline the referenced schema (Type.Ref/Type.Cyclic cannot be used)`,
      );
    }
    if (passThroughKeywords.has(key) || handledKeywords.has(key)) continue;
    const advice = keywordAdvice[key] ?? 'remove it (apiextensions.k8s.io/v1 has no such field; strict field validation refuses it)';
    throw new CrdError('UNSUPPORTED_KEYWORD', path, `"${key}" is not a keyword of Kubernetes structural schemas: ${advice}`);
  }
}

function convertTyped(node: Record<string, unknown>, path: string): StructuralSchema {
  const out: StructuralSchema = {};
  if (typeof node['description'] === 'string') out.description = node['description'];
  let type = node['type'];
  let nullable = node['nullable'] === true;
  if (Array.isArray(type)) {
    const nonNull = type.filter((t) => t !== 'null');
    if (nonNull.length !== 1)
      throw new CrdError('UNION', path, `type ${JSON.stringify(type)} names several types; a field has one type (plus nullable)`);
    nullable ||= nonNull.length < type.length;
    type = nonNull[0];
  }
  if (type === 'null')
    throw new CrdError(
      'NULL_TYPE',
      path,
      'type "null" does not exist in Kubernetes schemas; make the field optional, or use a union with Type.Null(), which becomes nullable: true',
    );
  let enumValues = node['enum'];
  if ('const' in node) {
    if (enumValues !== undefined) throw new CrdError('ENUM', path, 'both const and enum are set');
    enumValues = [node['const']];
  }
  if (enumValues !== undefined && !Array.isArray(enumValues)) throw new CrdError('ENUM', path, 'enum must be a list of values');
  if (type === undefined && enumValues !== undefined) type = enumType(enumValues, path);
  const intOrString = node['x-kubernetes-int-or-string'] === true;
  const preserve = node['x-kubernetes-preserve-unknown-fields'] === true;
  if (intOrString) {
    if (type !== undefined)
      throw new CrdError('EXTENSION', path, `x-kubernetes-int-or-string needs no type (found ${JSON.stringify(type)})`);
    out['x-kubernetes-int-or-string'] = true;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  } else if (type === undefined) {
    if (preserve && (node['properties'] !== undefined || node['additionalProperties'] !== undefined)) type = 'object';
    else if (!preserve)
      throw new CrdError(
        'MISSING_TYPE',
        path,
        'has no type; Type.Unknown()/Type.Any() are not structural: give it a type, or use PreserveUnknownFields() to keep arbitrary JSON',
      );
  }
  if (type !== undefined) {
    if (typeof type !== 'string' || !jsonTypes.has(type))
      throw new CrdError('UNSUPPORTED_TYPE', path, `type ${JSON.stringify(type)} is not one of ${[...jsonTypes].join(', ')}`);
    out.type = type as JsonType;
  }
  if (nullable) out.nullable = true;
  for (const key of passThroughKeywords) {
    if (key in node && key !== 'description' && key !== 'nullable') (out as Record<string, unknown>)[key] = node[key];
  }
  convertExclusiveBound(node, out, 'exclusiveMinimum', 'minimum', path);
  convertExclusiveBound(node, out, 'exclusiveMaximum', 'maximum', path);
  if (enumValues !== undefined) out.enum = checkEnum(enumValues, out, path);
  if (node['pattern'] !== undefined) out.pattern = checkPattern(node['pattern'], path);
  if (node['examples'] !== undefined && node['example'] === undefined) {
    const examples = node['examples'];
    out.example = Array.isArray(examples) ? examples[0] : examples;
  }
  if (out.type === 'object') convertObjectFields(node, out, path);
  else if (out.type === 'array') convertArrayFields(node, out, path);
  else refuseFieldsOfOtherTypes(node, path);
  for (const junctor of ['anyOf', 'oneOf', 'allOf'] as const) {
    const members = node[junctor];
    if (members === undefined) continue;
    if (intOrString && junctor === 'anyOf') continue;
    if (!Array.isArray(members)) throw new CrdError('UNION', path, `${junctor} must be a list`);
    out[junctor] = members.map((m, i) => valueValidation(m, out, `${path}<${junctor}[${i}]>`));
  }
  applyExtensions(node, out, path);
  if (node['x-kubernetes-validations'] !== undefined)
    out['x-kubernetes-validations'] = checkRuleShapes(node['x-kubernetes-validations'], out, path);
  if ('default' in node) {
    checkDefault(out, node['default'], path);
    out.default = node['default'];
  }
  return out;
}

function enumType(values: unknown[], path: string): JsonType {
  const types = new Set(values.filter((v) => v !== null).map((v) => (Number.isInteger(v) ? 'integer' : typeof v)));
  if (types.size === 2 && types.has('integer') && types.has('number')) return 'number';
  const [only] = types;
  if (types.size !== 1 || (only !== 'string' && only !== 'integer' && only !== 'number' && only !== 'boolean')) {
    throw new CrdError(
      'ENUM',
      path,
      `enum values ${JSON.stringify(values)} do not share one JSON type (string, integer, number or boolean); split the field or use strings`,
    );
  }
  return only;
}

function checkEnum(values: unknown[], out: StructuralSchema, path: string): unknown[] {
  if (values.length === 0) throw new CrdError('ENUM', path, 'enum is empty: no value could ever be valid');
  const fits = (v: unknown): boolean => {
    if (v === null) return out.nullable === true;
    switch (out.type) {
      case 'string':
        return typeof v === 'string';
      case 'integer':
        return Number.isInteger(v);
      case 'number':
        return typeof v === 'number';
      case 'boolean':
        return typeof v === 'boolean';
      default:
        return true;
    }
  };
  const misfit = values.find((v) => !fits(v));
  if (misfit !== undefined)
    throw new CrdError('ENUM', path, `enum value ${JSON.stringify(misfit)} is not of type ${out.type ?? 'int-or-string'}`);
  return values;
}

/** JSON Schema 2019+ writes `exclusiveMinimum: 5`; OpenAPI v3.0 (and Kubernetes) `minimum: 5, exclusiveMinimum: true`. */
function convertExclusiveBound(
  node: Record<string, unknown>,
  out: StructuralSchema,
  key: 'exclusiveMinimum' | 'exclusiveMaximum',
  bound: 'minimum' | 'maximum',
  path: string,
): void {
  const value = node[key];
  if (value === undefined || value === false) return;
  if (value === true) {
    if (typeof node[bound] !== 'number') throw new CrdError('UNSUPPORTED_KEYWORD', path, `${key}: true needs ${bound}`);
    out[key] = true;
    return;
  }
  if (typeof value !== 'number') throw new CrdError('UNSUPPORTED_KEYWORD', path, `${key} must be a number`);
  if (typeof node[bound] === 'number')
    throw new CrdError('UNSUPPORTED_KEYWORD', path, `both ${bound} and a numeric ${key} are set; keep one`);
  out[bound] = value;
  out[key] = true;
}

function convertObjectFields(node: Record<string, unknown>, out: StructuralSchema, path: string): void {
  const props = node['properties'];
  const additional = node['additionalProperties'];
  let mapValue: unknown;
  if (node['patternProperties'] !== undefined) {
    const patterns = isRecord(node['patternProperties']) ? Object.keys(node['patternProperties']) : [];
    const [only] = patterns;
    if (patterns.length !== 1 || only === undefined || !matchAllKeys.has(only)) {
      throw new CrdError(
        'PATTERN_PROPERTIES',
        path,
        `patternProperties ${JSON.stringify(patterns)} are not supported; use a map with string keys (Type.Record(Type.String(), …) or MapOf(…)) and a CEL rule on its keys, e.g. self.all(k, k.matches('^[0-9]+$'))`,
      );
    }
    mapValue = (node['patternProperties'] as Record<string, unknown>)[only];
  }
  if (isRecord(additional)) {
    if (mapValue !== undefined)
      throw new CrdError('PATTERN_PROPERTIES', path, 'both patternProperties and additionalProperties describe the map values; keep one');
    mapValue = additional;
  }
  const hasProps = isRecord(props) && Object.keys(props).length > 0;
  if (mapValue !== undefined && hasProps) {
    throw new CrdError(
      'PROPERTIES_AND_ADDITIONAL_PROPERTIES',
      path,
      'has both properties and additionalProperties (a map); Kubernetes allows one or the other: move the map into a field of its own',
    );
  }
  if (additional === true) out['x-kubernetes-preserve-unknown-fields'] = true;
  if (hasProps) {
    out.properties = {};
    for (const [name, schema] of Object.entries(props)) out.properties[name] = convertNode(schema, propertyPath(path, name));
  }
  const required = node['required'];
  if (required !== undefined) {
    if (!Array.isArray(required) || required.some((r) => typeof r !== 'string'))
      throw new CrdError('UNSUPPORTED_KEYWORD', path, 'required must be a list of property names');
    if (required.length > 0) out.required = [...(required as string[])];
  }
  if (mapValue !== undefined) out.additionalProperties = convertNode(mapValue, valuesPath(path));
}

function convertArrayFields(node: Record<string, unknown>, out: StructuralSchema, path: string): void {
  const items = node['items'];
  if (Array.isArray(items))
    throw new CrdError(
      'TUPLE',
      path,
      'tuples (items as a list) have no structural form; use an object with named fields, or a list of one item type',
    );
  if (!isRecord(items)) throw new CrdError('MISSING_TYPE', path, 'a list needs an item schema (items)');
  out.items = convertNode(items, itemsPath(path));
}

function refuseFieldsOfOtherTypes(node: Record<string, unknown>, path: string): void {
  for (const key of ['properties', 'additionalProperties', 'patternProperties', 'required', 'items', 'uniqueItems']) {
    if (node[key] !== undefined && node[key] !== false) {
      throw new CrdError('UNSUPPORTED_KEYWORD', path, `"${key}" does not apply to type ${JSON.stringify(node['type'] ?? 'int-or-string')}`);
    }
  }
}
