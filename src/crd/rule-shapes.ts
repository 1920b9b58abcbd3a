// The shape of each x-kubernetes-validations entry, checked as the API server checks it: a rule, a
// message without line breaks, a known reason, and a fieldPath that names a field below the rule's node.
// What the rule's CEL says is checked later, on the whole schema (cel-rules.ts), because its cost
// depends on the lists and maps around it.
import { CrdError } from './errors.ts';
import { isRecord, type StructuralSchema, type ValidationRule } from './structural-schema.ts';

const reasons: ReadonlySet<unknown> = new Set(['FieldValueInvalid', 'FieldValueForbidden', 'FieldValueRequired', 'FieldValueDuplicate']);
const ruleKeys: ReadonlySet<string> = new Set(['rule', 'message', 'messageExpression', 'reason', 'fieldPath', 'optionalOldSelf']);

/** Check the entries of `x-kubernetes-validations` on `node` (already converted) and return them. */
export function checkRuleShapes(entries: unknown, node: StructuralSchema, path: string): ValidationRule[] {
  if (!Array.isArray(entries)) throw new CrdError('VALIDATION_RULE', path, 'x-kubernetes-validations must be a list of rules');
  return entries.map((entry, i) => {
    const at = `${path === '' ? '' : `${path} `}x-kubernetes-validations[${i}]`;
    if (!isRecord(entry)) throw new CrdError('VALIDATION_RULE', at, 'a rule must be an object with a "rule" field');
    const unknown = Object.keys(entry).find((k) => !ruleKeys.has(k));
    if (unknown)
      throw new CrdError('VALIDATION_RULE', at, `"${unknown}" is not a field of a validation rule (${[...ruleKeys].join(', ')})`);
    const { rule, message, messageExpression, reason, fieldPath, optionalOldSelf } = entry;
    if (typeof rule !== 'string' || rule.trim() === '')
      throw new CrdError('VALIDATION_RULE', at, 'rule must be a non-empty CEL expression');
    const out: ValidationRule = { rule };
    if (message !== undefined) {
      if (typeof message !== 'string' || message.trim() === '')
        throw new CrdError('VALIDATION_RULE', at, 'message must be a non-empty string');
      if (/[\r\n]/.test(message)) throw new CrdError('VALIDATION_RULE', at, 'message must not contain line breaks');
      out.message = message;
    }
    if (messageExpression !== undefined) {
      if (typeof messageExpression !== 'string' || messageExpression.trim() === '')
        throw new CrdError('VALIDATION_RULE', at, 'messageExpression must be a non-empty CEL expression');
      out.messageExpression = messageExpression;
    }
    if (reason !== undefined) {
      if (!reasons.has(reason))
        throw new CrdError('VALIDATION_RULE', at, `reason ${JSON.stringify(reason)} is not one of ${[...reasons].join(', ')}`);
      out.reason = reason as ValidationRule['reason'];
    }
    if (fieldPath !== undefined) {
      if (typeof fieldPath !== 'string') throw new CrdError('VALIDATION_RULE', at, 'fieldPath must be a string');
      checkFieldPath(fieldPath, node, at);
      out.fieldPath = fieldPath;
    }
    if (optionalOldSelf !== undefined) {
      if (typeof optionalOldSelf !== 'boolean') throw new CrdError('VALIDATION_RULE', at, 'optionalOldSelf must be a boolean');
      out.optionalOldSelf = optionalOldSelf;
    }
    return out;
  });
}

/** fieldPath is `.a.b` or `['a.b']` steps through object fields and map keys; list indexes are not allowed. */
function checkFieldPath(fieldPath: string, node: StructuralSchema, at: string): void {
  const step = /^(?:\.([A-Za-z_][A-Za-z0-9_-]*)|\['((?:[^'\\]|\\.)*)'\])/;
  let rest = fieldPath;
  let current: StructuralSchema | undefined = node;
  if (rest === '') throw new CrdError('VALIDATION_RULE', at, 'fieldPath must not be empty');
  while (rest !== '') {
    const match = step.exec(rest);
    if (!match)
      throw new CrdError(
        'VALIDATION_RULE',
        at,
        `fieldPath ${JSON.stringify(fieldPath)} is not of the form .field.field or ['key'] (list indexes are not allowed)`,
      );
    const name = match[1] ?? match[2]?.replace(/\\(.)/g, '$1') ?? '';
    rest = rest.slice(match[0].length);
    if (current === undefined || current['x-kubernetes-preserve-unknown-fields']) return;
    if (current.type === 'array')
      throw new CrdError('VALIDATION_RULE', at, `fieldPath ${JSON.stringify(fieldPath)} steps into a list; point at the list itself`);
    if (isRecord(current.additionalProperties)) current = current.additionalProperties;
    else if (current.properties?.[name]) current = current.properties[name];
    else
      throw new CrdError('VALIDATION_RULE', at, `fieldPath ${JSON.stringify(fieldPath)} names no field: "${name}" is not a property here`);
  }
}
