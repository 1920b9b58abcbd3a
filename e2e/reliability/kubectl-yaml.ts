// YAML that kubectl reads back exactly as written, whatever the strings hold. kubectl parses YAML with
// go-yaml, which mixes YAML 1.1 and 1.2: it reads `yes`, `on`, `1_000` (1.1) and `0o17` (1.2) as booleans
// and numbers, refuses raw DEL and C1 controls, and takes a raw U+0085, U+2028 or U+2029 for a line break
// (folded to a space inside quotes). The `yaml` package's stringify, in either version, writes some of
// these as they are (it escapes only what JSON.stringify escapes), so strings are written through its own
// string tag, with two changes: a string that is not a string to some YAML version is double-quoted, and a
// string with one of those characters is double-quoted with them escaped.
import { parse, Scalar, stringify, type ScalarTag } from 'yaml';

const stringTag = 'tag:yaml.org,2002:str';
/** Not printable in YAML (DEL, C1), or a line break to YAML 1.1; C0 controls are already escaped by the package. */
const unsafeRaw = /[\u007F-\u009F\u2028\u2029]/u;

function escapedDoubleQuoted(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (code < 0x20 || unsafeRaw.test(ch)) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** True when `value`, written plain, would be read as something else than this string by YAML 1.1 or 1.2 (multi-line values go in block scalars, which are always strings). */
function ambiguousPlain(value: string): boolean {
  return (['1.1', '1.2'] as const).some((version) => {
    try {
      return parse(value, { version, logLevel: 'silent' }) !== value;
    } catch {
      return true;
    }
  });
}

function kubectlSafe(tag: ScalarTag): ScalarTag {
  const base = tag.stringify!;
  return {
    ...tag,
    stringify(item, ctx, onComment, onChompKeep) {
      const value = String(item.value);
      if (unsafeRaw.test(value)) return escapedDoubleQuoted(value);
      if (!ctx.implicitKey && !value.includes('\n') && ambiguousPlain(value)) item.type = Scalar.QUOTE_DOUBLE;
      return base(item, ctx, onComment, onChompKeep);
    },
  };
}

/** A multi-document YAML stream of `objects` for `kubectl apply -f -`. */
export function kubectlYaml(objects: readonly object[]): string {
  return objects
    .map((object) =>
      stringify(object, {
        version: '1.1',
        lineWidth: 0,
        customTags: (tags) =>
          tags.map((tag) => (typeof tag === 'object' && tag.tag === stringTag && tag.collection === undefined ? kubectlSafe(tag) : tag)),
      }),
    )
    .join('---\n');
}
