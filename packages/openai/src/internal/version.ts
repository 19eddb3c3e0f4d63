/** The package version, sent in `User-Agent`. Kept in step with package.json by a test. */
export const version = "0.1.0"
