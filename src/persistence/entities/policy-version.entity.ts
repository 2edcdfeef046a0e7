import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";
import type { Organisation, PolicyDocument } from "../../policy/policy-document";

/** Every change to the policy (categories, purposes, grants, processors) appends a version. */
@Entity({ name: "policy_version" })
export class PolicyVersionRow {
  @PrimaryGeneratedColumn("identity", { generatedIdentity: "ALWAYS" })
  version!: number;

  /** SHA-256 of the policy document that was loaded, so reloading the same file changes nothing. */
  @Column({ type: "text", name: "source_hash" })
  sourceHash!: string;

  @Column({ type: "text" })
  source!: string;

  /** The privacy notice's version this policy encodes (the policy file's `organisation.noticeVersion`). */
  @Column({ type: "text", name: "notice_version", nullable: true })
  noticeVersion!: string | null;

  /** The controller as the policy file declares it (name, contact, time zone, supervisory authority); null before it was kept. */
  @Column({ type: "jsonb", nullable: true })
  organisation!: Organisation | null;

  /**
   * The whole policy as in force from this version on, in the policy file's own shape: a past version
   * can be shown whole (`policyAt`, the records of processing as of it). Null for a version stored
   * before whole policies were kept.
   */
  @Column({ type: "jsonb", nullable: true })
  document!: PolicyDocument | null;

  /** Who made the change: the client of a grant change, or `policy file` for a file loaded. */
  @Column({ type: "text", name: "changed_by", nullable: true })
  changedBy!: string | null;

  /** Why a grant was changed (required for a grant change); null for a file loaded. */
  @Column({ type: "text", nullable: true })
  justification!: string | null;

  @Column({ type: "timestamptz", name: "loaded_at", default: () => "now()" })
  loadedAt!: Date;
}
