// Status conditions in the shape the Kubernetes API conventions give them
// (type, status, reason, message, lastTransitionTime): what the platform
// observed about a registry entry, each kept once per type.

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  /** `Routable`, `ReviewCurrent`, `Deprecated`. */
  type: string;
  status: ConditionStatus;
  /** A CamelCase word a program can match (`Suspended`, `ReviewOverdue`). */
  reason: string;
  message: string;
  /** RFC 3339; changes only when `status` changes, as the conventions ask. */
  lastTransitionTime: string;
}

/** The conditions with `next` set in place of its type's old one; the old time is kept when the status did not change. */
export function setCondition(conditions: readonly Condition[], next: Omit<Condition, 'lastTransitionTime'>, now: Date): Condition[] {
  const previous = conditions.find((condition) => condition.type === next.type);
  const lastTransitionTime = previous !== undefined && previous.status === next.status ? previous.lastTransitionTime : now.toISOString();
  const updated = { ...next, lastTransitionTime };
  return previous === undefined ? [...conditions, updated] : conditions.map((condition) => (condition.type === next.type ? updated : condition));
}

export function conditionOf(conditions: readonly Condition[], type: string): Condition | undefined {
  return conditions.find((condition) => condition.type === type);
}
