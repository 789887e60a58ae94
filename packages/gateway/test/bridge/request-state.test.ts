import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { RequestStateSealer, type RequestStatePayload } from '../../src/bridge/request-state.ts';
import { isGatewayRpcError } from '../../src/protocol/errors.ts';

const now = 1_800_000_000_000;
const issued: RequestStatePayload = {
  kind: 'pass', endpoint: '', backend: 'crm', method: 'tools/call', target: 'crm__send_email', caller: 'agent:support', expiresAt: now + 60_000, inner: 'backend-state',
};
const expected = { endpoint: '', method: 'tools/call', target: 'crm__send_email', caller: 'agent:support', now };

function refusal(pattern: RegExp) {
  return (error: unknown) => isGatewayRpcError(error) && error.code === -32602 && pattern.test(error.message);
}

describe('sealed requestState', () => {
  const sealer = new RequestStateSealer(randomBytes(32));

  it('opens what it sealed, with the backend\'s own state inside', () => {
    assert.deepEqual(sealer.open(sealer.seal(issued), expected), issued);
  });

  it('hides the backend\'s state from the client', () => {
    assert.ok(!sealer.seal(issued).includes('backend-state'));
    assert.ok(!Buffer.from(sealer.seal(issued).slice(4), 'base64url').toString('latin1').includes('backend-state'));
  });

  it('refuses a state with one byte changed', () => {
    const sealed = sealer.seal(issued);
    const raw = Buffer.from(sealed.slice(4), 'base64url');
    raw[20] = raw[20]! ^ 1;
    assert.throws(() => sealer.open(`gh1.${raw.toString('base64url')}`, expected), refusal(/not issued by this gateway or has been altered/));
  });

  it('refuses a state sealed by another gateway key', () => {
    const other = new RequestStateSealer(randomBytes(32));
    assert.throws(() => sealer.open(other.seal(issued), expected), refusal(/altered/));
  });

  for (const bad of [undefined, 42, '', 'gh1.', 'plain-backend-state', `gh1.${'A'.repeat(40)}`]) {
    it(`refuses the non-state ${JSON.stringify(bad)}`, () => {
      assert.throws(() => sealer.open(bad, expected), refusal(/altered/));
    });
  }

  it('refuses an expired state', () => {
    assert.throws(() => sealer.open(sealer.seal(issued), { ...expected, now: issued.expiresAt + 1 }), refusal(/expired/));
  });

  it('refuses a state presented by another caller', () => {
    assert.throws(() => sealer.open(sealer.seal(issued), { ...expected, caller: 'agent:research' }), refusal(/another caller/));
  });

  it('refuses a state replayed on another tool or endpoint', () => {
    assert.throws(() => sealer.open(sealer.seal(issued), { ...expected, target: 'crm__send_mass_email' }), refusal(/belongs to/));
    assert.throws(() => sealer.open(sealer.seal(issued), { ...expected, endpoint: 'crm' }), refusal(/belongs to/));
  });

  it('takes a shared key from GATEHOUSE_STATE_SECRET so replicas can open each other\'s states', () => {
    const secret = randomBytes(32).toString('hex');
    const a = RequestStateSealer.fromEnvironment({ GATEHOUSE_STATE_SECRET: secret });
    const b = RequestStateSealer.fromEnvironment({ GATEHOUSE_STATE_SECRET: secret });
    assert.deepEqual(b.open(a.seal(issued), expected), issued);
  });
});
