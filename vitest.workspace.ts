export default ["packages/*/vitest.config.ts", "test/vitest.config.ts"]
