/**
 * The layer rule, run by `npm run lint` (`npm run lint:layers` alone).
 *
 * src/ is a stack of layers that follows the data: what comes in, what it
 * becomes, what goes out, and the agent and command line on top. A module may
 * import from its own folder and from the layers below its own, never above.
 * Type-only imports count (they are what makes a newcomer read upwards).
 * No import cycle is allowed, inside a folder either.
 */

/** Low to high; each entry is one layer, named by its folder. */
const LAYERS = [
  ['errors', '^src/errors\\.ts$'],
  ['common', '^src/common/'],
  ['proto', '^src/proto/'],
  ['canonical', '^src/canonical/'],
  ['resources', '^src/resources/'],
  // in: what the proxy runs and what it should run
  ['envoy-admin', '^src/envoy-admin/'],
  ['declared', '^src/declared/'],
  ['control-plane', '^src/control-plane/'],
  // middle: what the two sides make together
  ['compare', '^src/compare/'],
  ['report', '^src/report/'],
  // out
  ['events', '^src/events/'],
  ['journal', '^src/journal/'],
  ['formats', '^src/formats/'],
  ['sinks', '^src/sinks/'],
  ['pipeline', '^src/pipeline/'],
  ['remediation', '^src/remediation/'],
  // on top
  ['agent', '^src/agent/'],
  ['cli', '^src/cli/'],
];

const layerRules = LAYERS.slice(0, -1).map(([name, path], i) => {
  const above = LAYERS.slice(i + 1);
  return {
    name: `layer-${name}`,
    comment: `${name} may not import ${above.map(([n]) => n).join(', ')} (layers above it; see README, Layout)`,
    severity: 'error',
    from: { path },
    to: { path: above.map(([, p]) => `(${p})`).join('|') },
  };
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import cycle, type-only imports included: move what both sides need one layer down.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'layer-unknown-folder',
      comment: 'Every folder of src/ has a place in LAYERS (.dependency-cruiser.cjs) and in the README Layout.',
      severity: 'error',
      from: { path: '^src/', pathNot: LAYERS.map(([, p]) => `(${p})`).join('|') },
      to: {},
    },
    ...layerRules,
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
  },
};
