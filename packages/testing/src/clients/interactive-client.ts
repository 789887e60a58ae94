// The face every interactive test client shows, whichever SDK and era is
// underneath, so one scenario runs unchanged against a backend directly or
// through the gateway: call a tool, watch notifications, subscribe, cancel.

import type { ReceivedRequest } from './interactive-handlers.ts';
import type { NotificationLog } from './notification-log.ts';
import type { ProgressUpdate } from './progress-recorder.ts';

export type LoggingLevel = 'debug' | 'info' | 'notice' | 'warning' | 'error' | 'critical' | 'alert' | 'emergency';

/** The 2026-07-28 per-request log level key (`_meta`); absent, a 2026 server sends no log messages. */
export const logLevelMetaKey = 'io.modelcontextprotocol/logLevel';

export interface CallOptions {
  /** Receives the call's progress notifications (the SDK adds the progressToken). */
  onprogress?: (update: ProgressUpdate) => void;
  /** Aborting cancels the call: 2025 `notifications/cancelled`; 2026 over HTTP the SDK v2 client closes the call's stream instead. */
  signal?: AbortSignal;
  /** The 2026 per-request log level for this call; defaults to the one given to setLogLevel. Ignored on 2025 connections. */
  logLevel?: LoggingLevel;
  /** Request timeout; the SDK default is 60 s. */
  timeoutMs?: number;
}

export interface ToolOutcome {
  /** The text blocks joined with newlines. */
  text: string;
  isError: boolean;
  /** The CallToolResult as the SDK returned it. */
  result: unknown;
}

export interface SubscriptionRequest {
  /** 2026: ask the listen stream for tools/list_changed. 2025 clients get it on the GET stream regardless. */
  toolsListChanged?: boolean;
  /** Resource URIs: 2025 `resources/subscribe` each; 2026 the listen filter's `resourceSubscriptions`. */
  resources?: string[];
}

export interface InteractiveSubscription {
  /** 2026: what the server's acknowledgement says it honours; 2025: what was asked. */
  readonly honoured: SubscriptionRequest;
  /** 2025: `resources/unsubscribe` each URI; 2026: closes the listen stream. */
  close(): Promise<void>;
}

export interface InteractiveClient {
  readonly sdk: 'v1' | 'v2';
  readonly era: 'legacy' | 'modern';
  /** Requests the server asked of this client, in arrival order, answered or refused. */
  readonly requests: ReceivedRequest[];
  /** Every notification received outside a call's onprogress, in arrival order. */
  readonly notifications: NotificationLog;
  /**
   * 2025 over HTTP: whether the session's GET stream opened (servers drop
   * unsolicited notifications sent before it). stdio: true. 2026: false, there is no GET stream.
   */
  readonly getStreamOpened: Promise<boolean>;
  callTool(name: string, args?: Record<string, unknown>, options?: CallOptions): Promise<ToolOutcome>;
  listToolNames(): Promise<string[]>;
  readResourceText(uri: string): Promise<string>;
  /** 2025: `logging/setLevel`. 2026: remembered and sent as `_meta` on each later call. */
  setLogLevel(level: LoggingLevel): Promise<void>;
  /** Resolves once notifications can arrive: 2025 after the GET stream opened; 2026 after the listen acknowledgement. */
  subscribe(request: SubscriptionRequest): Promise<InteractiveSubscription>;
  close(): Promise<void>;
}

export function textOf(result: unknown): string {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content ?? [];
  return content
    .filter((block) => block.type === 'text')
    .map((block) => block.text ?? '')
    .join('\n');
}

export function toolOutcome(result: unknown): ToolOutcome {
  return { text: textOf(result), isError: (result as { isError?: boolean }).isError === true, result };
}
