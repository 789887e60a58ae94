// The `policies` entries of gatehouse.yaml: a name, a type, and the settings
// that policy/registry.ts hands to that type's own schema.

import { z } from 'zod';
import { ALWAYS, absentWhenNull, isMapping, mapping, matching } from './fields.ts';

export interface PolicyConfig {
  name: string;
  type: string;
  settings: Record<string, unknown>;
  /** A tenant's own policy (config/tenants-schema.ts): it applies only to that tenant's calls. */
  tenant?: string;
  /** Where it is written, for problems; absent: `policies[index]`. */
  keyPath?: readonly (string | number)[];
}

const POLICY_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** name and type; the settings either under `settings:` or inline beside them, as users' existing policy files write them. */
export const policyShape = {
  name: matching(POLICY_NAME, 'expected a policy name of letters, digits, "_", "." and "-"'),
  type: matching(POLICY_NAME, 'expected a policy type such as rate_limit'),
  settings: absentWhenNull(mapping(z.string(), z.unknown()).optional()),
};

export const policySchema = z.looseObject(policyShape, { error: 'expected a mapping' }).superRefine((policy, context) => {
  if (!isMapping(policy)) return;
  const inline = Object.keys(policy).filter((key) => !(key in policyShape));
  if (policy.settings !== undefined && inline.length > 0) {
    context.addIssue({
      code: 'custom',
      path: [inline[0] as string],
      message: 'this policy has a settings: mapping, so its settings cannot also be written inline; move this key under settings',
    });
  }
}, ALWAYS);

type PolicyFile = z.output<typeof policySchema>;

/** Settings written inline beside name and type are gathered as if they had been under `settings:`. */
export function toPolicyConfig({ name, type, settings, ...inline }: PolicyFile): PolicyConfig {
  return { name, type, settings: settings ?? inline };
}
