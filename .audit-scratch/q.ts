import { buildQuerySql } from '../packages/gateway/src/audit/query.ts';
const s = buildQuerySql('postgres', { agent: 'pager' }, { entries: 'x.audit_records' }, 10, 'WzE3NzgzNzEyNjAwMDAsImd3LXRlc3Qvcm91dGluZSIsMjBd');
console.log(s);
