// The registry's closed vocabularies (risk tiers, data classifications), kept
// apart from entry.ts so the config schema can name them without importing
// the entry's backend-name rules (which import the config schema back).

export const RISK_TIERS = ['low', 'medium', 'high', 'critical'] as const;
export type RiskTier = (typeof RISK_TIERS)[number];

export const DATA_CLASSIFICATIONS = ['public', 'internal', 'confidential', 'restricted'] as const;
export type DataClassification = (typeof DATA_CLASSIFICATIONS)[number];
