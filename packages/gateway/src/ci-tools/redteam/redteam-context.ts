// What every red-team check works from: the target, the identities with the
// tools each one sees (listed once at the start, through the SDK client),
// the identity that sees most (the "primary"), and a log of every tool call
// the run made, which the audit check later looks for in the gateway's audit.

import { connectToServer, type ClientGeneration, type JsonObject, type ServerConnection, type ToolCallOutcome } from '../server-connection.ts';
import type { SchemaSnapshot } from '../../schema-diff/schema-snapshot.ts';
import { withToken, type ServerTarget } from '../server-target.ts';
import type { Identity } from './identities.ts';

export interface RedteamOptions {
  target: ServerTarget;
  identities: readonly Identity[];
  generation: ClientGeneration;
  /** Calls the rate-limit check makes before it concludes no limit engaged. */
  burst: number;
  /** The tool the cost-ceiling check calls repeatedly, and how many times at most. */
  costTool?: string;
  costCalls: number;
  /** The gateway's admin listener and the identity (by name) allowed to read its audit. */
  adminUrl?: string;
  adminIdentity?: string;
  /** How long one tool call may take. */
  callTimeoutMs: number;
  /** The approved snapshot (`gatehouse schema snapshot`): the rug-pull check also compares the live tools with it. */
  baseline?: SchemaSnapshot;
}

export interface IdentityView {
  identity: Identity;
  /** Undefined when this identity could not open a session; `error` says why. */
  connection: ServerConnection | undefined;
  error?: string;
  tools: JsonObject[];
  prompts: JsonObject[];
  resources: JsonObject[];
}

export interface RecordedCall {
  identity: string;
  tool: string;
  outcome: ToolCallOutcome;
  at: string;
}

export class RedteamContext {
  readonly options: RedteamOptions;
  readonly views: IdentityView[];
  readonly calls: RecordedCall[] = [];
  readonly startedAt = new Date();

  private constructor(options: RedteamOptions, views: IdentityView[]) {
    this.options = options;
    this.views = views;
  }

  static async open(options: RedteamOptions): Promise<RedteamContext> {
    const views: IdentityView[] = [];
    for (const identity of options.identities) views.push(await openView(options, identity));
    return new RedteamContext(options, views);
  }

  /** The identity that sees the most tools: the reference for escalation and the one that explores outputs. */
  get primary(): IdentityView | undefined {
    return [...this.views].filter((view) => view.connection !== undefined).sort((a, b) => b.tools.length - a.tools.length)[0];
  }

  targetFor(identity: Identity): ServerTarget {
    return withToken(this.options.target, identity.token);
  }

  async call(view: IdentityView, tool: string, args: JsonObject): Promise<ToolCallOutcome> {
    if (view.connection === undefined) throw new Error(`identity ${view.identity.name} has no session`);
    const outcome = await view.connection.callTool(tool, args, this.options.callTimeoutMs);
    this.calls.push({ identity: view.identity.name, tool, outcome, at: new Date().toISOString() });
    return outcome;
  }

  async connect(identity: Identity): Promise<ServerConnection> {
    return connectToServer(this.targetFor(identity), this.options.generation);
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.views.map((view) => view.connection?.close()));
  }
}

async function openView(options: RedteamOptions, identity: Identity): Promise<IdentityView> {
  try {
    const connection = await connectToServer(withToken(options.target, identity.token), options.generation);
    const tools = await connection.listTools();
    const prompts = await connection.listPrompts().catch(() => []);
    const resources = await connection.listResources().catch(() => []);
    return { identity, connection, tools, prompts, resources };
  } catch (error) {
    return { identity, connection: undefined, error: (error as Error).message, tools: [], prompts: [], resources: [] };
  }
}

export function isReadOnly(tool: JsonObject): boolean {
  return (tool.annotations as JsonObject | undefined)?.readOnlyHint === true;
}

/** A refusal that names authorization (or hides the tool), as a gateway or server should answer a call out of scope. */
export function isAuthorizationRefusal(outcome: ToolCallOutcome): boolean {
  return outcome.isError && /scope|forbidden|unauthori[sz]ed|permission|not allowed|access denied|not permitted|unknown tool|not found|no such tool|insufficient/i.test(outcome.text);
}
