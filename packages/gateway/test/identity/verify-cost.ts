// How much the verified-token cache saves per message: a cache hit (hash +
// lookup) against a full check (decode, signature, claims, Caller) for ES256
// and RS256 tokens. Not a test; run it:
//   node packages/gateway/test/identity/verify-cost.ts

import { performance } from 'node:perf_hooks';
import { createTokenVerifier } from '../../src/identity/token-verifier.ts';
import { createSigningKey, nowSeconds, startTestIssuer } from './fixtures/test-issuer.ts';

const RESOURCE = 'https://gateway.example/mcp';
const issuer = await startTestIssuer();
issuer.published.push(await createSigningKey('ES256', 'es-key'));
const verifier = createTokenVerifier({ issuer: issuer.issuer, audiences: [RESOURCE] });
const claims = { iss: issuer.issuer, aud: RESOURCE, sub: 'support', client_id: 'support', scope: 'crm.read crm.invoke crm.customers.read crm.customers.write crm.email.send', roles: ['support'], exp: nowSeconds() + 3600, jti: 'bench' };

async function measure(label: string, iterations: number, run: () => unknown): Promise<void> {
  for (let i = 0; i < Math.min(iterations, 2000); i++) await run();
  const started = performance.now();
  for (let i = 0; i < iterations; i++) {
    const result = run();
    if (result instanceof Promise) await result;
  }
  const nsPerOp = ((performance.now() - started) * 1e6) / iterations;
  console.log(`${label.padEnd(44)} ${nsPerOp.toFixed(0).padStart(9)} ns/op  (${iterations} ops)`);
}

for (const kid of ['key-1', 'es-key']) {
  const key = issuer.published.find((candidate) => candidate.kid === kid)!;
  const token = await issuer.mint(claims, { key });
  await verifier.verify(token);
  await measure(`${key.alg} cache hit (hash + lookup)`, 200_000, () => verifier.verify(token));
  // As the transport sees it: a fresh header string per request, the same socket.
  const header = Buffer.from(`Bearer ${token}`);
  const connection = {};
  await measure(`${key.alg} header, no connection (parse + hash)`, 200_000, () => verifier.authenticate(header.toString('latin1')));
  await measure(`${key.alg} header repeated on a connection`, 200_000, () => verifier.authenticate(header.toString('latin1'), connection));
  await measure(`${key.alg} full verify (cache cleared each time)`, key.alg === 'RS256' ? 5_000 : 5_000, () => {
    verifier.cache.clear();
    return verifier.verify(token);
  });
}
await issuer.close();
