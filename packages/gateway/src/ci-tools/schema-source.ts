// Where `schema diff` reads each side from: a snapshot file written earlier,
// or a live server (URL or stdio:COMMAND) snapshotted on the spot.

import { isLiveTarget } from './server-target.ts';
import { connectToServer, type ClientGeneration } from './server-connection.ts';
import { readSnapshotFile, takeSnapshot, type SchemaSnapshot } from './schema-snapshot.ts';
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
