// Two people's agents asking one SDK v1 stdio server's form-elicitation tool
// at the same moment, through the gateway, with official SDK clients over
// real HTTP. With one process the second call's elicitation names no call,
// so the gateway cannot tell whose it is: it refuses it with a clear error
// instead of guessing. With `processes: 2` each call has its own
// process, and each person is asked their own question.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { backendScripts, stdioCommand } from '@gatehouse/testing/backends/launch';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { gatewayConfig, stdioBackend } from '../fixtures/gateway-config.ts';

/** A 2025 client whose person takes a moment to answer with `name`, so that the two calls overlap; `onAsked` says they were asked. */
async function personAt(url: string, name: string, onAsked: () => void = () => undefined): Promise<Client> {
  const client = new Client({ name: `person-${name}`, version: '1.0.0' }, { capabilities: { elicitation: { form: {} } } });
  client.setRequestHandler(ElicitRequestSchema, async () => {
    onAsked();
    await delay(500);
    return { action: 'accept', content: { name } };
  });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

function textOf(result: unknown): string {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content ?? [];
  return content.map((item) => item.text ?? '').join('');
}

/** Ada calls; once she is being asked (her call still open), Bob calls. */
async function askBothAtOnce(url: string): Promise<[ada: string, bob: string]> {
  let adaAsked!: () => void;
  const isAdaAsked = new Promise<void>((resolve) => {
    adaAsked = resolve;
  });
  const ada = await personAt(url, 'Ada', adaAsked);
  const bob = await personAt(url, 'Bob');
  try {
    const call = (client: Client) => client.callTool({ name: 'people__ask_name', arguments: {} }).then(textOf, (error: unknown) => String(error));
    const adaAnswer = call(ada);
    await isAdaAsked;
    const bobAnswer = call(bob);
    return [await adaAnswer, await bobAnswer];
  } finally {
    await ada.close();
    await bob.close();
  }
}

for (const processes of [1, 2]) {
  describe(`an SDK v1 stdio server asked by two clients at once, processes: ${processes}`, () => {
    let gateway: RunningGateway;
    before(async () => {
      const { command, args } = stdioCommand(backendScripts.v1);
      gateway = await startGateway(gatewayConfig([stdioBackend('people', command, args, processes === 1 ? {} : { processes })]), { logger: silentLogger, hasAdmin: false });
    });
    after(async () => {
      await gateway?.close();
    });

    if (processes === 1) {
      it('asks the first person, and refuses the overlapping call\'s question with an error naming processes: N', async () => {
        const [ada, bob] = await askBothAtOnce(gateway.url);
        assert.match(ada, /Ada/);
        assert.doesNotMatch(bob, /Ada|Bob/, 'no one answers for Bob');
        assert.match(bob, /processes: N/);
      });
    } else {
      it('asks each person their own question on a process of their own', async () => {
        const [ada, bob] = await askBothAtOnce(gateway.url);
        assert.match(ada, /Ada/);
        assert.doesNotMatch(ada, /Bob/);
        assert.match(bob, /Bob/);
        assert.doesNotMatch(bob, /Ada/);
      });
    }
  });
}
