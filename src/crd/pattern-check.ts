// The API server compiles `pattern` with Go's regexp package (RE2 syntax): no lookaround, no
// backreferences, no atomic groups. A pattern JavaScript accepts may still be refused there, so the
// converter looks for those constructs before the server does.
import { CrdError } from './errors.ts';

const unsupported: ReadonlyArray<[RegExp, string]> = [
  [/\(\?[=!]/, 'lookahead ((?=…) / (?!…))'],
  [/\(\?<[=!]/, 'lookbehind ((?<=…) / (?<!…))'],
  [/\(\?>/, 'atomic groups ((?>…))'],
  [/\\[1-9]/, 'backreferences (\\1 …)'],
  [/\\k</, 'named backreferences (\\k<…>)'],
  [/[*+?}]\+/, 'possessive quantifiers (*+, ++, ?+)'],
];

/** Refuse a pattern the API server cannot compile; returns it unchanged otherwise. */
export function checkPattern(pattern: unknown, path: string): string {
  if (typeof pattern !== 'string') throw new CrdError('PATTERN', path, 'pattern must be a string');
  const source = pattern.replace(/\\\\/g, '');
  for (const [construct, name] of unsupported) {
    if (construct.test(source)) {
      throw new CrdError(
        'PATTERN',
        path,
        `pattern ${JSON.stringify(pattern)} uses ${name}, which Go's RE2 engine (used by the API server) does not support; rewrite it, or check the value with a CEL rule`,
      );
    }
  }
  compilePattern(pattern, path);
  return pattern;
}

/** Compile a pattern as the default checker uses it; refuses what does not parse at all. */
export function compilePattern(pattern: string, path: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch (cause) {
    throw new CrdError('PATTERN', path, `pattern ${JSON.stringify(pattern)} does not compile: ${(cause as Error).message}`, { cause });
  }
}
