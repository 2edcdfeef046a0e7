/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
  setupFiles: ["reflect-metadata"],
  // PGlite takes seconds to start; each test file starts one database and shares it.
  testTimeout: 60_000,
  // PGlite's WASM files are loaded with a dynamic import, which jest allows only under --experimental-vm-modules.
  maxWorkers: process.env.DATABASE_URL ? "50%" : 1,
};
