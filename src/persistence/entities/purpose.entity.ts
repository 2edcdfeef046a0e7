import { Column, Entity, JoinColumn, JoinTable, ManyToMany, ManyToOne, PrimaryColumn } from "typeorm";
import { LegalBasisCode, RetentionAction, RetentionTrigger } from "../../domain/policy-terms";
import { DataCategoryRow } from "./data-category.entity";

@Entity({ name: "purpose" })
export class PurposeRow {
  @PrimaryColumn({ type: "text" })
  key!: string;

  @Column({ type: "text", name: "parent_key", nullable: true })
  parentKey!: string | null;

  @ManyToOne(() => PurposeRow, { nullable: true })
  @JoinColumn({ name: "parent_key" })
  parent?: PurposeRow | null;

  @Column({ type: "text" })
  name!: string;

  @Column({ type: "text" })
  description!: string;

  @Column({ type: "enum", enum: LegalBasisCode, enumName: "legal_basis_code", name: "legal_basis" })
  legalBasis!: LegalBasisCode;

  /** The balancing test behind a legitimate-interests purpose. */
  @Column({ type: "text", name: "legitimate_interest_assessment", nullable: true })
  legitimateInterestAssessment!: string | null;

  @Column({ type: "boolean", name: "allowed_under_restriction", default: false })
  allowedUnderRestriction!: boolean;

  /** Whether the registration form collects consent to this purpose; the registration record is that consent's evidence. */
  @Column({ type: "boolean", name: "consent_at_registration", default: false })
  consentAtRegistration!: boolean;

  /** The law a legal-obligation purpose complies with (GDPR Art. 6(3)). */
  @Column({ type: "text", name: "legal_reference", nullable: true })
  legalReference!: string | null;

  /** A legal-obligation purpose that answers data subjects' requests, and so reads live data rather than the archive. */
  @Column({ type: "boolean", name: "answers_requests", default: false })
  answersRequests!: boolean;

  /** Categories the purpose declares it never reads; no grant may reach them. */
  @Column({ type: "text", array: true, name: "never_grants", default: () => "'{}'" })
  neverGrants!: string[];

  /** Whether the purpose shows ads: it never reaches personal content. */
  @Column({ type: "boolean", name: "shows_ads", default: false })
  showsAds!: boolean;

  /** The GDPR Art. 9(2) condition for special categories, if the purpose names one. */
  @Column({ type: "text", name: "article9_condition", nullable: true })
  article9Condition!: string | null;

  @Column({ type: "enum", enum: RetentionTrigger, enumName: "retention_trigger", name: "retention_trigger" })
  retentionTrigger!: RetentionTrigger;

  /** Days kept after the trigger; null keeps the data for as long as the trigger has not happened. */
  @Column({ type: "integer", name: "retention_days", nullable: true })
  retentionDays!: number | null;

  @Column({ type: "enum", enum: RetentionAction, enumName: "retention_action", name: "retention_action" })
  retentionAction!: RetentionAction;

  @ManyToMany(() => DataCategoryRow)
  @JoinTable({
    name: "purpose_category_grant",
    joinColumn: { name: "purpose_key", referencedColumnName: "key" },
    inverseJoinColumn: { name: "category_key", referencedColumnName: "key" },
  })
  grants!: DataCategoryRow[];
}
