import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { callerFromClaims, describeCaller } from '../../src/identity/caller.ts';
import { isAuthError } from '../../src/identity/auth-error.ts';
import { checkSessionOwner, requestStateBindingKey, sessionOwnerOf } from '../../src/identity/session-binding.ts';

const base = { iss: 'https://idp.example', exp: 4_000_000_000 };

describe('callers from claims', () => {
  test('reads an agent-as-service token: the client is the agent and there is no user', () => {
    const caller = callerFromClaims({ ...base, sub: 'research', client_id: 'research', scope: 'crm.read crm.invoke' }, { mode: 'hybrid' });
    assert.equal(caller.agent, 'research');
    assert.equal(caller.user, undefined);
    assert.deepEqual(describeCaller(caller), { identity: 'agent:research', agent: 'research', on_behalf_of: undefined, scopes: ['crm.read', 'crm.invoke'] });
  });

  test('reads a user token: the user is the subject and the agent is azp', () => {
    const caller = callerFromClaims({ ...base, sub: 'alice', azp: 'support', scp: ['crm.read'] }, { mode: 'on_behalf_of' });
    assert.equal(caller.user, 'alice');
    assert.equal(caller.agent, 'support');
    assert.equal(describeCaller(caller).identity, 'user:alice');
  });

  test('reads the act chain of an exchanged token (RFC 8693 section 4.1)', () => {
    const caller = callerFromClaims({ ...base, sub: 'alice', act: { sub: 'gatehouse-gateway', act: { sub: 'support' } } }, { mode: 'hybrid' });
    assert.equal(caller.user, 'alice');
    assert.equal(caller.agent, 'gatehouse-gateway');
    assert.deepEqual(caller.actors, ['gatehouse-gateway', 'support']);
  });

  test('recognises client-credentials tokens of Auth0, Entra ID and Keycloak as carrying no user', () => {
    const auth0 = callerFromClaims({ ...base, sub: 'abc@clients', azp: 'abc', gty: 'client-credentials' }, { mode: 'hybrid' });
    const entra = callerFromClaims({ ...base, sub: '7c1f-oid', azp: 'app-id', idtyp: 'app', roles: ['Crm.Read'] }, { mode: 'hybrid' });
    const keycloak = callerFromClaims({ ...base, sub: 'f81d-uuid', azp: 'research', preferred_username: 'service-account-research' }, { mode: 'hybrid' });
    assert.deepEqual([auth0.user, entra.user, keycloak.user], [undefined, undefined, undefined]);
  });

  test('maps roles from configured claims, dotted paths and namespaced names, through a role map', () => {
    const caller = callerFromClaims(
      { ...base, sub: 'alice', azp: 'x', realm_access: { roles: ['crm-support'] }, 'https://gatehouse.example/roles': ['auditor'] },
      { mode: 'hybrid', mapping: { roleClaims: ['realm_access.roles', 'https://gatehouse.example/roles'], roleMap: { 'crm-support': 'support' } } },
    );
    assert.deepEqual([...caller.roles].sort(), ['auditor', 'support']);
  });

  test('refuses a token without a user when the gateway runs on_behalf_of', () => {
    assert.throws(() => callerFromClaims({ ...base, sub: 'research', client_id: 'research' }, { mode: 'on_behalf_of' }), (error: unknown) => isAuthError(error) && error.code === 'user_required');
  });

  test('keeps the presented token out of the caller\'s enumerable fields', () => {
    const caller = callerFromClaims({ ...base, sub: 'research', client_id: 'research' }, { mode: 'hybrid', token: 'secret-token-value' });
    assert.ok(!JSON.stringify(caller, (_key, value: unknown) => (value instanceof Set ? [...value] : value)).includes('secret-token-value'));
  });
});

