// What the CRM advertises, pinned: tools (names, descriptions, input and
// output schemas, annotations), resources, templates, prompts, instructions
// and capabilities, in both eras, exactly as the hand-written CRM served them
// before it moved onto the server kit (fixtures/surface.json was recorded
// from it). The gateway's tests, pins and approval rules depend on these.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import { connectInProcess } from './fixtures/clients.ts';

const recorded = JSON.parse(readFileSync(new URL('./fixtures/surface.json', import.meta.url), 'utf8')) as Record<string, Record<string, unknown>>;

/** Key order is not part of the contract (the two eras' codecs order schema keys differently). */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortedKeys((value as Record<string, unknown>)[key])]));
  }
  return value;
}

for (const era of ['modern', 'legacy'] as const) {
  describe(`demo CRM surface, ${era} era`, () => {
    it('advertises the same tools, resources, prompts, instructions and capabilities as recorded', async () => {
      const connection = await connectInProcess(era);
      try {
        const { client } = connection;
        const served = {
          tools: (await client.listTools()).tools,
          resources: (await client.listResources()).resources,
          resourceTemplates: (await client.listResourceTemplates()).resourceTemplates,
          prompts: (await client.listPrompts()).prompts,
          instructions: client.getInstructions(),
          serverVersion: client.getServerVersion(),
          capabilities: client.getServerCapabilities(),
        };
        const expected = recorded[era]!;
        for (const part of Object.keys(expected)) {
          assert.deepEqual(sortedKeys((served as Record<string, unknown>)[part]), sortedKeys(expected[part]), `${part} differs`);
        }
      } finally {
        await connection.close();
      }
    });
  });
}
