// The layering rule, checked by `npm test` (npm run lint:deps): imports run one way,
// app/cli → bot → handlers → jobs → domain → core → config, with no cycle.
/* eslint-disable */
const layers = [
  ['config', '^src/config/'],
  ['core', '^src/core/'],
  ['domain', '^src/(kube|directory|auth|history|deploy|maintenance|monitor|sandbox|charts|commands|health|leader)/'],
  ['jobs', '^src/jobs/'],
  ['handlers', '^src/handlers/'],
  ['bot', '^src/bot/'],
  ['top', '^src/(app|cli|metrics)\\.ts$|^src/http/'],
];

const upward = layers.slice(0, -1).map(([name, path], i) => ({
  name: `no-upward-from-${name}`,
  comment: `${name} may not import from a layer above it (${layers
    .slice(i + 1)
    .map(([n]) => n)
    .join(', ')})`,
  severity: 'error',
  from: { path },
  to: {
    path: layers
      .slice(i + 1)
      .map(([, p]) => `(${p})`)
      .join('|'),
  },
}));

module.exports = {
  forbidden: [{ name: 'no-circular', severity: 'error', comment: 'import cycles', from: {}, to: { circular: true } }, ...upward],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
