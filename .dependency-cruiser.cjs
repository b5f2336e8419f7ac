// Which layer may import which (docs/architecture.md draws the layers). `npm run lint` runs this
// over cli/, sim/, server/ and scripts/; an import that breaks a rule fails the lint, naming the
// rule and both files. Tests may import anything.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "nothing-imports-cli",
      comment: "cli/ is the top: it wires the simulator and the server together, and nothing below it may depend on it.",
      severity: "error",
      from: { path: "^(sim|server|scripts)/" },
      to: { path: "^cli/" },
    },
    {
      name: "sim-never-imports-server",
      comment: "The simulator runs without the HTTP server; the server builds on the simulator, never the reverse.",
      severity: "error",
      from: { path: "^sim/" },
      to: { path: "^server/" },
    },
    {
      name: "protocol-imports-no-layer",
      comment: "sim/protocol/ is the market's vocabulary, used by every layer: it imports none of them.",
      severity: "error",
      from: { path: "^sim/protocol/" },
      to: { path: "^(cli|server|scripts|sim/(?!protocol/))" },
    },
    {
      name: "memory-model-not-chain",
      comment: "The memory model is an independent re-implementation of the contract, its cross-check: it knows the protocol, never the chain plumbing.",
      severity: "error",
      from: { path: "^sim/ledger/memory" },
      to: { path: "^sim/chain/" },
    },
    {
      name: "scenario-not-chain",
      comment: "A scenario is data about a market; reading one needs no chain.",
      severity: "error",
      from: { path: "^sim/scenario/" },
      to: { path: "^sim/chain/" },
    },
    {
      name: "one-run-knows-no-experiment",
      comment: "An experiment is many runs of simulate(): the run path beneath it never depends on experiments.",
      severity: "error",
      from: { path: "^sim/(?!experiment/)" },
      to: { path: "^sim/experiment/" },
    },
    {
      name: "statistics-are-pure",
      comment: "The experiment's statistics are pure functions over numbers (tested against tables): only the distributions library and types.",
      severity: "error",
      from: { path: "^sim/experiment/statistics\\.ts$" },
      to: { path: "^(?!node_modules/jstat/|sim/experiment/types\\.ts$)" },
    },
    {
      name: "no-unresolvable",
      comment: "An import that resolves to nothing is a typo or a missing file.",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|artifacts|cache|types|build|runs)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"], extensions: [".ts", ".js", ".mjs", ".json"] },
  },
};
