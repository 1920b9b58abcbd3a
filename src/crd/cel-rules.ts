// The CEL rules of a whole schema against the API server's cost limits. A rule's cost depends on the
// sizes of what it walks and on how many times it runs (a rule on the items of a list runs once per
// item), so this walk carries the node's cardinality down from the root, as the server does.
import { estimateCost, minSerializedSize, maxRequestBytes, perCrdCostLimit, perRuleCostLimit, valueOf } from './cel-cost.ts';
import { parseCel } from './cel-parse.ts';
import { CrdError, itemsPath, propertyPath, valuesPath } from './errors.ts';
import { isRecord, type StructuralSchema } from './structural-schema.ts';

/** One rule (or messageExpression) and what it may cost in one request: its cost times its cardinality. */
export interface RuleCostEstimate {
  /** Where the rule sits: `spec.items x-kubernetes-validations[0]`. */
  at: string;
  expression: string;
  /** Cost of one evaluation. */
  cost: number;
  /** How many times it can run in one object. */
  cardinality: number;
  /** Why sizes are the server's worst case (bounds that are missing). */
  notes: string[];
}

const format = (n: number): string => (n >= 1e9 ? n.toExponential(1) : Math.round(n).toLocaleString('en-US'));

/**
 * Check every `x-kubernetes-validations` rule under `schema`: that it names only fields the schema has,
 * and that its estimated cost, times the number of times it can run, stays within the API server's
 * per-rule limit, and all of them together within the per-CRD limit. `resourceRoot` says `schema` is an
 * object's root (where `apiVersion`, `kind` and `metadata.name` are visible to rules).
 */
export function checkCelRules(schema: StructuralSchema, path: string, resourceRoot = false): void {
  const estimates = estimateRuleCosts(schema, path, resourceRoot);
  for (const e of estimates) {
    const total = e.cost * e.cardinality;
    if (total > perRuleCostLimit) {
      const times = e.cardinality > 1 ? ` × ${format(e.cardinality)} evaluations` : '';
      throw new CrdError(
        'CEL_COST',
        e.at,
        `the estimated cost of ${JSON.stringify(e.expression)} is ${format(e.cost)}${times} = ${format(total)}, above the API server's limit of ${format(perRuleCostLimit)} per rule${advice(e.notes)}`,
      );
    }
  }
  const total = estimates.reduce((sum, e) => sum + e.cost * e.cardinality, 0);
  if (total > perCrdCostLimit) {
    const top = [...estimates].sort((a, b) => b.cost * b.cardinality - a.cost * a.cardinality).slice(0, 3);
    const notes = [...new Set(top.flatMap((e) => e.notes))];
    throw new CrdError(
      'CEL_COST',
      path,
      `the CEL rules' estimated cost adds up to ${format(total)}, above the API server's limit of ${format(perCrdCostLimit)} per CRD; the largest: ${top.map((e) => `${e.at} (${format(e.cost * e.cardinality)})`).join(', ')}${advice(notes)}`,
    );
  }
}

/** The estimated cost of every rule under `schema`; throws only for rules that name fields the schema lacks. */
export function estimateRuleCosts(schema: StructuralSchema, path: string, resourceRoot = false): RuleCostEstimate[] {
  const out: RuleCostEstimate[] = [];
  walk(schema, path, 1, [], resourceRoot, out);
  return out;
}

function advice(notes: string[]): string {
  return notes.length > 0
    ? `. Unbounded: ${notes.join('; ')}. Add maxItems, maxProperties or maxLength there, or simplify the rule`
    : '. Lower maxItems, maxProperties or maxLength of what the rule walks, or simplify the rule';
}

/** How many times a node under a list or map can occur in one object (the server's MaxCardinality). */
function repetitions(schema: StructuralSchema, child: StructuralSchema, path: string): { times: number; note?: string } {
  const bound = schema.type === 'array' ? schema.maxItems : schema.maxProperties;
  if (bound !== undefined) return { times: bound };
  const times = Math.floor(maxRequestBytes / (minSerializedSize(child) + 1));
  const what = schema.type === 'array' ? 'maxItems' : 'maxProperties';
  return { times, note: `${path} has no ${what}, so a rule below it may run ${times.toLocaleString('en-US')} times` };
}

function walk(
  schema: StructuralSchema,
  path: string,
  cardinality: number,
  cardinalityNotes: string[],
  resourceRoot: boolean,
  out: RuleCostEstimate[],
): void {
  (schema['x-kubernetes-validations'] ?? []).forEach((validation, i) => {
    const at = `${path === '' ? '' : `${path} `}x-kubernetes-validations[${i}]`;
    const self = valueOf(schema, path, resourceRoot);
    for (const expression of [validation.rule, validation.messageExpression]) {
      if (expression === undefined) continue;
      let parsed;
      try {
        parsed = parseCel(expression);
      } catch {
        continue; // syntax this parser does not know: the API server will judge it
      }
      const { cost, notes } = estimateCost(parsed, self, at);
      out.push({ at, expression, cost, cardinality, notes: [...cardinalityNotes, ...notes] });
    }
  });
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    walk(child, propertyPath(path, name), cardinality, cardinalityNotes, child['x-kubernetes-embedded-resource'] === true, out);
  }
  const nested: Array<[StructuralSchema | undefined, string]> = [
    [schema.items, itemsPath(path)],
    [isRecord(schema.additionalProperties) ? schema.additionalProperties : undefined, valuesPath(path)],
  ];
  for (const [child, childPath] of nested) {
    if (!child) continue;
    const { times, note } = repetitions(schema, child, path);
    walk(
      child,
      childPath,
      cardinality * times,
      note ? [...cardinalityNotes, note] : cardinalityNotes,
      child['x-kubernetes-embedded-resource'] === true,
      out,
    );
  }
}
