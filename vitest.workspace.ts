/** The vitest projects, read by `vitest.config.ts` as its `test.projects`. */
export default ["packages/*/vitest.config.ts", "test/vitest.config.ts"]
