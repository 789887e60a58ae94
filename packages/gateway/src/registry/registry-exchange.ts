// Registry entries at the edge with the MCP Registry API (v0.1): a proposal
// read from a registry becomes an entry spec to propose into the store, and
// a serving entry of the store becomes a server.json to publish. Pure; the
// `gatehouse registry import --propose` and `export --store` commands call it.

import type { EntrySpec, LifecycleState, RegistryEntry } from './entry.ts';
import type { ExportableServer, RegistryProposal } from './mcp-registry-format.ts';
import type { DataClassification, RiskTier } from '../config/registry-vocabulary.ts';

export interface ProposalDefaults {
  /** Who answers for the imported servers until someone revises it: `team:platform`. */
  owner: string;
  riskTier: RiskTier;
  dataClassification: DataClassification;
  tenant?: string;
}

const DESCRIPTION_MAX = 2000;
const VERSION_MAX = 64;

/** The spec an imported server is proposed with; `preApproved` never: an import is always reviewed. */
export function specFromProposal(proposal: RegistryProposal, defaults: ProposalDefaults): Omit<EntrySpec, 'tenant' | 'team'> & { tenant?: string } {
  const description = [proposal.title, proposal.description].filter((part) => part !== undefined && part.trim() !== '').join(': ') || `${proposal.registryName}, imported from an MCP registry`;
  const repo = proposal.repositoryUrl !== undefined && /^https?:\/\//.test(proposal.repositoryUrl) && URL.canParse(proposal.repositoryUrl) ? proposal.repositoryUrl : undefined;
  return {
    name: proposal.backendName,
    description: description.slice(0, DESCRIPTION_MAX),
    owner: defaults.owner,
    ...(defaults.tenant === undefined ? {} : { tenant: defaults.tenant }),
    riskTier: defaults.riskTier,
    dataClassification: defaults.dataClassification,
    scopes: [],
    links: repo === undefined ? {} : { repo },
    ...(proposal.version.trim() === '' ? {} : { version: proposal.version.slice(0, VERSION_MAX) }),
    preApproved: false,
  };
}

/** What is published: entries that passed review (approved, active) and, marked so, the deprecated ones still served. */
export const PUBLISHED_STATES: readonly LifecycleState[] = ['approved', 'active', 'deprecated'];

export function exportableFromEntry(entry: RegistryEntry): ExportableServer {
  const isDeprecated = entry.status.state === 'deprecated';
  return {
    backendName: entry.spec.name,
    description: entry.spec.description,
    ...(entry.spec.version === undefined ? {} : { version: entry.spec.version }),
    ...(entry.spec.links.repo === undefined ? {} : { repositoryUrl: entry.spec.links.repo }),
    ...(entry.spec.links.runbook === undefined ? {} : { websiteUrl: entry.spec.links.runbook }),
    status: isDeprecated ? 'deprecated' : 'active',
    ...(isDeprecated ? { statusMessage: `deprecated since ${entry.status.deprecatedAt ?? entry.metadata.updatedAt}; its owner is ${entry.spec.owner}` } : {}),
    publishedAt: entry.metadata.createdAt,
    updatedAt: entry.metadata.updatedAt,
  };
}
