import { Column, Entity, PrimaryColumn } from "typeorm";

/**
 * What anonymisation keeps (src/policy/anonymisation.ts): how many values of a category generalised to
 * one value, with no subject, no time and no link to any other category.
 */
@Entity({ name: "anonymous_statistic" })
export class AnonymousStatisticRow {
  @PrimaryColumn({ type: "text" })
  category!: string;

  @PrimaryColumn({ type: "text" })
  value!: string;

  @Column({ type: "bigint" })
  count!: string;
}
