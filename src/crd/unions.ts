// Unions (anyOf/oneOf) and intersections (allOf) as typebox writes them, rewritten into structural forms:
//   T | null                      → T with nullable: true
//   'a' | 'b'                     → type string, enum [a, b]
//   integer | string              → x-kubernetes-int-or-string
//   { kind: 'a', … } | { … }      → one object with every field, and anyOf of value validations
//                                   (required fields and discriminator values) that keeps the variants apart
//   A & B (objects)               → one object with the fields of both
// Anything else is refused with the member that cannot be merged.
import { convertNode } from './convert.ts';
import { checkDefault } from './default-check.ts';
import { CrdError, propertyPath } from './errors.ts';
import { checkRuleShapes } from './rule-shapes.ts';
import { isRecord, sameJson, type StructuralSchema } from './structural-schema.ts';

/** Keywords a union or intersection node may carry besides its members. */
const outerKeywords: ReadonlySet<string> = new Set([
  'anyOf',
  'oneOf',
  'allOf',
  'description',
  'title',
  'default',
  'example',
  'examples',
  'externalDocs',
  'nullable',
  'x-kubernetes-validations',
]);
const scalarTypes: ReadonlySet<string | undefined> = new Set(['string', 'integer', 'number', 'boolean']);
const stringOnly = ['maxLength', 'minLength', 'pattern', 'format'] as const;
const integerOnly = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'] as const;

/** Rewrite `anyOf`/`oneOf` of typed members. */
export function convertUnion(node: Record<string, unknown>, path: string): StructuralSchema {
  const junctor = node['anyOf'] !== undefined ? 'anyOf' : 'oneOf';
  const members = node[junctor];
  if (!Array.isArray(members) || members.length === 0) throw new CrdError('UNION', path, `${junctor} must be a non-empty list`);
  const isNull = (m: unknown): boolean => isRecord(m) && m['type'] === 'null';
  const rest = (members as unknown[]).map((m, i) => ({ m, i })).filter(({ m }) => !isNull(m));
  if (rest.length === 0) throw new CrdError('NULL_TYPE', path, 'a union of null alone has no type');
  const converted = rest.map(({ m, i }) => convertNode(m, `${path}<${junctor}[${i}]>`));
  const result = mergeMembers(converted, path);
  if (rest.length < members.length) result.nullable = true;
  return applyOuter(result, node, path);
}

function mergeMembers(members: StructuralSchema[], path: string): StructuralSchema {
  const [first] = members;
  if (members.length === 1 && first) return first;
  const types = members.map((m) => m.type ?? (m['x-kubernetes-int-or-string'] ? 'int-or-string' : 'untyped'));
  if (
    members.every(
      (m) =>
        m.enum !== undefined && scalarTypes.has(m.type) && Object.keys(m).every((k) => k === 'type' || k === 'enum' || k === 'description'),
    )
  ) {
    if (new Set(types).size !== 1)
      throw new CrdError('UNION', path, `literal members of different types (${types.join(', ')}) cannot form one enum; use one type`);
    return { type: first?.type, enum: [...new Set(members.flatMap((m) => m.enum ?? []))] };
  }
  if (members.length === 2 && types.includes('integer') && types.includes('string')) return intOrString(members, path);
  if (members.every((m) => m.type === 'object')) return mergeObjectUnion(members, path);
  throw new CrdError(
    'UNION',
    path,
    `a union of ${types.join(' | ')} has no structural form; Kubernetes supports T | null (nullable), literal unions (enum), integer | string (x-kubernetes-int-or-string) and unions of objects`,
  );
}

