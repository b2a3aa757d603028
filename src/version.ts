/** The npm package version (kept equal to package.json by __test__/package.spec.ts). */
export const VERSION = '0.1.0'
