import { InitialSchema1795606880065 } from "./1795606880065-InitialSchema";
import { AuditAppendOnly1795606900000 } from "./1795606900000-AuditAppendOnly";
import { PolicyChangeNotify1795607900000 } from "./1795607900000-PolicyChangeNotify";
import { WritesUnderTheLaw1795629786052 } from "./1795629786052-WritesUnderTheLaw";
import { SubjectRequests1795700000000 } from "./1795700000000-SubjectRequests";
import { ObjectionAndConsentAge1795800000000 } from "./1795800000000-ObjectionAndConsentAge";
import { RetentionAndErasure1795900000000 } from "./1795900000000-RetentionAndErasure";
import { AuditHashChain1796000000000 } from "./1796000000000-AuditHashChain";
import { EncryptionAtRest1796200000000 } from "./1796200000000-EncryptionAtRest";
import { Inquiries1796300000000 } from "./1796300000000-Inquiries";
import { PolicyRules1796400000000 } from "./1796400000000-PolicyRules";
import { PolicyVersionsWhole1796500000000 } from "./1796500000000-PolicyVersionsWhole";
import { ErasedRecordsPurge1796600000000 } from "./1796600000000-ErasedRecordsPurge";
import { ProcessorClients1796700000000 } from "./1796700000000-ProcessorClients";
import { AuditQueries1796800000000 } from "./1796800000000-AuditQueries";
import { ClientChangeNotify1796900000000 } from "./1796900000000-ClientChangeNotify";
import { CompactReadAudit1796910000000 } from "./1796910000000-CompactReadAudit";
import { FactsBySubject1796920000000 } from "./1796920000000-FactsBySubject";

/** Every migration, in order. A generated migration is added here by hand so the list is explicit. */
export const migrations = [
  InitialSchema1795606880065,
  AuditAppendOnly1795606900000,
  PolicyChangeNotify1795607900000,
  WritesUnderTheLaw1795629786052,
  SubjectRequests1795700000000,
  ObjectionAndConsentAge1795800000000,
  RetentionAndErasure1795900000000,
  AuditHashChain1796000000000,
  EncryptionAtRest1796200000000,
  Inquiries1796300000000,
  PolicyRules1796400000000,
  PolicyVersionsWhole1796500000000,
  ErasedRecordsPurge1796600000000,
  ProcessorClients1796700000000,
  AuditQueries1796800000000,
  ClientChangeNotify1796900000000,
  CompactReadAudit1796910000000,
  FactsBySubject1796920000000,
];