/** integer | string: bounds of each member apply to its own type only, so they can move to the union node. */
function intOrString(members: StructuralSchema[], path: string): StructuralSchema {
  const out: StructuralSchema = { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] };
  for (const member of members) {
    const allowed: readonly string[] = member.type === 'string' ? stringOnly : integerOnly;
    for (const [key, value] of Object.entries(member)) {
      if (key === 'type' || key === 'description') continue;
      if (!allowed.includes(key))
        throw new CrdError(
          'UNION',
          path,
          `the ${String(member.type)} member of an integer | string union sets "${key}", which has no int-or-string form`,
        );
      (out as Record<string, unknown>)[key] = value;
    }
  }
  return out;
}

function mergeObjectUnion(members: StructuralSchema[], path: string): StructuralSchema {
  members.forEach((m, i) => {
    const extra = Object.keys(m).find((k) => k !== 'type' && k !== 'properties' && k !== 'required' && k !== 'description');
    if (extra)
      throw new CrdError(
        'UNION',
        `${path}<anyOf[${i}]>`,
        `a member of a union of objects sets "${extra}"; only plain objects (properties and required) can be merged`,
      );
  });
  const names = [...new Set(members.flatMap((m) => Object.keys(m.properties ?? {})))];
  const properties: Record<string, StructuralSchema> = {};
  const discriminators: string[] = [];
  for (const name of names) {
    const schemas = members.map((m) => m.properties?.[name]).filter((s): s is StructuralSchema => s !== undefined);
    const [first] = schemas as [StructuralSchema];
    const bare = (s: StructuralSchema): StructuralSchema => ({ ...s, description: undefined });
    if (schemas.every((s) => sameJson(bare(s), bare(first)))) {
      properties[name] = first;
    } else if (
      schemas.every(
        (s) =>
          s.type === 'string' && s.enum !== undefined && Object.keys(s).every((k) => k === 'type' || k === 'enum' || k === 'description'),
      )
    ) {
      properties[name] = { ...first, enum: [...new Set(schemas.flatMap((s) => s.enum ?? []))] };
      discriminators.push(name);
    } else {
      throw new CrdError(
        'UNION',
        propertyPath(path, name),
        'has different schemas in different members of the union; give it one schema in all members, or use different field names',
      );
    }
  }
  const requiredSets = members.map((m) => m.required ?? []);
  const common = requiredSets.reduce((acc, r) => acc.filter((n) => r.includes(n)));
  const branches = members.map((m, i) => {
    const branch: StructuralSchema = {};
    const own = requiredSets[i]?.filter((n) => !common.includes(n)) ?? [];
    if (own.length > 0) branch.required = own;
    const tags = discriminators.filter((d) => m.properties?.[d] !== undefined);
    if (tags.length > 0) branch.properties = Object.fromEntries(tags.map((d) => [d, { enum: m.properties?.[d]?.enum ?? [] }]));
    return branch;
  });
  const out: StructuralSchema = { type: 'object', properties };
  if (common.length > 0) out.required = common;
  // A member with nothing of its own accepts every object, so the anyOf would constrain nothing.
  if (branches.every((b) => Object.keys(b).length > 0)) out.anyOf = branches;
  return out;
}

/** Rewrite `allOf` of objects into one object. */
export function convertIntersection(node: Record<string, unknown>, path: string): StructuralSchema {
  const members = node['allOf'];
  if (!Array.isArray(members) || members.length === 0) throw new CrdError('INTERSECTION', path, 'allOf must be a non-empty list');
  const converted = members.map((m, i) => convertNode(m, `${path}<allOf[${i}]>`));
  const out: StructuralSchema = { type: 'object' };
  converted.forEach((member, i) => {
    if (member.type !== 'object')
      throw new CrdError(
        'INTERSECTION',
        `${path}<allOf[${i}]>`,
        `an intersection can only merge objects (this member is ${member.type ?? 'untyped'})`,
      );
    for (const [key, value] of Object.entries(member) as Array<[keyof StructuralSchema, unknown]>) {
      if (key === 'properties') {
        out.properties ??= {};
        for (const [name, schema] of Object.entries(value as Record<string, StructuralSchema>)) {
          const existing = out.properties[name];
          if (existing && !sameJson(existing, schema))
            throw new CrdError('INTERSECTION', propertyPath(path, name), 'has different schemas in two members of the intersection');
          out.properties[name] = schema;
        }
      } else if (key === 'required') {
        out.required = [...new Set([...(out.required ?? []), ...(value as string[])])];
      } else if (key === 'x-kubernetes-validations') {
        out[key] = [...(out[key] ?? []), ...(value as NonNullable<StructuralSchema[typeof key]>)];
      } else if (out[key] !== undefined && !sameJson(out[key], value)) {
        throw new CrdError('INTERSECTION', path, `members of the intersection disagree on "${key}"`);
      } else {
        (out as Record<string, unknown>)[key] = value;
      }
    }
  });
  return applyOuter(out, node, path);
}

