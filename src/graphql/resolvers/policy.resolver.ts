import { Ctx, Int, Query, Resolver } from "type-graphql";
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

  @Query(() => [Processor], { description: "Every processor (GDPR Art. 28), ordered by name." })
  processors(@Ctx() { app }: RequestContext): Processor[] {
    return app.policy.snapshot.processors.map(toProcessor);
  }
}
