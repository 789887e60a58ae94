// The registry's closed vocabularies (risk tiers, data classifications): the
// config schema checks them and registry/ builds on them, so they live with
// the config, and registry/ depends on config/ only, never the reverse.

export const RISK_TIERS = ['low', 'medium', 'high', 'critical'] as const;
export type RiskTier = (typeof RISK_TIERS)[number];

export const DATA_CLASSIFICATIONS = ['public', 'internal', 'confidential', 'restricted'] as const;
export type DataClassification = (typeof DATA_CLASSIFICATIONS)[number];
