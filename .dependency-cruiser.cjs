// The layer rules of CONTRIBUTING.md ("Layout rules"), checked by `npm run lint` (dependency-cruiser).
// Arrows point down: consensus ← storage ← chain ← mempool/mining ← p2p/api ← node ← cli, with crypto
// beside storage (it needs only consensus). Each layer below lists what it MAY import of ours; anything
// else of ours (src/, wallet/, scripts/, test/) is an error. Type-only imports count too: an arrow is an
// arrow whether or not it survives compilation.

/** Path patterns for the folders of src/. `util` includes src/polyfill.ts, which imports nothing. */
const L = {
  consensus: 'src/consensus/',
  util: 'src/util/|src/polyfill\\.ts$',
  storage: 'src/storage/',
  chain: 'src/chain/',
  crypto: 'src/crypto/',
  mempool: 'src/mempool/',
  mining: 'src/mining/',
  p2p: 'src/p2p/',
  api: 'src/api/',
  node: 'src/node/',
  cli: 'src/cli/',
  client: 'src/client/',
};
const any = (...layers) => `^(${layers.map((l) => L[l]).join('|')})`;
const OURS = '^(src|wallet|scripts|test|web)/';

/** A rule: modules of `layer` import nothing of ours outside `allowed` (and their own folder). */
function layer(name, allowed, comment) {
  return {
    name: `layer-${name}`,
    comment,
    severity: 'error',
    from: { path: any(name) },
    to: { path: OURS, pathNot: any(name, ...allowed) },
  };
}

/** The npm packages consensus may use: pure hashing, signatures and bech32, no I/O. */
const PURE_PACKAGES = ['@noble/hashes', '@noble/secp256k1', '@scure/base'];

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A cycle makes two modules one: split out what both need, or pass it in.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that does not resolve is a typo or a missing dependency.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    layer('consensus', [], 'src/consensus is the bottom: it imports nothing of ours outside itself.'),
    {
      name: 'consensus-is-pure',
      comment:
        'src/consensus is pure (no I/O, clock, globals or async): no node: builtins and no npm package ' +
        `except ${PURE_PACKAGES.join(', ')}.`,
      severity: 'error',
      from: { path: any('consensus') },
      to: {
        pathNot: [any('consensus'), `^node_modules/(${PURE_PACKAGES.join('|')})/`],
      },
    },
    layer(
      'util',
      [],
      'src/util (and src/polyfill.ts) sit below everything they serve: they import no layer.',
    ),
    layer('storage', ['consensus', 'util'], 'storage → consensus (and util).'),
    layer('chain', ['storage', 'consensus', 'util'], 'chain → storage, consensus, util.'),
    layer('crypto', ['consensus', 'util'], 'crypto → consensus, util.'),
    layer('mempool', ['chain', 'storage', 'consensus', 'util'], 'mempool → chain and below.'),
    layer('mining', ['chain', 'storage', 'consensus', 'util'], 'mining → chain and below.'),
    layer(
      'p2p',
      ['mempool', 'mining', 'chain', 'crypto', 'storage', 'consensus', 'util'],
      'p2p → mempool/mining/chain/crypto/storage/consensus/util; never the API.',
    ),
    layer(
      'api',
      ['mempool', 'mining', 'chain', 'crypto', 'storage', 'consensus', 'util'],
      'api → mempool/mining/chain/crypto/storage/consensus/util; never p2p.',
    ),
    {
      name: 'layer-node',
      comment: 'src/node wires every service together: it may import all of src/ (except the CLI, below).',
      severity: 'error',
      from: { path: any('node') },
      to: { path: OURS, pathNot: '^src/' },
    },
    {
      name: 'node-not-to-cli',
      comment: 'src/node sits below the CLI.',
      severity: 'error',
      from: { path: any('node') },
      to: { path: any('cli') },
    },
    {
      name: 'layer-cli',
      comment: 'src/cli may use anything in src/ (and nothing outside it).',
      severity: 'error',
      from: { path: any('cli') },
      to: { path: OURS, pathNot: '^src/' },
    },
    layer('client', ['consensus', 'util'], 'src/client (the HTTP client of both CLIs) → consensus, util.'),
    {
      name: 'layer-wallet',
      comment:
        'wallet/ talks to a node over HTTP: of ours it imports only src/consensus, src/util and the shared ' +
        'client in src/client.',
      severity: 'error',
      from: { path: '^wallet/' },
      to: { path: OURS, pathNot: ['^wallet/', any('consensus', 'util', 'client')] },
    },
    {
      name: 'layer-web',
      comment:
        'web/ is the dashboard page, built for a browser (into dist/web/): of ours it imports only the pure ' +
        'src/consensus.',
      severity: 'error',
      from: { path: '^web/' },
      to: { path: OURS, pathNot: ['^web/', any('consensus')] },
    },
    {
      name: 'shipped-not-to-web',
      comment: 'The node and the wallet serve the built page as files; they never import its sources.',
      severity: 'error',
      from: { path: '^(src|wallet)/' },
      to: { path: '^web/' },
    },
    {
      name: 'src-not-to-wallet',
      comment: 'The node does not depend on the wallet.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^wallet/' },
    },
    {
      name: 'nothing-imports-scripts-or-test',
      comment:
        'src/ and wallet/ ship; scripts/ and test/ do not, so shipped code never imports them. scripts/ ' +
        'imports test/ only for the benchmarks, which reuse the test fixtures (scripts/bench/).',
      severity: 'error',
      from: { path: '^(src|wallet)/' },
      to: { path: '^(scripts|test)/' },
    },
    {
      name: 'scripts-not-to-test',
      comment:
        'Only the benchmarks (scripts/bench/) and the soak (scripts/soak/, which runs the same fuzz properties as the tests) reuse test code.',
      severity: 'error',
      from: { path: '^scripts/', pathNot: '^scripts/(bench|soak)/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // `depcruise .` walks the repository: not the build output or a devnet's datadirs.
    exclude: { path: '^(dist|coverage|\\.devnet)/' },
    // `import type` counts: the layers are about what a module knows, not what survives compilation.
    tsPreCompilationDeps: true,
    // NodeNext: `./x.js` in a .ts file names ./x.ts (dependency-cruiser resolves it like tsc does).
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