describe('the root principal of the delegation chain', () => {
  const cases: { name: string; claims: Record<string, unknown>; user: string | undefined; root: string }[] = [
    { name: 'a plain user token: the user', claims: { sub: 'alice', azp: 'support' }, user: 'alice', root: 'user:alice' },
    { name: 'a client-credentials token: the client', claims: { sub: 'research', client_id: 'research' }, user: undefined, root: 'agent:research' },
    { name: 'an Entra app token: the client, not the service principal', claims: { sub: '7c1f-oid', azp: 'app-id', idtyp: 'app' }, user: undefined, root: 'agent:app-id' },
    { name: 'a user token exchanged by an agent: still the user', claims: { sub: 'alice', client_id: 'research', act: { sub: 'research' } }, user: 'alice', root: 'user:alice' },
    { name: 'a self-exchanged agent token: still the agent, not a user', claims: { sub: 'research', client_id: 'research', act: { sub: 'research' } }, user: undefined, root: 'agent:research' },
    { name: 'an agent token exchanged by another agent and marked app-only: the first agent', claims: { sub: 'research', client_id: 'support', idtyp: 'app', act: { sub: 'support' } }, user: undefined, root: 'agent:research' },
    { name: 'nested exchanges whose subject acted itself: the subject agent', claims: { sub: 'research', client_id: 'gatehouse-gateway', act: { sub: 'gatehouse-gateway', act: { sub: 'research' } } }, user: undefined, root: 'agent:research' },
    { name: 'nested exchanges of a user token: the user', claims: { sub: 'alice', act: { sub: 'gatehouse-gateway', act: { sub: 'support' } } }, user: 'alice', root: 'user:alice' },
    { name: 'an Auth0 client token exchanged: the client without @clients', claims: { sub: 'abc@clients', azp: 'other', act: { sub: 'other' } }, user: undefined, root: 'agent:abc' },
  ];
  for (const { name, claims, user, root } of cases) {
    test(`is ${name}`, () => {
      const caller = callerFromClaims({ ...base, ...claims }, { mode: 'hybrid' });
      assert.equal(caller.user, user);
      assert.equal(caller.rootPrincipal, root);
    });
  }

  test('refuses a self-exchanged agent token when the gateway runs on_behalf_of', () => {
    assert.throws(() => callerFromClaims({ ...base, sub: 'research', client_id: 'research', act: { sub: 'research' } }, { mode: 'on_behalf_of' }), (error: unknown) => isAuthError(error) && error.code === 'user_required');
  });

  test('describes a self-exchanged agent token to audit as the agent, never as a user', () => {
    const caller = callerFromClaims({ ...base, sub: 'research', client_id: 'research', act: { sub: 'research' } }, { mode: 'hybrid' });
    assert.equal(describeCaller(caller).identity, 'agent:research');
  });
});

describe('session binding', () => {
  const aliceViaSupport = (jti: string) => callerFromClaims({ ...base, sub: 'alice', azp: 'support', jti }, { mode: 'hybrid' });

  test('lets a refreshed token of the same identity keep using its session', () => {
    const owner = sessionOwnerOf(aliceViaSupport('first-token'));
    assert.equal(checkSessionOwner(owner, aliceViaSupport('refreshed-token')), undefined);
  });

  test('refuses another identity presenting the session id with 403 session_mismatch', () => {
    const owner = sessionOwnerOf(aliceViaSupport('t'));
    const intruder = callerFromClaims({ ...base, sub: 'research', client_id: 'research' }, { mode: 'hybrid' });
    const error = checkSessionOwner(owner, intruder);
    assert.equal(error?.code, 'session_mismatch');
    assert.equal(error?.status, 403);
  });

  test('binds request state to the identity, not to the token', () => {
    assert.equal(requestStateBindingKey(aliceViaSupport('a')), requestStateBindingKey(aliceViaSupport('b')));
    const viaResearch = callerFromClaims({ ...base, sub: 'alice', azp: 'research' }, { mode: 'hybrid' });
    assert.notEqual(requestStateBindingKey(viaResearch), requestStateBindingKey(aliceViaSupport('a')));
  });

  test('answers a caller it has seen with the same digests, and keeps the owner and the state key apart', () => {
    const caller = aliceViaSupport('memo');
    const owner = sessionOwnerOf(caller);
    assert.equal(sessionOwnerOf(caller), owner);
    assert.equal(requestStateBindingKey(caller), requestStateBindingKey(aliceViaSupport('other')));
    assert.notEqual(requestStateBindingKey(caller), owner);
    const intruder = callerFromClaims({ ...base, sub: 'mallory', azp: 'support' }, { mode: 'hybrid' });
    assert.equal(checkSessionOwner(owner, intruder)?.code, 'session_mismatch');
    assert.equal(checkSessionOwner(owner, intruder)?.code, 'session_mismatch');
  });
});
