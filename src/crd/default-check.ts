// A `default` must satisfy its own schema: the API server checks this when the CRD is created, and a
// default that fails validation would make every object that omits the field invalid. The checker
// follows the API server's semantics (structural pruning, nullable, int-or-string, list types); CEL
// rules are left to the server.
import { compilePattern } from './pattern-check.ts';
import { CrdError, propertyPath } from './errors.ts';
import { isRecord, sameJson, type StructuralSchema } from './structural-schema.ts';

/** Throw a `DEFAULT` error when `value` does not satisfy `schema`. */
export function checkDefault(schema: StructuralSchema, value: unknown, path: string): void {
  const problem = violation(schema, value, path);
  if (problem) throw new CrdError('DEFAULT', path, `default ${JSON.stringify(value)} is invalid: ${problem}`);
}

/** The first way `value` violates `schema`, naming the path inside the value; undefined when it is valid. */
export function violation(schema: StructuralSchema, value: unknown, path: string): string | undefined {
  if (value === null) return schema.nullable ? undefined : `${path} must not be null (the field is not nullable)`;
  if (schema['x-kubernetes-int-or-string']) {
    if (!Number.isInteger(value) && typeof value !== 'string') return `${path} must be an integer or a string`;
  } else if (schema.type !== undefined) {
    const wrongType = typeProblem(schema.type, value);
    if (wrongType) return `${path} ${wrongType}`;
  }
  if (schema.enum && !schema.enum.some((e) => sameJson(e, value))) return `${path} must be one of ${JSON.stringify(schema.enum)}`;
  return (
    scalarProblem(schema, value, path) ??
    listProblem(schema, value, path) ??
    objectProblem(schema, value, path) ??
    junctorProblem(schema, value, path)
  );
}

function typeProblem(type: string, value: unknown): string | undefined {
  switch (type) {
    case 'object':
      return isRecord(value) ? undefined : 'must be an object';
    case 'array':
      return Array.isArray(value) ? undefined : 'must be a list';
    case 'integer':
      return Number.isInteger(value) ? undefined : 'must be an integer';
    case 'number':
      return typeof value === 'number' ? undefined : 'must be a number';
    default:
      return typeof value === type ? undefined : `must be a ${type}`;
  }
}

function scalarProblem(schema: StructuralSchema, value: unknown, path: string): string | undefined {
  if (typeof value === 'string') {
    const length = [...value].length;
    if (schema.maxLength !== undefined && length > schema.maxLength) return `${path} is longer than maxLength ${schema.maxLength}`;
    if (schema.minLength !== undefined && length < schema.minLength) return `${path} is shorter than minLength ${schema.minLength}`;
    if (schema.pattern !== undefined && !compilePattern(schema.pattern, path).test(value))
      return `${path} does not match pattern ${schema.pattern}`;
  }
  if (typeof value === 'number') {
    const { minimum, maximum, multipleOf } = schema;
    if (minimum !== undefined && (schema.exclusiveMinimum ? value <= minimum : value < minimum))
      return `${path} must be ${schema.exclusiveMinimum ? '>' : '>='} ${minimum}`;
    if (maximum !== undefined && (schema.exclusiveMaximum ? value >= maximum : value > maximum))
      return `${path} must be ${schema.exclusiveMaximum ? '<' : '<='} ${maximum}`;
    if (multipleOf !== undefined && !Number.isInteger(value / multipleOf)) return `${path} must be a multiple of ${multipleOf}`;
  }
  return undefined;
}

function listProblem(schema: StructuralSchema, value: unknown, path: string): string | undefined {
  if (!Array.isArray(value)) return undefined;
  if (schema.maxItems !== undefined && value.length > schema.maxItems) return `${path} has more than maxItems ${schema.maxItems} items`;
  if (schema.minItems !== undefined && value.length < schema.minItems) return `${path} has fewer than minItems ${schema.minItems} items`;
  const listType = schema['x-kubernetes-list-type'];
  if (listType === 'set' || listType === 'map') {
    const keys = schema['x-kubernetes-list-map-keys'] ?? [];
    const keyOf = (item: unknown): unknown => (listType === 'set' || !isRecord(item) ? item : keys.map((k) => item[k]));
    for (let i = 0; i < value.length; i++) {
      for (let j = 0; j < i; j++) {
        if (sameJson(keyOf(value[i]), keyOf(value[j]))) return `${path}[${i}] duplicates ${path}[${j}] in a list of type ${listType}`;
      }
    }
  }
  if (!schema.items) return undefined;
  for (const [i, item] of value.entries()) {
    const problem = violation(schema.items, item, `${path}[${i}]`);
    if (problem) return problem;
  }
  return undefined;
}

function objectProblem(schema: StructuralSchema, value: unknown, path: string): string | undefined {
  if (!isRecord(value)) return undefined;
  const count = Object.keys(value).length;
  if (schema.maxProperties !== undefined && count > schema.maxProperties)
    return `${path} has more than maxProperties ${schema.maxProperties} fields`;
  if (schema.minProperties !== undefined && count < schema.minProperties)
    return `${path} has fewer than minProperties ${schema.minProperties} fields`;
  // The API server does not apply a field's own default inside an enclosing default before checking it.
  const missing = schema.required?.find((name) => !(name in value));
  if (missing !== undefined) return `${propertyPath(path, missing)} is required`;
  // Union members (value validations) constrain the fields they name and prune nothing.
  const prunes =
    schema.type === 'object' &&
    schema['x-kubernetes-preserve-unknown-fields'] !== true &&
    schema['x-kubernetes-embedded-resource'] !== true;
  for (const [name, field] of Object.entries(value)) {
    const fieldSchema = schema.properties?.[name] ?? (isRecord(schema.additionalProperties) ? schema.additionalProperties : undefined);
    if (fieldSchema) {
      const problem = violation(
        fieldSchema,
        field,
        schema.properties?.[name] ? propertyPath(path, name) : `${path}[${JSON.stringify(name)}]`,
      );
      if (problem) return problem;
    } else if (prunes) {
      return `${propertyPath(path, name)} is not a field of the schema (the API server would prune it)`;
    }
  }
  return undefined;
}

function junctorProblem(schema: StructuralSchema, value: unknown, path: string): string | undefined {
  if (schema['x-kubernetes-int-or-string']) return undefined;
  const members = (list: StructuralSchema[] | undefined): Array<string | undefined> => (list ?? []).map((m) => violation(m, value, path));
  if (schema.anyOf && !members(schema.anyOf).some((p) => p === undefined)) return `${path} matches none of the anyOf alternatives`;
  if (schema.oneOf && members(schema.oneOf).filter((p) => p === undefined).length !== 1)
    return `${path} must match exactly one of the oneOf alternatives`;
  return members(schema.allOf).find((p) => p !== undefined);
}
