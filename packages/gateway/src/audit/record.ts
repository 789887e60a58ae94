// The audit record (docs/audit.md, version "audit_v1") and its pure builder
// live in @gatehouse/audit-record, shared with @gatehouse/server-kit so a
// server's records are the gateway's, field for field. The gateway maps its
// Exchange onto AuditFacts; arguments and outputs arrive already redacted by
// the policy chain.

export * from '@gatehouse/audit-record';
