// The CEL rules of a whole schema against the API server's cost limits. A rule's cost depends on the
// sizes of what it walks and on how many times it runs (a rule on the items of a list runs once per
// item), so this walk carries the node's cardinality down from the root, as the server does.
import { estimateCost, minSerializedSize, maxRequestBytes, perCrdCostLimit, perRuleCostLimit, valueOf } from './cel-cost.ts';
import { parseCel } from './cel-parse.ts';
import { CrdError, itemsPath, propertyPath, valuesPath } from './errors.ts';
import { isRecord, type StructuralSchema } from './structural-schema.ts';

interface Contribution {
  at: string;
  rule: string;
  cost: number;
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
  const contributions: Contribution[] = [];
  walk(schema, path, 1, [], resourceRoot, contributions);
  const total = contributions.reduce((sum, c) => sum + c.cost, 0);
  if (total > perCrdCostLimit) {
    const top = [...contributions].sort((a, b) => b.cost - a.cost).slice(0, 3);
    const notes = [...new Set(top.flatMap((c) => c.notes))];
    throw new CrdError('CEL_COST', path, `the CEL rules' estimated cost adds up to ${format(total)}, above the API server's limit of ${format(perCrdCostLimit)} per CRD; the largest: ${top.map((c) => `${c.at} (${format(c.cost)})`).join(', ')}${advice(notes)}`);
  }
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

function walk(schema: StructuralSchema, path: string, cardinality: number, cardinalityNotes: string[], resourceRoot: boolean, out: Contribution[]): void {
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
      const total = cost * cardinality;
      const allNotes = [...cardinalityNotes, ...notes];
      if (total > perRuleCostLimit) {
        const times = cardinality > 1 ? ` × ${format(cardinality)} evaluations` : '';
        throw new CrdError('CEL_COST', at, `the estimated cost of ${JSON.stringify(expression)} is ${format(cost)}${times} = ${format(total)}, above the API server's limit of ${format(perRuleCostLimit)} per rule${advice(allNotes)}`);
      }
      out.push({ at, rule: expression, cost: total, notes: allNotes });
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
    walk(child, childPath, cardinality * times, note ? [...cardinalityNotes, note] : cardinalityNotes, child['x-kubernetes-embedded-resource'] === true, out);
  }
}
