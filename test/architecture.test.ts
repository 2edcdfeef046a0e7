import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

/**
 * Dependencies point one way (docs/architecture.md): domain ← policy (pure) ← persistence ←
 * auth/audit/enforcement ← graphql ← server/cli. Shared foundations (errors, config, logging) sit
 * at the bottom. This test reads every import in src and fails on one that points upward.
 */

const SRC = path.resolve(__dirname, "../src");

/** Each top-level folder or file of src and its layer; a module may import its own layer or a lower one. */
const LAYERS: Record<string, number> = {
  domain: 0,
  "errors.ts": 0,
  "config.ts": 0,
  logging: 0,
  policy: 1,
  persistence: 2,
  auth: 3,
  audit: 3,
  enforcement: 3,
  exports: 3,
  retention: 3,
  graphql: 4,
  server: 5,
  cli: 5,
  "main.ts": 6,
};

/** I/O the pure policy layer may not touch. */
const IMPURE = /^(node:|fs$|path$|pg$|typeorm|@electric-sql|typeorm-pglite|proper-lockfile)/;

function sourceFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const full = path.join(directory, name);
    return statSync(full).isDirectory() ? sourceFiles(full) : full.endsWith(".ts") ? [full] : [];
  });
}

function layerOf(file: string): string {
  return path.relative(SRC, file).split(path.sep)[0] ?? "";
}

function resolveImport(from: string, specifier: string): string | null {
  if (!specifier.startsWith(".")) return null;
  const base = path.resolve(path.dirname(from), specifier);
  const candidate = [`${base}.ts`, path.join(base, "index.ts")].find(existsSync);
  return candidate ?? base;
}

const imports = sourceFiles(SRC).flatMap((file) =>
  ts.preProcessFile(readFileSync(file, "utf8"), true, true).importedFiles.map((imported) => ({ file, specifier: imported.fileName })),
);

describe("the import graph", () => {
  it("knows the layer of every part of src", () => {
    const unknown = [...new Set(sourceFiles(SRC).map(layerOf))].filter((layer) => !(layer in LAYERS));
    expect(unknown).toEqual([]);
    expect(imports.length).toBeGreaterThan(200);
  });

  it("has no import that points upward", () => {
    const upward = imports.flatMap(({ file, specifier }) => {
      const target = resolveImport(file, specifier);
      if (target === null) return [];
      const [from, to] = [layerOf(file), layerOf(target)];
      return (LAYERS[to] ?? 99) > (LAYERS[from] ?? -1) ? [`${path.relative(SRC, file)} → ${path.relative(SRC, target)}`] : [];
    });
    expect(upward).toEqual([]);
  });

  it("keeps src/policy pure: no file system, no database", () => {
    const impure = imports
      .filter(({ file, specifier }) => layerOf(file) === "policy" && IMPURE.test(specifier))
      .map(({ file, specifier }) => `${path.relative(SRC, file)} imports ${specifier}`);
    expect(impure).toEqual([]);
  });

  it("catches an upward import when there is one (the check itself can fail)", () => {
    const sample = ts.preProcessFile(`import { x } from "../graphql/schema";`, true, true).importedFiles[0]!;
    const from = path.join(SRC, "policy/engine.ts");
    const target = resolveImport(from, sample.fileName)!;
    expect(LAYERS[layerOf(target)]).toBeGreaterThan(LAYERS[layerOf(from)]!);
  });

  it("cites only files that exist: every docs/, src/, test/ or policy/ path named in src, test, policy and docs", () => {
    const ROOT = path.resolve(__dirname, "..");
    const texts = [
      ...sourceFiles(SRC),
      ...sourceFiles(path.join(ROOT, "test")).filter((file) => file !== __filename),
      path.join(ROOT, "policy/clubmium.policy.yaml"),
      path.join(ROOT, "docs/architecture.md"),
      path.join(ROOT, "docs/policy.md"),
    ];
    const cited = texts.flatMap((file) =>
      [...readFileSync(file, "utf8").matchAll(/\b(?:docs|src|test|policy)\/[\w./-]+\.(?:md|ts|yaml|txt)\b/g)].map((match) => ({
        file,
        cited: match[0],
      })),
    );
    expect(cited.length).toBeGreaterThan(20);
    const missing = cited
      .filter(({ cited }) => !existsSync(path.join(ROOT, cited)))
      .map(({ file, cited }) => `${path.relative(ROOT, file)} cites ${cited}`);
    expect(missing).toEqual([]);
  });
});
