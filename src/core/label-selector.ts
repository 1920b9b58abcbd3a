import { CapstanError } from './errors.ts';

/** One requirement of a {@link LabelSelector} (`metav1.LabelSelectorRequirement`). */
export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

/**
 * `metav1.LabelSelector`: every `matchLabels` pair and every `matchExpressions` requirement must hold.
 *
 * @example
 * ```ts
 * import type { LabelSelector } from 'capstan/core';
 * const managed: LabelSelector = {
 *   matchLabels: { 'app.kubernetes.io/managed-by': 'capstan' },
 *   matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'api'] }],
 * };
 * ```
 */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** A selector given as its API string form, as a structured selector, or as plain `key: value` pairs. */
export type LabelSelectorInput = string | LabelSelector;

/** A selector that cannot be expressed; the message names the requirement to fix. */
export class LabelSelectorError extends CapstanError<'INVALID_LABEL_SELECTOR'> {}

/**
 * The API string form of a selector (`labelSelector=` query parameter), e.g.
 * `app=web,tier in (api,web),!legacy`. A string is passed through unchanged.
 *
 * @example
 * ```ts
 * import { formatLabelSelector } from 'capstan/core';
 * formatLabelSelector({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'legacy', operator: 'DoesNotExist' }] });
 * // 'app=web,!legacy'
 * ```
 */
export function formatLabelSelector(selector: LabelSelectorInput): string {
  if (typeof selector === 'string') return selector;
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const req of selector.matchExpressions ?? []) {
    const values = [...(req.values ?? [])].sort();
    switch (req.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) {
          throw new LabelSelectorError('INVALID_LABEL_SELECTOR', `label selector: "${req.key} ${req.operator}" needs at least one value`);
        }
        parts.push(`${req.key} ${req.operator === 'In' ? 'in' : 'notin'} (${values.join(',')})`);
        break;
      case 'Exists':
        parts.push(req.key);
        break;
      case 'DoesNotExist':
        parts.push(`!${req.key}`);
        break;
    }
  }
  return parts.join(',');
}

/**
 * Whether `labels` satisfy a structured selector, with the API server's semantics (an empty selector
 * matches everything; `NotIn` matches objects without the label).
 *
 * @example
 * ```ts
 * import { matchesLabelSelector } from 'capstan/core';
 * matchesLabelSelector({ app: 'web' }, { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] }); // true
 * ```
 */
export function matchesLabelSelector(labels: Record<string, string> | undefined, selector: LabelSelector): boolean {
  const have = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (have[k] !== v) return false;
  for (const req of selector.matchExpressions ?? []) {
    const present = Object.hasOwn(have, req.key);
    const value = have[req.key];
    switch (req.operator) {
      case 'In':
        if (!present || !(req.values ?? []).includes(value!)) return false;
        break;
      case 'NotIn':
        if (present && (req.values ?? []).includes(value!)) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
    }
  }
  return true;
}
