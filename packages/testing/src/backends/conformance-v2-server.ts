#!/usr/bin/env node
// The conformance fixture on SDK v2 (@modelcontextprotocol/server): every
// tool, resource and prompt the official suite's server scenarios call, in
// both protocol generations: 2026-07-28 per request (input_required rounds,
// subscriptions/listen) and 2025-11-25 in sessions, where the SDK's legacy
// shim turns each input_required into real requests on the call's stream.
// The texts and schemas are shared with the SDK v1 fixture
// (conformance-catalog.ts). Run it with `--stdio` (default) or
// `--http --port N [--host H]`, like every test backend.
//
// The tools, resources and prompts are registered by concept:
// conformance-v2-content-tools.ts, conformance-v2-interactive-tools.ts,
// conformance-v2-list-changes.ts, conformance-v2-resources-prompts.ts and
// conformance-v2-tasks.ts; conformance-v2-rounds.ts is their round plumbing.

import { McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';

import { registerContentTools } from './conformance-v2-content-tools.ts';
import { registerInputRequiredTools, registerLegacyInteractiveTools } from './conformance-v2-interactive-tools.ts';
import { followListChanges, ListChanges, registerDiagnosticTools } from './conformance-v2-list-changes.ts';
import { registerPrompts, registerResources } from './conformance-v2-resources-prompts.ts';
import { roundStates } from './conformance-v2-rounds.ts';
import { FixtureTaskStore, registerTaskTools } from './conformance-v2-tasks.ts';
import { MemoryEventStore } from './memory-event-store.ts';
import type { ListenOptions } from './node-http.ts';
import { announceListening, parseBackendOptions, runBackendMain } from './script-options.ts';
import { serveV2BothEras, type V2Endpoint } from './v2-sessions.ts';

export const conformanceV2ServerInfo = { name: 'gatehouse-conformance-v2-backend', version: '2.0.0' } as const;

export interface ConformanceV2Options {
  changes: ListChanges;
  /** The process's tasks (the tasks extension), shared by every server instance. */
  tasks: FixtureTaskStore;
  era: 'legacy' | 'modern';
  /** Whether the instance serves a whole connection (stdio, a 2025 session) rather than one 2026 request. */
  isLive: boolean;
}

export function createConformanceV2Server(options: ConformanceV2Options): McpServer {
  const server = new McpServer(conformanceV2ServerInfo, {
    capabilities: {
      tools: { listChanged: true },
      resources: { subscribe: true, listChanged: true },
      prompts: { listChanged: true },
      logging: {},
      completions: {},
    },
    requestState: { verify: roundStates.verify },
  });
  registerContentTools(server);
  registerLegacyInteractiveTools(server);
  registerInputRequiredTools(server);
  registerDiagnosticTools(server, options.changes);
  registerTaskTools(server, options.tasks, options.era);
  registerResources(server, options.era);
  registerPrompts(server);
  followListChanges(server, options.changes, options.isLive);
  return server;
}

/** Serves the fixture over Streamable HTTP: 2026 per request, 2025 in resumable sessions. */
export async function startConformanceV2Http(options: ListenOptions): Promise<V2Endpoint> {
  const changes = new ListChanges();
  const tasks = new FixtureTaskStore();
  const endpoint = await serveV2BothEras(({ era, isLive }) => createConformanceV2Server({ changes, tasks, era, isLive }), {
    ...options,
    legacyTransportOptions: () => ({ eventStore: new MemoryEventStore() as never, retryInterval: 500 }),
  });
  changes.notifyModern = (kind) => (kind === 'tools' ? endpoint.modern.notify.toolsChanged() : endpoint.modern.notify.promptsChanged());
  return endpoint;
}

/** Serves the fixture over stdio; the connection's first message picks the era. */
export function startConformanceV2Stdio(): void {
  const changes = new ListChanges();
  const tasks = new FixtureTaskStore();
  serveStdio(({ era }) => createConformanceV2Server({ changes, tasks, era, isLive: true }));
}

if (import.meta.main) {
  runBackendMain(conformanceV2ServerInfo.name, async () => {
    const options = parseBackendOptions();
    if (options.transport === 'stdio') {
      startConformanceV2Stdio();
      return undefined;
    }
    const running = await startConformanceV2Http(options);
    announceListening(running.url);
    return running;
  });
}