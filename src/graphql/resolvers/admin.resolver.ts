import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import { changeGrant, PolicyChangeError } from "../../persistence/policy-repository";
import { grantViolation } from "../../policy/grant-rules";
import { statedText } from "../arguments";
import type { RequestContext } from "../context";
import { badUserInput } from "../../errors";
import { toPurpose } from "../mappers";
import { AdminOnly } from "../personal-data";
import { assertAuthorised } from "../roles";
import { Purpose } from "../types/policy.types";

/** Longest justification of a grant change. */
const JUSTIFICATION_MAX = 2_000;

/** The controller's tools: changes to the policy. ADMIN clients only. (The audit is read with READ_AUDIT: audit.resolver.ts.) */
@Resolver()
export class AdminResolver {
  @AdminOnly()
  @Mutation(() => Purpose, {
    description:
      "Grants a data category to a purpose (and so to its sub-purposes), as a new policy version in force from the next request. ADMIN only.",
  })
  async grantCategory(
    @Arg("purpose", { description: "Key of the purpose." }) purpose: string,
    @Arg("category", { description: "Key of the category." }) category: string,
    @Arg("justification", {
      description: `Why the purpose needs it (1–${JUSTIFICATION_MAX} characters), kept with the new policy version.`,
    })
    justification: string,
    @Ctx() context: RequestContext,
  ): Promise<Purpose> {
    return this.changeGrant(context, purpose, category, true, justification);
  }

  @AdminOnly()
  @Mutation(() => Purpose, {
    description: "Revokes a purpose's own grant of a data category, as a new policy version in force from the next request. ADMIN only.",
  })
  async revokeGrant(
    @Arg("purpose", { description: "Key of the purpose." }) purpose: string,
    @Arg("category", { description: "Key of the category." }) category: string,
    @Arg("justification", { description: `Why (1–${JUSTIFICATION_MAX} characters), kept with the new policy version.` })
    justification: string,
    @Ctx() context: RequestContext,
  ): Promise<Purpose> {
    return this.changeGrant(context, purpose, category, false, justification);
  }

  private async changeGrant(
    context: RequestContext,
    purposeKey: string,
    categoryKey: string,
    grant: boolean,
    justification: string,
  ): Promise<Purpose> {
    assertAuthorised(context);
    const why = statedText(justification, "justification", JUSTIFICATION_MAX);
    try {
      await changeGrant(
        context.app.dataSource,
        { purposeKey, categoryKey, grant, actor: context.client.name, justification: why },
        (affected) => {
          // The same rules the policy loader applies (src/policy/grant-rules.ts), for the purpose and every purpose under it.
          const compiled = context.app.policy.compiled;
          const violation = grant ? affected.map((key) => grantViolation(compiled, key, categoryKey)).find(Boolean) : undefined;
          if (violation) throw new PolicyChangeError(violation.message);
        },
      );
    } catch (error) {
      if (error instanceof PolicyChangeError) {
        // The rule is broken by the pair: both arguments are named, each with the rule.
        throw badUserInput(`Invalid input: ${error.message}`, {
          fields: [
            { field: "purpose", message: error.message },
            { field: "category", message: error.message },
          ],
        });
      }
      throw error;
    }
    await context.app.policy.reload();
    const row = context.app.policy.snapshot.purposes.find((purpose) => purpose.key === purposeKey);
    if (!row)
      throw badUserInput(`Invalid input: unknown purpose ${purposeKey}`, {
        fields: [{ field: "purpose", message: "is not a purpose of the policy" }],
      });
    return toPurpose(row, context.app.policy.compiled);
  }
}
