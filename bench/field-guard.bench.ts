import "reflect-metadata";
import { readFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { execute, GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, parse } from "graphql";
import type { EntityManager } from "typeorm";
import { LegalBasisCode, RetentionAction, RetentionTrigger, SubjectStatus } from "../src/domain/policy-terms";
import { RequestAccess } from "../src/enforcement/request-access";
import { guardLoadedSubject } from "../src/graphql/guarded-types";
import { subjectValues } from "../src/graphql/mappers";
import { buildPurposeQLSchema } from "../src/graphql/schema";
import { DataSubject } from "../src/graphql/types/subject.types";
import type { DataSubjectRow } from "../src/persistence/entities";
import { noFacts } from "../src/persistence/subject-facts-repository";
import { compileDocument } from "../src/policy/compile-document";
import { CompiledPolicy } from "../src/policy/engine/compiled-policy";
import { parsePolicy } from "../src/policy/policy-file";

/**
 * What the field guard costs: one GraphQL execution of N subjects × 11 personal fields, over
 * plain objects (no checks) and over guarded objects (every field decided and recorded), in
 * one process, alternating, median of the runs. Reported as ratios to the unchecked run.
 * No database: this isolates the per-field path from I/O.
 */

const SUBJECTS = Number(process.env.BENCH_SUBJECTS ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const QUERY = parse(
  `{ subjects { id fullName email postalAddress phone dateOfBirth country consentedAt ipAddress browser operatingSystem device } }`,
);

async function main(): Promise<void> {
  const policyFile = path.resolve(__dirname, "../../policy/clubmium.policy.yaml");
  const clubmium = compileDocument(parsePolicy(policyFile, readFileSync(policyFile, "utf8")));
  // Clubmium has no purpose that reads all eleven fields; the bench adds one so "released" releases every field.
  const policy = new CompiledPolicy(clubmium.version, clubmium.categories, [
    ...clubmium.purposeKeys().map((key) => clubmium.purpose(key)!),
    {
      key: "bench.everything",
      parentKey: null,
      legalBasis: LegalBasisCode.LEGAL_OBLIGATION,
      legalReference: "the benchmark's own",
      answersRequests: true,
      neverGrants: [],
      showsAds: false,
      article9Condition: null,
      allowedUnderRestriction: false,
      consentAtRegistration: false,
      retention: { trigger: RetentionTrigger.SERVICE_ENDED, days: null, action: RetentionAction.ARCHIVE },
      grants: ["user"],
    },
  ]);
  // The schema as served: every personal field resolves through the guard. The baseline is the same
  // type with graphql-js's default resolvers, over plain objects: what serving costs with no checks.
  const guardedType = (await buildPurposeQLSchema()).getType("DataSubject") as GraphQLObjectType;
  const guardedConfig = guardedType.toConfig();
  const plainType = new GraphQLObjectType({
    ...guardedConfig,
    fields: Object.fromEntries(Object.entries(guardedConfig.fields).map(([name, field]) => [name, { ...field, resolve: undefined }])),
  });
  const now = new Date();
  const rows = Array.from({ length: SUBJECTS }, (_, index) => row(index, now));
  const facts = noFacts();
  const unusedManager = {} as EntityManager;

  const schemaOver = (subjectType: GraphQLObjectType, load: () => unknown[]): GraphQLSchema =>
    new GraphQLSchema({
      query: new GraphQLObjectType({
        name: "Query",
        fields: { subjects: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(subjectType))), resolve: load } },
      }),
    });

  const variants: Record<string, GraphQLSchema> = {
    "no checks (plain objects)": schemaOver(plainType, () => rows.map((r) => Object.assign(new DataSubject(), subjectValues(r, now)))),
    "guarded, every field released": schemaOver(guardedType, () => {
      const access = new RequestAccess("bench.everything", policy, unusedManager, now);
      return rows.map((r) => guardLoadedSubject(access, r, facts));
    }),
    "guarded, every field denied (consent missing)": schemaOver(guardedType, () => {
      const access = new RequestAccess("marketing.advertising", policy, unusedManager, now);
      return rows.map((r) => guardLoadedSubject(access, r, facts));
    }),
  };

  const timings = new Map<string, number[]>(Object.keys(variants).map((name) => [name, []]));
  for (let run = -2; run < RUNS; run += 1) {
    for (const [name, schema] of Object.entries(variants)) {
      const started = performance.now();
      const result = await execute({ schema, document: QUERY });
      const elapsed = performance.now() - started;
      if (!result.data) throw new Error(`${name} returned no data`);
      if (run >= 0) timings.get(name)?.push(elapsed);
    }
  }

  const medians = [...timings].map(([name, values]) => [name, median(values)] as const);
  const baseline = medians[0]![1];
  process.stdout.write(`field guard: ${SUBJECTS} subjects x 11 personal fields, median of ${RUNS} runs, node ${process.version}\n`);
  for (const [name, value] of medians) {
    const perField = ((value - baseline) * 1000) / (SUBJECTS * 11);
    process.stdout.write(
      `  ${name.padEnd(48)} ${value.toFixed(1).padStart(8)} ms  x${(value / baseline).toFixed(2)}  (${perField.toFixed(2)} µs/field over baseline)\n`,
    );
  }
}

function row(index: number, now: Date): DataSubjectRow {
  return {
    id: `00000000-0000-4000-8000-${String(index).padStart(12, "0")}`,
    seq: String(index + 1),
    fullName: `Person ${index}`,
    email: `person${index}@example.lv`,
    postalAddress: `Brīvības iela ${index}, Rīga`,
    phone: "+37120000000",
    dateOfBirth: "1990-01-01",
    country: "LV",
    consentedAt: now,
    ipAddress: "192.0.2.1",
    browser: "Firefox",
    operatingSystem: "Linux",
    device: "Desktop",
    status: SubjectStatus.ACTIVE,
    serviceActiveSince: now,
    serviceActiveUntil: null,
    createdAt: now,
    updatedAt: now,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
