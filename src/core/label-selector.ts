import { CapstanError } from './errors.ts';

/**
 * One requirement of a {@link LabelSelector} (`metav1.LabelSelectorRequirement`).
 *
 * @noExample One entry of {@link LabelSelector.matchExpressions}; the example of {@link LabelSelector} has one.
 */
export interface LabelSelectorRequirement {
  /** The label key the requirement is about. */
  key: string;
  /**
   * `In`: the label has one of `values`; `NotIn`: it has none of them, or the label is absent; `Exists` and
   * `DoesNotExist`: the label is there, whatever its value, or not.
   */
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  /** At least one value for `In` and `NotIn`; none for `Exists` and `DoesNotExist`. */
  values?: string[];
}

/**
 * `metav1.LabelSelector`: every `matchLabels` pair and every `matchExpressions` requirement must hold, so an
 * empty selector (`{}`) matches every object.
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
  /** Labels an object must carry, each with exactly this value. */
  matchLabels?: Record<string, string>;
  /** Requirements an object's labels must all meet. */
  matchExpressions?: LabelSelectorRequirement[];
}

/**
 * A selector given as its API string form (`app=web,!legacy`) or as a structured selector
 * (`{ matchLabels: { app: 'web' } }`); {@link formatLabelSelector} and {@link parseLabelSelector} turn either
 * into the other. A string is passed on as it is, for the API server to check.
 *
 * @example
 * ```ts
 * import { formatLabelSelector, type LabelSelectorInput } from 'capstan/core';
 * const selectors: LabelSelectorInput[] = ['app=web,!legacy', { matchLabels: { app: 'web' } }];
 * console.log(selectors.map((s) => formatLabelSelector(s))); // ['app=web,!legacy', 'app=web']
 * ```
 */
export type LabelSelectorInput = string | LabelSelector;

/**
 * A selector that cannot be expressed (`INVALID_LABEL_SELECTOR`): a set requirement with no values, or a string
 * that is not selector syntax. The message names the requirement to fix; retrying never helps.
 *
 * @example
 * ```ts
 * import { LabelSelectorError, parseLabelSelector } from 'capstan/core';
 * try {
 *   parseLabelSelector('tier in ()');
 * } catch (err) {
 *   if (err instanceof LabelSelectorError) console.log(err.message); // '… "tier in ()" has no values'
 * }
 * ```
 */
export class LabelSelectorError extends CapstanError<'INVALID_LABEL_SELECTOR'> {}

/**
 * The API string form of a selector (`labelSelector=` query parameter), e.g.
 * `app=web,tier in (api,web),!legacy`. A string is passed through unchanged.
 *
 * @throws {@link LabelSelectorError} for an `In` or `NotIn` requirement without values.
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

/**
 * A selector in its API string form (`app=web,tier in (api,web),!legacy`, as `kubectl -l` takes it) as a
 * structured one: `k=v` and `k==v` go to `matchLabels`, `k!=v` becomes `NotIn [v]`, `k in (…)`, `k notin (…)`,
 * `k` (Exists) and `!k` (DoesNotExist) to `matchExpressions`. A structured selector is returned as it is.
 *
 * @throws {@link LabelSelectorError} for a string that is not selector syntax, or a set with no values.
 *
 * @example
 * ```ts
 * import { parseLabelSelector } from 'capstan/core';
 * parseLabelSelector('app=web,tier in (api,web),!legacy');
 * // { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['api', 'web'] }, { key: 'legacy', operator: 'DoesNotExist' }] }
 * ```
 */
export function parseLabelSelector(selector: LabelSelectorInput): LabelSelector {
  if (typeof selector !== 'string') return selector;
  const matchLabels: Record<string, string> = {};
  const matchExpressions: LabelSelectorRequirement[] = [];
  // Commas separate requirements, except inside the parentheses of a set.
  for (const raw of selector.split(/,(?![^(]*\))/)) {
    const part = raw.trim();
    if (!part) continue;
    const set = /^([^\s!=(),]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
    const equality = /^([^\s!=(),]+)\s*(==|=|!=)\s*([^\s!=(),]*)$/.exec(part);
    const existence = /^(!?)\s*([^\s!=(),]+)$/.exec(part);
    if (set) {
      const values = set[3]!
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean);
      if (values.length === 0)
        throw new LabelSelectorError('INVALID_LABEL_SELECTOR', `label selector "${selector}": "${part}" has no values`);
      matchExpressions.push({ key: set[1]!, operator: set[2] === 'in' ? 'In' : 'NotIn', values });
    } else if (equality) {
      if (equality[2] === '!=') matchExpressions.push({ key: equality[1]!, operator: 'NotIn', values: [equality[3]!] });
      else matchLabels[equality[1]!] = equality[3]!;
    } else if (existence) {
      matchExpressions.push({ key: existence[2]!, operator: existence[1] ? 'DoesNotExist' : 'Exists' });
    } else {
      throw new LabelSelectorError(
        'INVALID_LABEL_SELECTOR',
        `label selector "${selector}": cannot read "${part}" (expected k=v, k!=v, k in (a,b), k notin (a,b), k or !k)`,
      );
    }
  }
  return {
    ...(Object.keys(matchLabels).length > 0 ? { matchLabels } : {}),
    ...(matchExpressions.length > 0 ? { matchExpressions } : {}),
  };
}
