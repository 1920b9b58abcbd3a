// Strings that break naive serialisation, templating or terminals, each a valid spec.name (1 to maxNameLength
// code points). They travel as YAML through `kubectl apply`, are stored as JSON, read by the operator and
// written into a ConfigMap: every step must hand them on byte for byte.

/** `what` says why the value is awkward, for the failure message. */
export interface AwkwardString {
  what: string;
  value: string;
}

const entries: Array<[what: string, values: string[]]> = [
  [
    'non-Latin scripts',
    ['こんにちは世界', 'Привет, мир', 'Ελληνικά', 'नमस्ते दुनिया', '안녕하세요', '𝕳𝖊𝖑𝖑𝖔 (mathematical letters, outside the BMP)'],
  ],
  ['emoji', ['😀', '👩‍👩‍👧‍👦 (a ZWJ sequence)', '🇫🇷🇯🇵', '👍🏽', '❤️ (with a variation selector)', '🦀'.repeat(40)]],
  [
    'right-to-left text',
    ['שלום עולם', 'مرحبا بالعالم', 'hello עולם 123 world', 'abc \u202Edcba\u202C (a right-to-left override)', '\u200F\u05D0\u200E'],
  ],
  [
    'combining and invisible characters (never normalised)',
    ['e\u0301', '\u00E9', '\u212B', '\u00C5', 'zero\u200Bwidth', '\uFEFFa byte order mark', 'no\u00A0break', 'soft\u00ADhyphen'],
  ],
  [
    'newlines',
    [
      'line 1\nline 2',
      'a trailing newline\n',
      '\n\nleading newlines',
      'two trailing newlines\n\n',
      '\n',
      'crlf\r\nline',
      'carriage\rreturn',
      'line\u2028separator',
      'paragraph\u2029separator',
      'next\u0085line',
      '  indented\n    more\n',
    ],
  ],
  [
    'control characters',
    [
      '\u0000',
      'nul\u0000inside',
      '\u0001',
      'bell\u0007',
      'tab\there',
      '\t',
      'escape \u001B[31mred\u001B[0m',
      'delete\u007F',
      'unit separator\u001F',
      '\u0080\u009F (C1 controls)',
      'vertical\u000Btab',
      'form\u000Cfeed',
    ],
  ],
  ['templates', ['{{ .Values.name }}', '{{', '}}', '${HOME}', '$(echo pwned)', '`id`', '%s %d %n', '#{ruby}', '<%= erb %>', '{% raw %}']],
  [
    'markup and quoting',
    ['<script>alert(1)</script>', '&amp; &lt;', "'", '"', "''", '"quoted"', "it's", '\\', 'C:\\path\\n', '\\u0041', '\\n'],
  ],
  [
    'YAML 1.1 and 1.2 scalars that are not strings',
    [
      'yes',
      'no',
      'Yes',
      'NO',
      'on',
      'off',
      'y',
      'n',
      'true',
      'False',
      'null',
      'Null',
      'NULL',
      '~',
      '0x1F',
      '0o17',
      '017',
      '0b101',
      '1e3',
      '1_000',
      '+12',
      '-0',
      '.5',
      '1.',
      '.inf',
      '-.Inf',
      '.nan',
      '12:30:00',
      '2001-12-14',
      '2001-12-14t21:59:43.10-05:00',
    ],
  ],
  [
    'YAML indicators',
    [
      '-',
      '---',
      '...',
      '- item',
      ': ',
      'key: value',
      '#',
      '# comment',
      'a #b',
      '?',
      '? q',
      '@at',
      '!tag',
      '!!str',
      '&anchor',
      '*alias',
      '|',
      '>',
      '%TAG',
      '=',
      '<<',
      '{}',
      '[]',
      '{"a": 1}',
      ',',
    ],
  ],
  ['spaces', [' ', '   ', ' leading', 'trailing ', ' both ']],
];

/** Every awkward string, each once. */
export const awkwardStrings: readonly AwkwardString[] = entries.flatMap(([what, values]) => values.map((value) => ({ what, value })));
