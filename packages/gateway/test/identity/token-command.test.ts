import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Command } from 'commander';
import { registerTokenCommand } from '../../src/cli/commands/token.ts';
import type { CommandIo } from '../../src/cli/commands/command-io.ts';
import { startEmbeddedIdp, type EmbeddedIdp } from '../../src/identity/embedded-idp.ts';
import { createResourceMetadataResponder, gatewayResourceIdentifiers } from '../../src/identity/resource-metadata.ts';
import { createTokenVerifier } from '../../src/identity/token-verifier.ts';

async function runToken(args: string[], env: Record<string, string> = {}) {
  const result = { out: [] as string[], err: [] as string[], exitCode: 0 };
  const io: CommandIo = { out: (line) => result.out.push(line), err: (line) => result.err.push(line), fail: (code) => (result.exitCode = code), env };
  const program = new Command().exitOverride();
  registerTokenCommand(program, io);
  await program.parseAsync(['token', ...args], { from: 'user' });
  return result;
}

describe('gatehouse token', () => {
  let gateway: Server;
  let gatewayUrl: string;
  let idp: EmbeddedIdp;

  before(async () => {
    // Stands in for a gateway started elsewhere: only its resource metadata matters to the command.
    let respond: ReturnType<typeof createResourceMetadataResponder> | undefined;
    gateway = createServer((request, response) => {
      const answer = respond?.(request.url ?? '/');
      if (answer === undefined) return void response.writeHead(404).end();
      response.writeHead(answer.status, answer.headers).end(answer.body);
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
    idp = await startEmbeddedIdp({ gatewayBaseUrl: gatewayUrl });
    respond = createResourceMetadataResponder({ publicBaseUrl: gatewayUrl, authorizationServers: [idp.issuer] }, (path) => path === '/mcp' || path === '/servers/crm/mcp');
  });
  after(async () => {
    await idp.close();
    gateway.closeAllConnections();
    await new Promise((resolve) => gateway.close(resolve));
  });

  test('prints a token for an agent alone on the last line, found through the gateway\'s resource metadata', async () => {
    const result = await runToken(['--agent', 'support', '--gateway', gatewayUrl]);
    assert.equal(result.out.length, 1);
    const caller = await createTokenVerifier({ issuer: idp.issuer, audiences: gatewayResourceIdentifiers(gatewayUrl, ['crm']) }).verify(result.out.at(-1)!);
    assert.equal(caller.agent, 'support');
    assert.ok(caller.scopes.has('crm.customers.write'));
    assert.match(result.err.join('\n'), /token for agent "support"/);
  });

  test('asks for the resource of the endpoint named in --gateway', async () => {
    const result = await runToken(['--agent', 'research', '--gateway', `${gatewayUrl}/servers/crm/mcp`, '--scope', 'crm.read']);
    const caller = await createTokenVerifier({ issuer: idp.issuer, audiences: [`${gatewayUrl}/servers/crm/mcp`] }).verify(result.out.at(-1)!);
    assert.deepEqual([...caller.scopes], ['crm.read']);
  });

  test('prints a token by which an agent acts for a demo user, through a headless login', async () => {
    const result = await runToken(['--agent', 'support', '--user', 'alice', '--gateway', gatewayUrl]);
    const caller = await createTokenVerifier({ issuer: idp.issuer, audiences: [`${gatewayUrl}/mcp`] }).verify(result.out.at(-1)!);
    assert.equal(caller.user, 'alice');
    assert.equal(caller.agent, 'support');
    assert.ok(caller.scopes.has('crm.email.send'));
  });

  test('asks for what the agent holds and the user may delegate, so admin acting for alice gets a token and not invalid_scope', async () => {
    const result = await runToken(['--agent', 'admin', '--user', 'alice', '--gateway', gatewayUrl]);
    const caller = await createTokenVerifier({ issuer: idp.issuer, audiences: [`${gatewayUrl}/mcp`] }).verify(result.out.at(-1)!);
    assert.equal(caller.user, 'alice');
    assert.equal(caller.agent, 'admin');
    assert.ok(!caller.scopes.has('crm.email.bulk'), 'alice cannot delegate bulk email');
  });

  test('lists the configured agents one a line', async () => {
    const result = await runToken(['--list-agents', '--gateway', gatewayUrl]);
    assert.deepEqual(result.out, ['research', 'support', 'admin', 'approver']);
  });

  test('fails with an actionable message for an unknown agent, a wrong secret, or no gateway', async () => {
    await assert.rejects(runToken(['--agent', 'nobody', '--gateway', gatewayUrl]), /no secret for agent "nobody"/);
    await assert.rejects(runToken(['--agent', 'admin', '--gateway', gatewayUrl], { GATEHOUSE_AGENT_SECRET: 'wrong' }), /refused a token for agent "admin".*invalid_client/);
    await assert.rejects(runToken(['--agent', 'admin', '--gateway', 'http://127.0.0.1:9']), /no gateway answers at http:\/\/127\.0\.0\.1:9/);
  });
});
