// The embedded provider's signing keys, made per process: an ES256 key for
// access tokens and an RS256 key for ID tokens. A 2048-bit RSA key takes
// 50-200 ms of a libuv pool thread here (a prime search: its time varies), so
// the gateway starts this first (startGateway) and the provider takes the
// keys when it starts, instead of the start waiting idle for them. node:crypto
// alone: the first thing a start does should not load jose.

import { generateKeyPair, randomUUID, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';

export function generateSigningJwks(): Promise<JWK[]> {
  return Promise.all([
    generate('ES256', (done) => generateKeyPair('ec', { namedCurve: 'P-256' }, done)),
    generate('RS256', (done) => generateKeyPair('rsa', { modulusLength: 2048 }, done)),
  ]);
}

type Generator = (done: (error: Error | null, publicKey: KeyObject, privateKey: KeyObject) => void) => void;

function generate(alg: 'ES256' | 'RS256', start: Generator): Promise<JWK> {
  return new Promise((resolve, reject) => {
    start((error, _publicKey, privateKey) => {
      if (error !== null) reject(error);
      else resolve({ ...(privateKey.export({ format: 'jwk' }) as JWK), alg, use: 'sig', kid: `${alg.toLowerCase()}-${randomUUID().slice(0, 8)}` });
    });
  });
}
