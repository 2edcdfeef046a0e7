import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";
import type { Organisation } from "../../policy/policy-document";

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

  @Column({ type: "timestamptz", name: "loaded_at", default: () => "now()" })
  loadedAt!: Date;
}
