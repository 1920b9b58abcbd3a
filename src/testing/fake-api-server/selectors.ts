// Which objects a list or watch selects: its label selector and its field selector (`metadata.name` and
// `metadata.namespace`, the fields every kind supports).
import { type KubeObject, type LabelSelector, matchesLabelSelector, parseLabelSelector } from '../../core/index.ts';

/** A field selector requirement: `field=value`, `field==value` or `field!=value`. */
interface FieldRequirement {
  readonly field: 'metadata.name' | 'metadata.namespace';
  readonly value: string;
  readonly equal: boolean;
}

/** A selector that the request spells wrong: answered with 400 BadRequest. */
export class SelectorError extends Error {}

/** The fields every kind can be selected by. */
const selectableFields = new Set(['metadata.name', 'metadata.namespace']);

/** Parse a `fieldSelector` query value; an unsupported field is a {@link SelectorError}, as the server's 400. */
export function parseFieldSelector(selector: string): FieldRequirement[] {
  const requirements: FieldRequirement[] = [];
  for (const raw of selector.split(',')) {
    const part = raw.trim();
    if (!part) continue;
    const match = /^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!match) throw new SelectorError(`invalid field selector: ${part}`);
    const field = match[1]!;
    if (!selectableFields.has(field)) throw new SelectorError(`field label not supported: ${field}`);
    requirements.push({ field: field as FieldRequirement['field'], value: match[3]!.trim(), equal: match[2] !== '!=' });
  }
  return requirements;
}

/** What a list or watch selects: both selectors must hold. */
export interface ObjectFilter {
  (object: KubeObject): boolean;
}

/** The filter of a request's `labelSelector` and `fieldSelector` query values (either may be absent). */
export function objectFilter(labelSelector: string | undefined, fieldSelector: string | undefined): ObjectFilter {
  let labels: LabelSelector;
  try {
    labels = parseLabelSelector(labelSelector ?? '');
  } catch (err) {
    throw new SelectorError((err as Error).message);
  }
  const fields = parseFieldSelector(fieldSelector ?? '');
  return (object) =>
    matchesLabelSelector(object.metadata.labels, labels) &&
    fields.every((r) => ((r.field === 'metadata.name' ? object.metadata.name : object.metadata.namespace) === r.value) === r.equal);
}
