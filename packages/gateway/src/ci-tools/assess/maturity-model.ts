// The maturity self-assessment (docs/ci-tools.md, `gatehouse assess`): five stages, the yes/no
// questions of each, and what it takes to reach the next. An organisation is
// at the highest stage whose questions, and every earlier stage's, are all
// yes: "Skipping stages typically fails — the platform investments
// compound." Pure.

export type AnswerValue = boolean | undefined;

export interface MaturityQuestion {
  id: string;
  stage: 1 | 2 | 3 | 4 | 5;
  text: string;
}

export const MATURITY_QUESTIONS: readonly MaturityQuestion[] = [
  { id: 'engineers_use_mcp_clients', stage: 1, text: 'Have engineers used Claude Desktop (or another MCP client) with MCP servers?' },
  { id: 'organizational_awareness', stage: 1, text: 'Is there organizational awareness of MCP?' },
  { id: 'custom_server_built', stage: 2, text: 'Has any team built a custom MCP server for internal use?' },
  { id: 'server_has_basic_auth', stage: 2, text: 'Is the server deployed with at least basic auth?' },
  { id: 'department_platform', stage: 3, text: 'Is there a department-level MCP platform with multiple servers?' },
  { id: 'sso_integrated', stage: 3, text: 'Is the platform integrated with org SSO?' },
  { id: 'audit_logs_captured', stage: 3, text: 'Are audit logs captured?' },
  { id: 'dedicated_platform_team', stage: 4, text: 'Is there a dedicated platform team for MCP?' },
  { id: 'ten_production_servers', stage: 4, text: 'Do you have 10+ production MCP servers?' },
  { id: 'gateway_consolidates', stage: 4, text: 'Is there an MCP Gateway consolidating them?' },
  { id: 'multiple_departments', stage: 4, text: 'Is the infrastructure used across multiple departments?' },
  { id: 'fifty_processes', stage: 5, text: 'Are 50+ business processes integrated with MCP?' },
  { id: 'standard_plumbing', stage: 5, text: 'Is MCP infrastructure considered standard plumbing?' },
  { id: 'processes_redesigned', stage: 5, text: 'Are business processes being redesigned around agent capabilities?' },
];

export const STAGE_NAMES: Readonly<Record<number, string>> = {
  0: 'Stage 0: not started',
  1: 'Stage 1: individual developer use',
  2: 'Stage 2: team-level MCP servers',
  3: 'Stage 3: department-level MCP platform',
  4: 'Stage 4: enterprise-wide MCP infrastructure',
  5: 'Stage 5: MCP-native operating model',
};

/** What moving into each stage takes: the investments differ from stage to stage. */
export const STAGE_INVESTMENTS: Readonly<Record<number, string>> = {
  1: 'engineers trying MCP clients with local servers, and sharing what they learn',
  2: 'custom server building (a small engineering investment), deployed with at least basic auth',
  3: 'platform engineering (gateway, auth through SSO, audit, observability): typically 2-3 FTEs',
  4: 'scaling the platform team (5-10 FTEs) and broader organizational change management',
  5: 'years of business-process redesign, not just engineering',
};

export interface MaturityResult {
  stage: number;
  stageName: string;
  /** The questions of the next stage still answered no or not at all: the gaps to close. */
  nextStageGaps: MaturityQuestion[];
  nextStageInvestment: string | undefined;
}

export function assessMaturity(answers: Readonly<Record<string, AnswerValue>>): MaturityResult {
  let stage = 0;
  for (const candidate of [1, 2, 3, 4, 5] as const) {
    if (!MATURITY_QUESTIONS.filter((question) => question.stage === candidate).every((question) => answers[question.id] === true)) break;
    stage = candidate;
  }
  const next = stage + 1;
  return {
    stage,
    stageName: STAGE_NAMES[stage]!,
    nextStageGaps: MATURITY_QUESTIONS.filter((question) => question.stage === next && answers[question.id] !== true),
    nextStageInvestment: STAGE_INVESTMENTS[next],
  };
}

/** yes/no/true/false/y/n, case-insensitive; anything else is no answer. */
export function parseAnswer(value: unknown): AnswerValue {
  if (typeof value === 'boolean') return value;
  const text = String(value ?? '').trim().toLowerCase();
  if (['yes', 'y', 'true'].includes(text)) return true;
  if (['no', 'n', 'false'].includes(text)) return false;
  return undefined;
}
