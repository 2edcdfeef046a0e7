import { Ctx, Query, Resolver } from "type-graphql";
import type { RequestContext } from "../context";
import { privacyManifestOf, viewerOf } from "../privacy-manifest";
import { PrivacyManifest, Viewer } from "../types/partner.types";

/**
 * What a partner needs to integrate, as data: who it is, what its purposes may read, and the
 * classification of every personal field. No personal data of any subject, so no purpose is
 * declared (neither field is marked @TouchesPersonalData, and neither returns a tagged field).
 */
@Resolver()
export class PartnerResolver {
  @Query(() => Viewer, {
    description:
      "The client calling: its name, role, capabilities, and the purposes it may declare with the categories each may read under the policy in force. Needs no purpose.",
  })
  viewer(@Ctx() { client, app }: RequestContext): Viewer {
    return Object.assign(new Viewer(), viewerOf(client, app.policy.compiled));
  }

  @Query(() => PrivacyManifest, {
    description:
      "Every personal field, its data category and, for every purpose of the policy in force, whether it may be read, on which legal basis and for how long — computed from the same policy the guard enforces. Needs no purpose.",
  })
  privacyManifest(@Ctx() { app }: RequestContext): PrivacyManifest {
    return privacyManifestOf(app.policy.compiled);
  }
}
