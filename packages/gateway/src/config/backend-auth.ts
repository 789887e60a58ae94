// The rules on backends' `auth` that need more than one entry: a named
// credential (`auth: service-account-crm`) is resolved from the gateway's
// environment at load, and the caller's token is passed through only to a
// backend declared to accept the gateway's own audience. Run by the loader
// after the schema, so `gatehouse validate` and `start` refuse the same files.

import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { BackendAuthConfig, BackendConfig } from './backend-schema.ts';
import type { AuthenticationConfig } from './identity-schema.ts';
import type { Environment } from './env-interpolation.ts';
import type { ConfigProblem } from './errors.ts';
import { CLIENT_METADATA_PATH } from './backend-oauth-schema.ts';

/** `service-account-crm` -> `GATEHOUSE_CREDENTIAL_SERVICE_ACCOUNT_CRM`: the variable holding that credential's bearer token. */
export function credentialVariable(name: string): string {
  return `GATEHOUSE_CREDENTIAL_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** Reads a secret file; relative paths are taken from the config file's directory. */
export type SecretFileReader = (path: string) => string;

const readSecretFile = (baseDirectory: string): SecretFileReader => (path) => readFileSync(isAbsolute(path) ? path : resolve(baseDirectory, path), 'utf8');

/**
 * Checks every backend's `auth` against the rest of the config and fills in
 * named credentials' secrets. Returns the problems, each naming the key and
 * what to do; an empty list means every `auth` will be applied as written.
 */
export function resolveBackendAuth(
  backends: BackendConfig[],
  authentication: AuthenticationConfig | undefined | 'discovered',
  env: Environment,
  readFile: SecretFileReader = readSecretFile(env.GATEHOUSE_CONFIG_DIR ?? process.cwd()),
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  backends.forEach((backend, index) => {
    const path = `backends[${index}].auth`;
    const auth = backend.auth;
    if (auth.type === 'named') {
      if (backend.kind === 'stdio') {
        problems.push({ path, message: `the named credential "${auth.name}" is sent as an Authorization header, and a stdio backend has no HTTP request to carry it; give a stdio backend its credentials through env (env: { API_TOKEN: \${${credentialVariable(auth.name)}} })` });
        return;
      }
      const resolved = namedSecret(auth.name, env, readFile);
      if (typeof resolved === 'string') backend.auth = { ...auth, secret: resolved };
      else problems.push({ path, message: resolved.problem });
    } else if (auth.type === 'oauth_passthrough') {
      const problem = authentication === 'discovered'
        ? 'oauth_passthrough is not accepted from discovery: a backend that is handed callers\' tokens must be declared in gatehouse.yaml, where it is checked against authentication.audience'
        : passthroughProblem(auth, authentication);
      if (problem !== undefined) problems.push({ path, message: problem });
    } else if (auth.type === 'oauth') {
      // Token files are read at each exchange (a rotated mount), so only their paths are fixed here, from the config file's directory.
      const base = env.GATEHOUSE_CONFIG_DIR ?? process.cwd();
      const fromConfigDirectory = (file: string | undefined) => file === undefined || isAbsolute(file) ? file : resolve(base, file);
      const idTokenFile = fromConfigDirectory(auth.idTokenFile);
      const assertionFile = fromConfigDirectory(auth.assertionFile);
      backend.auth = { ...auth, ...(idTokenFile === undefined ? {} : { idTokenFile }), ...(assertionFile === undefined ? {} : { assertionFile }) };
    }
    if (backend.auth.type === 'oauth' && backend.auth.privateKeyFile !== undefined) {
      const oauth = backend.auth;
      try {
        backend.auth = { ...oauth, privateKey: readFile(oauth.privateKeyFile!) };
      } catch (error) {
        problems.push({ path: `${path}.private_key_file`, message: `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}: ${oauth.privateKeyFile}); expected the path of a PEM private key, relative to the config file's directory` });
      }
    }
  });
  problems.push(...clientMetadataDocumentProblems(backends));
  return problems;
}

