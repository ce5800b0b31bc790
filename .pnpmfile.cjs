// pnpm hooks. beforePacking shapes the package.json that goes into a published tarball (pnpm pack,
// pnpm publish, and so `changeset publish`): see tooling/release/published-manifest.cjs.
module.exports = { hooks: { beforePacking: (manifest) => require("./tooling/release/published-manifest.cjs")(manifest) } };
