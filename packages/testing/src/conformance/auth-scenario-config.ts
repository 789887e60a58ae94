// What the gateway is told for each of the official suite's `auth/*` client
// scenarios (the backend's `auth: { type: oauth }`), from the scenario's
// name and the context the suite passes in MCP_CONFORMANCE_CONTEXT
// (pre-registered ids, secrets, keys), plus a user agent that accepts the
// suite's auto-approving authorization server's redirect headlessly, where
// an operator would run `gatehouse backend authorize`.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The suite's authorization servers accept this client_id for CIMD (scenarios/client/auth/basic-cimd.ts). */
export const SUITE_CIMD_URL = 'https://conformance-test.local/client-metadata.json';

export type ScenarioContext = Record<string, string | undefined>;

export function parseContext(): ScenarioContext {
  const raw = process.env.MCP_CONFORMANCE_CONTEXT;
  return raw === undefined || raw === '' ? {} : JSON.parse(raw) as ScenarioContext;
}

export function oauthAuthFor(scenario: string, context: ScenarioContext): Record<string, unknown> {
  if (scenario === 'auth/client-credentials-basic') {
    return { type: 'oauth', grant: 'client_credentials', client_id: context.client_id, client_secret: context.client_secret, token_endpoint_auth_method: 'client_secret_basic' };
  }
  if (scenario === 'auth/client-credentials-jwt') {
    const directory = mkdtempSync(join(tmpdir(), 'gatehouse-cc-jwt-'));
    const keyFile = join(directory, 'client.pem');
    writeFileSync(keyFile, context.private_key_pem ?? '', { mode: 0o600 });
    return { type: 'oauth', grant: 'client_credentials', client_id: context.client_id, private_key_file: keyFile, token_endpoint_auth_method: 'private_key_jwt', signing_algorithm: context.signing_algorithm ?? 'ES256' };
  }
  if (scenario === 'auth/enterprise-managed-authorization') {
    const directory = mkdtempSync(join(tmpdir(), 'gatehouse-id-jag-'));
    const idTokenFile = join(directory, 'id-token');
    writeFileSync(idTokenFile, context.idp_id_token ?? '', { mode: 0o600 });
    return { type: 'oauth', grant: 'id_jag', client_id: context.client_id, client_secret: context.client_secret, idp_client_id: context.idp_client_id, idp_token_endpoint: context.idp_token_endpoint, id_token_file: idTokenFile };
  }
  if (scenario === 'auth/wif-jwt-bearer') {
    const directory = mkdtempSync(join(tmpdir(), 'gatehouse-wif-'));
    const assertionFile = join(directory, 'workload.jwt');
    writeFileSync(assertionFile, context.valid_jwt ?? '', { mode: 0o600 });
    return { type: 'oauth', grant: 'jwt_bearer', client_id: context.client_id, assertion_file: assertionFile };
  }
  if (scenario === 'auth/pre-registration') {
    return { type: 'oauth', client_id: context.client_id, client_secret: context.client_secret };
  }
  if (scenario === 'auth/dpop' || scenario === 'auth/dpop-nonce') return { type: 'oauth', client_id_metadata_url: SUITE_CIMD_URL, dpop: true };
  return { type: 'oauth', client_id_metadata_url: SUITE_CIMD_URL };
}

/** The person who clicks "allow": follows the authorization URL and returns where the server redirected. */
export async function autoApprovingAuthorizer(request: { authorizationUrl: URL }): Promise<URL> {
  const response = await fetch(request.authorizationUrl, { redirect: 'manual' });
  const location = response.headers.get('location');
  await response.body?.cancel();
  if (location === null) throw new Error(`the authorization endpoint answered ${response.status} without a redirect`);
  return new URL(location, request.authorizationUrl);
}
