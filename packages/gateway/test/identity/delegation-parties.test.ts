import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ANONYMOUS_CALLER, callerFromClaims } from '../../src/identity/caller.ts';
import { delegationParties, principalId, principalName, principalOf } from '../../src/identity/delegation-parties.ts';

const ISSUER = 'https://idp.example';
const at = (id: string, issuer = ISSUER) => principalId(issuer, id);

function callerOf(claims: Record<string, unknown>) {
  return callerFromClaims({ iss: ISSUER, exp: Math.floor(Date.now() / 1000) + 600, ...claims }, { mode: 'hybrid' });
}

describe('delegationParties', () => {
  const cases: Array<{ name: string; claims: Record<string, unknown>; parties: string[]; principal: string }> = [
    {
      name: 'an agent with client credentials is one party: sub and client id name the same principal',
      claims: { sub: 'admin', client_id: 'admin' },
      parties: [at('admin')],
      principal: at('admin'),
    },
    {
      name: 'a self-exchange (sub=admin, act.sub=admin) is still the one principal admin, though the caller now reads as user:admin',
      claims: { sub: 'admin', client_id: 'admin', act: { sub: 'admin' } },
      parties: [at('admin')],
      principal: at('admin'),
    },
    {
      name: 'a user signed in through an agent: the user and the client',
      claims: { sub: 'alice', azp: 'support' },
      parties: [at('support'), at('alice')],
      principal: at('alice'),
    },
    {
      name: 'an exchange for a user records the exchanging client as actor',
      claims: { sub: 'alice', client_id: 'research', act: { sub: 'research' } },
      parties: [at('research'), at('alice')],
      principal: at('alice'),
    },
    {
      name: 'every actor of a nested act chain is a party, including prior actors',
      claims: { sub: 'alice', client_id: 'planner', act: { sub: 'planner', act: { client_id: 'orchestrator', act: { sub: 'scheduler' } } } },
      parties: [at('planner'), at('alice'), at('orchestrator'), at('scheduler')],
      principal: at('alice'),
    },
    {
      name: 'an actor named by another issuer is scoped to that issuer',
      claims: { sub: 'alice', client_id: 'support', act: { sub: 'bot', iss: 'https://other.example' } },
      parties: [at('support'), at('alice'), at('bot'), at('bot', 'https://other.example')],
      principal: at('alice'),
    },
    {
      name: 'azp and client_id that differ are both parties',
      claims: { sub: 'alice', azp: 'console', client_id: 'console-backend' },
      parties: [at('console'), at('alice'), at('console-backend')],
      principal: at('alice'),
    },
    {
      name: 'an app-only token whose subject differs from its client (Auth0 "@clients") keeps the raw subject as a party',
      claims: { sub: 'billing@clients', azp: 'billing', gty: 'client-credentials' },
      parties: [at('billing'), at('billing@clients')],
      principal: at('billing'),
    },
  ];
  for (const { name, claims, parties, principal } of cases) {
    test(name, () => {
      const caller = callerOf(claims);
      assert.deepEqual([...delegationParties(caller)].sort(), [...parties].sort());
      assert.equal(principalOf(caller), principal);
      assert.ok(delegationParties(caller).has(principalOf(caller)), 'the principal is always one of the parties');
    });
  }

  test('the same raw id at two issuers is two principals', () => {
    assert.notEqual(principalId('https://a.example', 'admin'), principalId('https://b.example', 'admin'));
  });

  test('principal ids keep their parts apart whatever characters they hold', () => {
    assert.notEqual(principalId('https://idp.example/a', 'b'), principalId('https://idp.example', 'a/b'));
    assert.equal(principalName(principalId('https://idp.example', 'alice@example.com')), 'alice@example.com');
  });

  test('a hostile act chain nested without end is read to a bound', () => {
    let act: Record<string, unknown> = { sub: 'actor-0' };
    for (let depth = 1; depth < 10_000; depth++) act = { sub: `actor-${depth}`, act };
    const parties = delegationParties(callerOf({ sub: 'alice', client_id: 'support', act }));
    assert.ok(parties.size <= 2 + 16 + 16, `${parties.size} parties`);
  });

  test('the anonymous caller is one party of its own', () => {
    assert.deepEqual([...delegationParties(ANONYMOUS_CALLER)], [principalOf(ANONYMOUS_CALLER)]);
  });
});
