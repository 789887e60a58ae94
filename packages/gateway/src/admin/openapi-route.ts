// GET /admin/openapi.json on the admin listener: the admin API's OpenAPI 3.1
// description (openapi.yaml beside this file), parsed once and served as
// JSON. admin-server.ts mounts it inside the guard, like every /admin/ route.

import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse } from 'yaml';
import { writeJson, writeJsonText } from '../transport/http-io.ts';

const OPENAPI_DOCUMENT_PATH = '/admin/openapi.json';

const DOCUMENT_FILE = new URL('./openapi.yaml', import.meta.url);

let documentText: string | undefined;

/** The admin API's description as a plain object (a fresh copy each call). */
export function loadAdminApiDocument(): Record<string, unknown> {
  return JSON.parse(adminApiDocumentText()) as Record<string, unknown>;
}

function adminApiDocumentText(): string {
  documentText ??= JSON.stringify(parse(readFileSync(DOCUMENT_FILE, 'utf8')));
  return documentText;
}

/** Answers GET /admin/openapi.json and returns true; false for any other path. The caller has passed the guard. */
export function serveAdminApiDocument(request: IncomingMessage, response: ServerResponse, path: string): boolean {
  if (path !== OPENAPI_DOCUMENT_PATH) return false;
  if (request.method !== 'GET') {
    writeJson(response, 405, { error: `GET ${OPENAPI_DOCUMENT_PATH} serves the admin API's OpenAPI document` }, { allow: 'GET' });
    return true;
  }
  writeJsonText(response, 200, adminApiDocumentText());
  return true;
}