/**
 * The gateway serves one Client ID Metadata Document at CLIENT_METADATA_PATH,
 * whose `client_id` must equal its URL: backends naming that path under
 * different URLs would each present a client_id the document does not carry.
 */
function clientMetadataDocumentProblems(backends: BackendConfig[]): ConfigProblem[] {
  const served = backends.flatMap((backend, index) => backend.auth.type === 'oauth' && backend.auth.clientIdMetadataUrl !== undefined && new URL(backend.auth.clientIdMetadataUrl).pathname === CLIENT_METADATA_PATH
    ? [{ index, url: backend.auth.clientIdMetadataUrl }] : []);
  const first = served[0];
  return served.filter((entry) => entry.url !== first!.url).map((entry) => ({
    path: `backends[${entry.index}].auth.client_id_metadata_url`,
    message: `is ${entry.url}, but backends[${first!.index}] names ${first!.url} for the same document (${CLIENT_METADATA_PATH}); the gateway serves one document for its one client identity, so give every backend the same URL`,
  }));
}

/** The bearer token of a named credential: `GATEHOUSE_CREDENTIAL_<NAME>`, or the file `GATEHOUSE_CREDENTIAL_<NAME>_FILE` names (a mounted secret). */
function namedSecret(name: string, env: Environment, readFile: SecretFileReader): string | { problem: string } {
  const variable = credentialVariable(name);
  const value = env[variable];
  const file = env[`${variable}_FILE`];
  const howTo = `set ${variable} (the bearer token) or ${variable}_FILE (the path of a file holding it, such as a mounted Kubernetes or Docker secret) in the gateway's environment`;
  if (value !== undefined && file !== undefined) return { problem: `the credential "${name}" is given twice, by ${variable} and ${variable}_FILE; set only one` };
  let secret = value;
  if (file !== undefined) {
    try {
      secret = readFile(file);
    } catch (error) {
      return { problem: `the credential "${name}": ${variable}_FILE names a file that cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}: ${file}); ${howTo}` };
    }
  }
  if (secret === undefined) return { problem: `the credential "${name}" is not defined: ${howTo}` };
  secret = secret.trim();
  if (secret === '') return { problem: `the credential "${name}" is empty; ${howTo}` };
  if (/[\r\n]/.test(secret)) return { problem: `the credential "${name}" spans several lines; it must be one bearer token (not shown)` };
  return secret;
}

/**
 * MCP authorization (2025-11-25, "Access Token Privilege Restriction" and
 * Security Best Practices, "Token Passthrough"): a server must not pass on
 * the token its client sent, since that token was issued for the gateway.
 * The one case where handing it on is not passthrough in that sense: the
 * backend is part of the same protected resource and validates tokens issued
 * for the gateway's audience. The file must say so, with that audience.
 */
function passthroughProblem(auth: Extract<BackendAuthConfig, { type: 'oauth_passthrough' }>, authentication: AuthenticationConfig | undefined): string | undefined {
  const instead = 'to call this backend on the caller\'s behalf, use auth: { type: token_exchange, token_url: ..., audience: <the backend\'s audience> } (RFC 8693), which gets a token issued for the backend';
  if (authentication === undefined || authentication.isAnonymousAllowed) {
    return `oauth-passthrough needs authentication on: with no caller token there is nothing to pass; ${instead}`;
  }
  if (auth.audience === undefined) {
    return `token passthrough is forbidden by the MCP authorization spec (Security Best Practices, "Token Passthrough"): the caller's token was issued for the gateway, not for this backend; ${instead}. Only if this backend validates tokens issued for the gateway's own audience, declare it: auth: { type: oauth_passthrough, audience: <authentication.audience> }`;
  }
  if (authentication.audience === undefined) {
    return `audience "${auth.audience}" cannot be checked: authentication.audience is not set, so the gateway's audience is not known at load; set authentication.audience to the audience the gateway's tokens carry`;
  }
  if (auth.audience !== authentication.audience) {
    return `audience "${auth.audience}" is not the gateway's audience "${authentication.audience}" (authentication.audience): the caller's token is issued for the gateway, so passing it on is allowed only to a backend that accepts exactly that audience; ${instead}`;
  }
  return undefined;
}
