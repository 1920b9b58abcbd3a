// An estimate of a CEL rule's cost as the API server computes it when a CRD is created (cel-go's static
// cost estimator, with Kubernetes' worst-case sizes): a list or map without maxItems/maxProperties is
// assumed to fill a 3 MiB request, a string without maxLength to be 3 MiB long, and walking them costs
// accordingly. Constants were calibrated against kube-apiserver v1.36 (see cel-cost.test.ts), so the
// estimate is close to the server's; where they differ, the server has the last word.
import { CrdError, itemsPath, propertyPath, valuesPath } from './errors.ts';
import type { CelExpr } from './cel-parse.ts';
import { isRecord, type StructuralSchema } from './structural-schema.ts';

/** The API server's request size bound, from which it derives worst-case sizes. */
export const maxRequestBytes = 3 * 1024 * 1024;
/** Per-rule limit on estimated cost (times the number of times the rule can run). */
export const perRuleCostLimit = 10_000_000;
/** Limit on the sum of all rules' estimated costs in one CRD version. */
export const perCrdCostLimit = 100_000_000;

/** An abstract CEL value: how big it can get, and (`note`) why, when the size is the server's worst case. */
export type CelValue =
  | { t: 'string'; size: number; note?: string }
  | { t: 'list'; size: number; elem: CelValue; note?: string }
  | { t: 'map'; size: number; value: CelValue; note?: string }
  | { t: 'object'; schema: StructuralSchema; path: string; resourceRoot: boolean }
  | { t: 'scalar' }
  | { t: 'dyn' };

const scalar: CelValue = { t: 'scalar' };
const dyn: CelValue = { t: 'dyn' };
const unboundedString = maxRequestBytes - 2;

/** The smallest JSON a value of `schema` can serialize to (the server divides the request size by it). */
export function minSerializedSize(schema: StructuralSchema): number {
  if (schema['x-kubernetes-int-or-string']) return 1;
  switch (schema.type) {
    case 'string':
      return schema.format === 'date' ? 12 : schema.format === 'date-time' ? 22 : 2;
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return 4;
    case 'array':
      return 2;
    case 'object': {
      let size = 2;
      for (const name of schema.required ?? []) {
        const field = schema.properties?.[name];
        if (field && field.default === undefined) size += name.length + minSerializedSize(field) + 4;
      }
      return size;
    }
    default:
      return 1;
  }
}

/** How many items (or entries) a list (or map) of `schema` can hold: its bound, or the server's worst case. */
export function collectionSize(schema: StructuralSchema, path: string): { size: number; note?: string } {
  if (schema.type === 'array' && schema.items) {
    if (schema.maxItems !== undefined) return { size: schema.maxItems };
    const size = Math.floor((maxRequestBytes - 2) / (minSerializedSize(schema.items) + 1));
    return { size, note: `${path} has no maxItems (the server assumes ${size.toLocaleString('en-US')} items)` };
  }
  if (isRecord(schema.additionalProperties)) {
    if (schema.maxProperties !== undefined) return { size: schema.maxProperties };
    const size = Math.floor((maxRequestBytes - 2) / (minSerializedSize(schema.additionalProperties) + 6));
    return { size, note: `${path} has no maxProperties (the server assumes ${size.toLocaleString('en-US')} entries)` };
  }
  return { size: 1 };
}

/** The abstract value of a field of `schema` at `path`. */
export function valueOf(schema: StructuralSchema, path: string, resourceRoot = false): CelValue {
  const stringValue = (): CelValue => {
    if (schema.maxLength !== undefined) return { t: 'string', size: schema.maxLength * 4 };
    if (schema.enum && schema.enum.length > 0) return { t: 'string', size: Math.max(...schema.enum.map((e) => String(e).length)) };
    return {
      t: 'string',
      size: unboundedString,
      note: `${path} has no maxLength (the server assumes ${unboundedString.toLocaleString('en-US')} characters)`,
    };
  };
  if (schema['x-kubernetes-int-or-string']) return stringValue();
  switch (schema.type) {
    case 'string':
      return schema.format === 'date' || schema.format === 'date-time' || schema.format === 'duration' ? scalar : stringValue();
    case 'array': {
      const { size, note } = collectionSize(schema, path);
      const elem = schema.items ? valueOf(schema.items, itemsPath(path), schema.items['x-kubernetes-embedded-resource'] === true) : dyn;
      return note ? { t: 'list', size, elem, note } : { t: 'list', size, elem };
    }
    case 'object': {
      if (!isRecord(schema.additionalProperties)) return { t: 'object', schema, path, resourceRoot };
      const { size, note } = collectionSize(schema, path);
      const value = valueOf(
        schema.additionalProperties,
        valuesPath(path),
        schema.additionalProperties['x-kubernetes-embedded-resource'] === true,
      );
      return note ? { t: 'map', size, value, note } : { t: 'map', size, value };
    }
    case undefined:
      return dyn;
    default:
      return scalar;
  }
}

/** What the rule costs once, and which worst-case sizes it walks. */
export interface RuleCost {
  cost: number;
  notes: Set<string>;
}

