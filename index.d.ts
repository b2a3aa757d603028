// embgeo's public type entry point (top-level index.d.ts, the napi-rs package convention): the
// TypeScript layer's declarations, built into dist/ by `npm run build:ts`. package.json's
// "exports" point import/require at dist/ and dist-cjs/ directly; this file serves tools that read
// the top-level "types" field. __test__/index-dts.spec.ts checks that it exports exactly what
// dist/index.d.ts exports.
export * from './dist/index.js'
