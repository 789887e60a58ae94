// Where `schema diff` reads each side from: a snapshot file written earlier,
// or a live server (URL or stdio:COMMAND) snapshotted on the spot. The
// snapshot's shape and the pure builder live in schema-diff/schema-snapshot.ts.

import { readFile } from 'node:fs/promises';
import { buildSnapshot, SNAPSHOT_FORMAT, type SchemaSnapshot } from '../schema-diff/schema-snapshot.ts';
import { CiToolError } from './ci-tool-error.ts';
import { isLiveTarget } from './server-target.ts';
import { connectToServer, type ClientGeneration, type ServerConnection } from './server-connection.ts';
import type { ServerTarget } from './server-target.ts';

export async function snapshotOf(target: ServerTarget, generation: ClientGeneration): Promise<SchemaSnapshot> {
  const connection = await connectToServer(target, generation);
  try {
    return await takeSnapshot(connection);
  } finally {
    await connection.close();
  }
}

export async function loadSnapshot(source: string, toTarget: (text: string) => ServerTarget, generation: ClientGeneration): Promise<SchemaSnapshot> {
  return isLiveTarget(source) ? snapshotOf(toTarget(source), generation) : readSnapshotFile(source);
}

/** Lists everything the connected server offers and returns it in canonical form. */
export async function takeSnapshot(connection: ServerConnection): Promise<SchemaSnapshot> {
  const [tools, resources, resourceTemplates, prompts] = [
    await connection.listTools(),
    await connection.listResources(),
    await connection.listResourceTemplates(),
    await connection.listPrompts(),
  ];
  return buildSnapshot({ serverInfo: connection.serverInfo, protocolVersion: connection.protocolVersion, tools, resources, resourceTemplates, prompts });
}

/** Reads a snapshot file written by `gatehouse schema snapshot`, refusing anything else. */
export async function readSnapshotFile(path: string): Promise<SchemaSnapshot> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new CiToolError('snapshot_invalid', `cannot read the snapshot ${path}: ${(error as Error).message}; write one with gatehouse schema snapshot TARGET --out ${path}`, { cause: error });
  }
  const snapshot = parsed as Partial<SchemaSnapshot>;
  if (snapshot.format !== SNAPSHOT_FORMAT || !Array.isArray(snapshot.tools)) {
    throw new CiToolError('snapshot_invalid', `${path} is not a ${SNAPSHOT_FORMAT} snapshot (no "format" or "tools"); write one with gatehouse schema snapshot TARGET --out ${path}`);
  }
  return { resources: [], resourceTemplates: [], prompts: [], ...snapshot } as SchemaSnapshot;
}