const reservedEscapes: Readonly<Record<string, string>> = { __dash__: '-', __dot__: '.', __slash__: '/', __underscores__: '__' };
/** CEL names of fields escape characters that are not identifier characters (`foo__dash__bar` is `foo-bar`). */
function unescapeField(name: string): string {
  const keyword = /^__([a-z]+)__$/.exec(name);
  if (keyword && !(name in reservedEscapes)) return keyword[1] ?? name;
  return name.replace(/__(dash|dot|slash|underscores)__/g, (m) => reservedEscapes[m] ?? m);
}

const resourceRootFields: Readonly<Record<string, StructuralSchema>> = {
  apiVersion: { type: 'string' },
  kind: { type: 'string' },
  metadata: { type: 'object', properties: { name: { type: 'string' }, generateName: { type: 'string' } } },
};

const traversal = (size: number): number => Math.ceil(0.1 * size);
const sizeOf = (v: CelValue): number => (v.t === 'string' || v.t === 'list' || v.t === 'map' ? v.size : 1);
/** Per-iteration cost of each comprehension macro beyond its body, measured on kube-apiserver v1.36. */
const macroOverhead: Readonly<Record<string, number>> = { all: 3, exists: 3, exists_one: 3, map: 12, filter: 13 };
const stringWalks: ReadonlySet<string> = new Set([
  'contains',
  'indexOf',
  'lastIndexOf',
  'lowerAscii',
  'upperAscii',
  'trim',
  'substring',
  'charAt',
  'reverse',
  'quantity',
  'isQuantity',
  'url',
  'isURL',
  'ip',
  'isIP',
  'cidr',
  'isCIDR',
  'base64',
]);

/**
 * Estimate the cost of one evaluation of `expr` with `self` bound to `self`. `at` names the rule in the
 * error thrown when the rule refers to a field the schema does not have (CEL refuses to compile that).
 */
