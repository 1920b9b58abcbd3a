// The layer table of ../shared/DESIGN.md as ESLint rules: each folder under src/ may import only the
// layers listed for it. Imports are matched by regular expression so that relative paths
// (`../cache/store.ts`), `src/`-prefixed paths and the package's own name (`capstan/cache`) are all caught.

/** Which Capstan layers each layer may import (besides itself and src/internal). */
export const layerImports = {
  core: [],
  internal: ['core'],
  kinds: ['core'],
  client: ['core'],
  watch: ['core', 'kinds', 'client'],
  cache: ['core', 'kinds', 'watch'],
  queue: ['core'],
  finalizer: ['core', 'client'],
  events: ['core', 'client', 'kinds'],
  conditions: ['core', 'client'],
  leader: ['core', 'client', 'kinds'],
  metrics: ['core', 'client'],
  controller: ['core', 'kinds', 'client', 'cache', 'queue', 'events', 'conditions', 'finalizer', 'metrics'],
  manager: [
    'core',
    'kinds',
    'client',
    'watch',
    'cache',
    'queue',
    'finalizer',
    'events',
    'conditions',
    'leader',
    'metrics',
    'controller',
    'webhook',
  ],
  webhook: ['core', 'kinds', 'client', 'controller'],
  crd: ['core', 'kinds'],
  manifests: ['core', 'kinds', 'crd'],
  testing: null,
  cli: null,
};

const allLayers = Object.keys(layerImports);

/** A regex matching an import of any of `layers` through a relative path, `src/` or the package name. */
function importOf(layers) {
  const names = layers.join('|');
  return `^(?:(?:\\.\\./)+(?:src/)?|capstan/|(?:\\.\\./)*src/)(?:${names})(?:/|\\.[cm]?[jt]s$|$)`;
}

/** One flat-config object per layer with its forbidden imports. */
export const layerRules = Object.entries(layerImports)
  .filter(([, allowed]) => allowed !== null)
  .map(([layer, allowed]) => {
    const forbidden = allLayers.filter((l) => l !== layer && l !== 'internal' && !allowed.includes(l));
    const rule = [
      'error',
      {
        patterns: [
          {
            regex: importOf(forbidden),
            message:
              `src/${layer}/ may import only ${['internal', ...allowed].join(', ')} ` +
              `(layer table in DESIGN.md): data flows client → watch → cache → queue → controller → manager.`,
          },
        ],
      },
    ];
    return { files: [`src/${layer}/**/*.ts`], rules: { 'no-restricted-imports': rule } };
  });

/** The examples use Capstan only through its public exports, as an outside user would. */
export const exampleRules = {
  files: ['examples/**/*.ts'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            // Three levels up or more leaves the example's own folder (examples/<name>/test/ → the repository).
            regex: '^(?:\\.\\./){3,}(?:src|dist)(?:/|$)',
            message: 'examples import Capstan by its package name (capstan, capstan/testing, ...), never from src/.',
          },
        ],
      },
    ],
  },
};
