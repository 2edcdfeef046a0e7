import { AccessEventRow } from "./access-event.entity";
import { ClientRow } from "./client.entity";
import { ConsentRow } from "./consent.entity";
import { DataCategoryRow } from "./data-category.entity";
import { DataSubjectRow } from "./data-subject.entity";
import { ObjectionRow } from "./objection.entity";
import { PolicyVersionRow } from "./policy-version.entity";
import { ProcessorRow } from "./processor.entity";
import { PurposeRow } from "./purpose.entity";
import { SubjectRequestRow } from "./subject-request.entity";

export {
  AccessEventRow,
  ClientRow,
  ConsentRow,
  DataCategoryRow,
  DataSubjectRow,
  ObjectionRow,
  PolicyVersionRow,
  ProcessorRow,
  PurposeRow,
  SubjectRequestRow,
};

export const entities = [
  AccessEventRow,
  ClientRow,
  ConsentRow,
  DataCategoryRow,
  DataSubjectRow,
  ObjectionRow,
  PolicyVersionRow,
  ProcessorRow,
  PurposeRow,
  SubjectRequestRow,
];