export function estimateCost(expr: CelExpr, self: CelValue, at: string): RuleCost {
  const notes = new Set<string>();
  const walked = (v: CelValue): void => {
    if ((v.t === 'string' || v.t === 'list' || v.t === 'map') && v.note) notes.add(v.note);
  };

  const field = (v: CelValue, celName: string): CelValue => {
    const name = unescapeField(celName);
    if (v.t === 'map') return v.value;
    if (v.t !== 'object') return dyn;
    const schema = (v.resourceRoot ? resourceRootFields[name] : undefined) ?? v.schema.properties?.[name];
    if (schema) return valueOf(schema, propertyPath(v.path, name), schema['x-kubernetes-embedded-resource'] === true);
    if (v.schema['x-kubernetes-preserve-unknown-fields']) return dyn;
    throw new CrdError(
      'VALIDATION_RULE',
      at,
      `the rule refers to ${propertyPath(v.path, name)}, which is not a field of the schema (CEL refuses undefined fields)`,
    );
  };

  function est(e: CelExpr, scope: ReadonlyMap<string, CelValue>): { cost: number; value: CelValue } {
    switch (e.kind) {
      case 'literal':
        return { cost: 0, value: e.type === 'string' || e.type === 'bytes' ? { t: 'string', size: e.size } : scalar };
      case 'ident':
        return { cost: 1, value: scope.get(e.name) ?? dyn };
      case 'select': {
        const operand = est(e.operand, scope);
        return { cost: operand.cost + 1, value: field(operand.value, e.field) };
      }
      case 'list': {
        const items = e.items.map((i) => est(i, scope));
        return { cost: 1 + items.reduce((s, i) => s + i.cost, 0), value: { t: 'list', size: items.length, elem: items[0]?.value ?? dyn } };
      }
      case 'map': {
        const parts = e.entries.flat().map((p) => est(p, scope));
        return {
          cost: 1 + parts.reduce((s, p) => s + p.cost, 0),
          value: { t: 'map', size: e.entries.length, value: parts[1]?.value ?? dyn },
        };
      }
      case 'call':
        return call(e, scope);
    }
  }

  function call(e: Extract<CelExpr, { kind: 'call' }>, scope: ReadonlyMap<string, CelValue>): { cost: number; value: CelValue } {
    const vars = e.args.slice(0, -1);
    if (e.target && e.fn in macroOverhead && vars.length >= 1 && vars.every((v) => v.kind === 'ident')) {
      const target = est(e.target, scope);
      walked(target.value);
      const iterations = target.value.t === 'list' || target.value.t === 'map' ? target.value.size : 1;
      const element: CelValue =
        target.value.t === 'list' ? target.value.elem : target.value.t === 'map' ? { t: 'string', size: unboundedString } : dyn;
      const inner = new Map(scope);
      const names = vars.map((v) => (v.kind === 'ident' ? v.name : ''));
      if (names.length === 2)
        inner.set(names[0] ?? '', scalar).set(names[1] ?? '', target.value.t === 'map' ? target.value.value : element);
      else inner.set(names[0] ?? '', element);
      const body =
        e.fn === 'map' && e.args.length === 3 && names.length === 1
          ? [est(e.args[1] as CelExpr, inner), est(e.args[2] as CelExpr, inner)]
          : [est(e.args[e.args.length - 1] as CelExpr, inner)];
      const bodyCost = body.reduce((s, b) => s + b.cost, 0);
      const cost = target.cost + iterations * (bodyCost + (macroOverhead[e.fn] ?? 3));
      const value: CelValue =
        e.fn === 'map'
          ? { t: 'list', size: iterations, elem: body[body.length - 1]?.value ?? dyn }
          : e.fn === 'filter'
            ? { t: 'list', size: iterations, elem: element }
            : scalar;
      return { cost, value };
    }
    if (e.fn === 'has' && !e.target && e.args[0]?.kind === 'select') {
      const operand = est(e.args[0].operand, scope);
      field(operand.value, e.args[0].field);
      return { cost: operand.cost, value: scalar };
    }
    const target = e.target ? est(e.target, scope) : undefined;
    const args = e.args.map((a) => est(a, scope));
    const base = (target?.cost ?? 0) + args.reduce((s, a) => s + a.cost, 0);
    const [a, b, c] = args.map((x) => x.value);
    const subject = target?.value ?? a ?? dyn;
    const walk = (v: CelValue | undefined): number => {
      if (!v) return 0;
      walked(v);
      return traversal(sizeOf(v));
    };
    switch (e.fn) {
      case '_&&_':
      case '_||_':
        return { cost: base, value: scalar };
      case '!_':
      case '-_':
        return { cost: base + 1, value: a ?? scalar };
      case '_?_:_':
        return { cost: (args[0]?.cost ?? 0) + Math.max(args[1]?.cost ?? 0, args[2]?.cost ?? 0), value: b ?? c ?? dyn };
      case '_==_':
      case '_!=_': {
        const sized = a && b && a.t !== 'scalar' && a.t !== 'dyn' && b.t !== 'scalar' && b.t !== 'dyn';
        return { cost: base + (sized ? traversal(Math.min(sizeOf(a), sizeOf(b))) : 0), value: scalar };
      }
      case '_<_':
      case '_<=_':
      case '_>_':
      case '_>=_':
        return {
          cost: base + (a?.t === 'string' && b?.t === 'string' ? Math.max(1, traversal(Math.min(a.size, b.size))) : 1),
          value: scalar,
        };
      case '_+_':
        if (a?.t === 'string' && b?.t === 'string') {
          walked(a);
          walked(b);
          return { cost: base + traversal(a.size + b.size), value: { t: 'string', size: a.size + b.size } };
        }
        if (a?.t === 'list' && b?.t === 'list')
          return { cost: base + 1 + traversal(a.size + b.size), value: { t: 'list', size: a.size + b.size, elem: a.elem } };
        return { cost: base + 1, value: a ?? scalar };
      case '_-_':
      case '_*_':
      case '_/_':
      case '_%_':
        return { cost: base + 1, value: scalar };
      case '_in_': {
        if (b?.t === 'list') walked(b);
        return { cost: base + (b?.t === 'list' ? b.size : 1), value: scalar };
      }
      case '_[_]':
        return { cost: base + 1, value: a?.t === 'list' ? a.elem : a?.t === 'map' ? a.value : dyn };
      case 'size':
        return { cost: base + 1, value: scalar };
      case 'startsWith':
      case 'endsWith':
        return { cost: base + traversal(sizeOf(b ?? a ?? scalar)), value: scalar };
      case 'matches':
      case 'find':
      case 'findAll': {
        const regex = target ? a : b;
        walked(subject);
        const cost = base + Math.ceil(0.1 * sizeOf(subject) * 0.25 * sizeOf(regex ?? scalar));
        return {
          cost,
          value: e.fn === 'matches' ? scalar : e.fn === 'find' ? subject : { t: 'list', size: sizeOf(subject), elem: subject },
        };
      }
      case 'split':
        return { cost: base + 2 * walk(subject), value: { t: 'list', size: sizeOf(subject), elem: subject } };
      case 'replace':
        return { cost: base + 2 * walk(subject), value: subject };
      case 'join': {
        const total = subject.t === 'list' ? subject.size * sizeOf(subject.elem) : sizeOf(subject);
        walked(subject);
        return { cost: base + traversal(total), value: { t: 'string', size: total } };
      }
      case 'isSorted':
      case 'sum':
      case 'min':
      case 'max':
      case 'indexOf':
      case 'lastIndexOf':
        if (subject.t === 'list')
          return { cost: base + walk(subject) * 10, value: e.fn === 'indexOf' || e.fn === 'lastIndexOf' ? scalar : subject.elem };
        break;
      case 'value':
      case 'orValue':
        return { cost: base + 1, value: subject };
    }
    if (stringWalks.has(e.fn) && subject.t === 'string') {
      return { cost: base + walk(subject), value: /^(lowerAscii|upperAscii|trim|substring|charAt|reverse)$/.test(e.fn) ? subject : scalar };
    }
    return { cost: base + 1, value: e.fn === 'string' ? { t: 'string', size: 20 } : dyn };
  }

  const scope = new Map<string, CelValue>([
    ['self', self],
    ['oldSelf', self],
  ]);
  return { cost: est(expr, scope).cost, notes };
}
