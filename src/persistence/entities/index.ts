import { AccessEventRow } from "./access-event.entity";
import { AnonymousStatisticRow } from "./anonymous-statistic.entity";
import { ArchivedValueRow } from "./archived-value.entity";
import { ClientRow } from "./client.entity";
import { ConsentRow } from "./consent.entity";
import { DataCategoryRow } from "./data-category.entity";
import { DataSubjectRow } from "./data-subject.entity";
import { InquiryRow } from "./inquiry.entity";
import { LegalHoldRow } from "./legal-hold.entity";
import { ObjectionRow } from "./objection.entity";
import { PolicyVersionRow } from "./policy-version.entity";
import { ProcessorRow } from "./processor.entity";
import { PurposeRow } from "./purpose.entity";
import { RequestEventRow } from "./request-event.entity";
import { SubjectRequestRow } from "./subject-request.entity";

export {
  AccessEventRow,
  AnonymousStatisticRow,
  ArchivedValueRow,
  ClientRow,
  ConsentRow,
  DataCategoryRow,
  DataSubjectRow,
  InquiryRow,
  LegalHoldRow,
  ObjectionRow,
  PolicyVersionRow,
  ProcessorRow,
  PurposeRow,
  RequestEventRow,
  SubjectRequestRow,
};

export const entities = [
  AccessEventRow,
  AnonymousStatisticRow,
  ArchivedValueRow,
  ClientRow,
  ConsentRow,
  DataCategoryRow,
  DataSubjectRow,
  InquiryRow,
  LegalHoldRow,
  ObjectionRow,
  PolicyVersionRow,
  ProcessorRow,
  PurposeRow,
  RequestEventRow,
  SubjectRequestRow,
];
