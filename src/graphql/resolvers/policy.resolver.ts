import { GraphQLJSONObject } from "graphql-scalars";
import { Arg, Ctx, Int, Query, Resolver } from "type-graphql";
import { notFound } from "../../errors";
import type { JsonObject } from "../../exports/json";
import { policyVersionRow } from "../../persistence/policy-repository";
import { clientRecipients, wholePolicyOf } from "../../persistence/records-repository";
import { recordsOfProcessing } from "../../policy/records-of-processing";
import type { Organisation } from "../../policy/policy-document";
import { AdminOnly } from "../personal-data";
import { Controller } from "../types/controller.types";
import { LEGAL_BASES } from "../../domain/legal-bases";
import type { RequestContext } from "../context";
import { toProcessor, toPurpose } from "../mappers";
import { DataCategory, LegalBasis, Processor, Purpose } from "../types/policy.types";

/** The policy in force: what data exists, why it may be used, on which basis, and by whom. No personal data. */
@Resolver()
export class PolicyResolver {
  @Query(() => Int, { description: "Version of the policy in force; every change to the policy bumps it." })
  policyVersion(@Ctx() { app }: RequestContext): number {
    return app.policy.version;
  }

  @Query(() => Int, {
    description:
      "The age of digital consent the policy names (GDPR Art. 8(1)): a consent for a subject younger than this, by date of birth on the controller's calendar, is recorded only with a parental-consent reference.",
  })
  ageOfDigitalConsent(@Ctx() { app }: RequestContext): number {
    return app.policy.compiled.ageOfDigitalConsent;
  }

  @Query(() => [DataCategory], { description: "Every data category, ordered by key." })
  dataCategories(@Ctx() { app }: RequestContext): DataCategory[] {
    return app.policy.snapshot.categories.map((row) => Object.assign(new DataCategory(), row));
  }

  @Query(() => [Purpose], { description: "Every purpose, ordered by key, with its legal basis, grants and retention." })
  purposes(@Ctx() { app }: RequestContext): Purpose[] {
    return app.policy.snapshot.purposes.map((row) => toPurpose(row, app.policy.compiled));
  }

  @Query(() => [LegalBasis], { description: "The six lawful bases of GDPR Art. 6(1), in the article's order." })
  legalBases(): LegalBasis[] {
    return LEGAL_BASES.map((basis) => Object.assign(new LegalBasis(), basis));
  }

  @Query(() => Controller, {
    nullable: true,
    description:
      "The controller as the policy in force declares it (GDPR Art. 13(1)(a)–(b), 30(1)(a)); null for a policy stored before the controller was kept.",
  })
  controller(@Ctx() { app }: RequestContext): Controller | null {
    const organisation = app.policy.compiled.organisation;
    return organisation ? controllerOf(organisation) : null;
  }

  @AdminOnly()
  @Query(() => GraphQLJSONObject, {
    description:
      "A policy version whole, as in force from it: `{ version, loadedAt, changedBy, justification, policy }`, `policy` in the policy file's shape. ADMIN only. NOT_FOUND for a version that does not exist, or was stored before whole policies were kept.",
  })
  async policyAt(
    @Arg("version", () => Int, { description: "The policy version." }) version: number,
    @Ctx() { app }: RequestContext,
  ): Promise<JsonObject> {
    const row = await policyVersionRow(app.dataSource.manager, version);
    if (!row?.document) throw notFound(`No whole policy is stored for version ${version}`);
    return {
      version: row.version,
      loadedAt: row.loadedAt.toISOString(),
      changedBy: row.changedBy,
      justification: row.justification,
      policy: JSON.parse(JSON.stringify(row.document)) as JsonObject,
    };
  }

  @AdminOnly()
  @Query(() => GraphQLJSONObject, {
    description:
      "The records of processing (GDPR Art. 30(1)) as of a policy version (the one in force when omitted): the controller and, per purpose, its legal basis, data subjects, categories of personal data, recipients (the roles and kinds of the clients that may receive its data, its processors, and the third parties it is disclosed to with the person's consent), transfers to third countries with their safeguard, erasure time limit and security measures — generated from the same compiled policy enforcement uses. Recipients are today's clients, as that version's rules let them receive. ADMIN only; NOT_FOUND for a version whose whole policy was not kept.",
  })
  async recordsOfProcessing(
    @Arg("asOfVersion", () => Int, { nullable: true, description: "The policy version; the one in force when omitted." })
    asOfVersion: number | null | undefined,
    @Ctx() { app }: RequestContext,
  ): Promise<JsonObject> {
    // An omitted argument arrives as undefined: the version in force.
    const whole = await wholePolicyOf(app.dataSource.manager, asOfVersion ?? null);
    if (!whole) throw notFound(`No whole policy is stored for version ${asOfVersion ?? "in force"}`);
    const records = recordsOfProcessing(whole.document, whole.version, await clientRecipients(app.dataSource.manager));
    return JSON.parse(JSON.stringify(records)) as JsonObject;
  }

  @Query(() => [Processor], { description: "Every processor (GDPR Art. 28), ordered by name." })
  processors(@Ctx() { app }: RequestContext): Processor[] {
    return app.policy.snapshot.processors.map(toProcessor);
  }
}

/** The controller as the policy declares it, with nothing the file leaves out invented. */
function controllerOf(organisation: Organisation): Controller {
  const stored: Partial<Organisation> = organisation;
  const officer = stored.dataProtectionOfficer;
  const authority = organisation.supervisoryAuthority;
  return {
    name: organisation.name,
    country: organisation.country,
    registrationNumber: stored.registrationNumber ?? null,
    address: organisation.address ?? null,
    email: organisation.email ?? null,
    phone: organisation.phone ?? null,
    dataProtectionOfficerAppointed: typeof officer === "object",
    dataProtectionOfficer:
      typeof officer === "object"
        ? { name: officer.name, email: officer.email ?? null, phone: officer.phone ?? null, address: officer.address ?? null }
        : null,
    supervisoryAuthority: authority
      ? {
          name: authority.name,
          country: authority.country,
          address: authority.address ?? null,
          website: authority.website ?? null,
          email: authority.email ?? null,
          phone: authority.phone ?? null,
        }
      : null,
    noticeVersion: organisation.noticeVersion,
    timeZone: organisation.timeZone,
  };
}