/** Apply what a union/intersection node says about itself (description, default, rules…) to its rewrite. */
function applyOuter(result: StructuralSchema, node: Record<string, unknown>, path: string): StructuralSchema {
  const extra = Object.keys(node).find((k) => !outerKeywords.has(k));
  if (extra) throw new CrdError('UNION', path, `"${extra}" beside a union or intersection is ambiguous; put it on the members`);
  const out: StructuralSchema = typeof node['description'] === 'string' ? { description: node['description'], ...result } : { ...result };
  if (typeof node['title'] === 'string') out.title = node['title'];
  if (node['nullable'] === true) out.nullable = true;
  if (node['example'] !== undefined) out.example = node['example'];
  else if (Array.isArray(node['examples'])) out.example = node['examples'][0];
  if (node['x-kubernetes-validations'] !== undefined) {
    out['x-kubernetes-validations'] = [
      ...(out['x-kubernetes-validations'] ?? []),
      ...checkRuleShapes(node['x-kubernetes-validations'], out, path),
    ];
  }
  if ('default' in node) {
    checkDefault(out, node['default'], path);
    out.default = node['default'];
  }
  return out;
}

/** Keywords that structural schemas forbid inside anyOf/oneOf/allOf/not (they must be said outside). */
const forbiddenInJunctors = [
  'type',
  'description',
  'default',
  'additionalProperties',
  'nullable',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
];

/**
 * A member of anyOf/oneOf/allOf on a typed field: value validations only (required, enum, bounds,
 * patterns), naming only fields the field itself declares.
 */
export function valueValidation(member: unknown, outer: StructuralSchema, path: string): StructuralSchema {
  if (!isRecord(member)) throw new CrdError('UNION', path, 'a union member must be a schema object');
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(member)) {
    if (forbiddenInJunctors.includes(key))
      throw new CrdError(
        'UNION',
        path,
        `"${key}" is not allowed inside a union member of a typed field (structural schemas say it once, outside)`,
      );
    if (key === 'const') out['enum'] = [value];
    else if (key === 'properties') {
      if (!isRecord(value)) throw new CrdError('UNION', path, 'properties must be an object');
      out[key] = Object.fromEntries(
        Object.entries(value).map(([name, sub]) => {
          const declared = outer.properties?.[name];
          if (!declared)
            throw new CrdError(
              'UNION',
              propertyPath(path, name),
              'is not a property of the field itself; structural schemas declare every field outside the union',
            );
          return [name, valueValidation(sub, declared, propertyPath(path, name))];
        }),
      );
    } else if (key === 'items') {
      if (!outer.items) throw new CrdError('UNION', path, 'items inside a union member of a field that is not a list');
      out[key] = valueValidation(value, outer.items, `${path}[*]`);
    } else if (key === 'anyOf' || key === 'oneOf' || key === 'allOf') {
      if (!Array.isArray(value)) throw new CrdError('UNION', path, `${key} must be a list`);
      out[key] = value.map((m, i) => valueValidation(m, outer, `${path}<${key}[${i}]>`));
    } else out[key] = value;
  }
  return out;
}
