// The ordered list of schema migrations. Names sort in application order; a migration, once released, never changes.
import type { Migration } from 'kysely';
import * as registry from './001-registry.js';
import * as audit from './002-audit.js';
import * as auditCrls from './003-audit-crls.js';
import * as auditIngest from './004-audit-ingest.js';
import * as outbox from './005-outbox.js';
import * as mitigation from './006-mitigation.js';
import * as mitigationUndo from './007-mitigation-undo.js';
import * as auditFindingsTaskOrder from './008-audit-findings-task-order.js';
import * as certificatesInScope from './009-certificates-in-scope.js';
import * as auditFindingsNewestFirst from './010-audit-findings-newest-first.js';
import * as dashboardSessions from './011-dashboard-sessions.js';

export const MIGRATIONS: Record<string, Migration> = {
  '001-registry': registry,
  '002-audit': audit,
  '003-audit-crls': auditCrls,
  '004-audit-ingest': auditIngest,
  '005-outbox': outbox,
  '006-mitigation': mitigation,
  '007-mitigation-undo': mitigationUndo,
  '008-audit-findings-task-order': auditFindingsTaskOrder,
  '009-certificates-in-scope': certificatesInScope,
  '010-audit-findings-newest-first': auditFindingsNewestFirst,
  '011-dashboard-sessions': dashboardSessions,
};
