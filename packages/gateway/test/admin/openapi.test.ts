// The admin API's OpenAPI document against the specification and against the
// code: valid OpenAPI 3.1 (@readme/openapi-parser, the official 3.1 schemas,
// offline), every schema compiles as JSON Schema 2020-12 under strict ajv,
// and every path the admin listener's code matches on is documented. Real
// answers are checked in test/e2e/admin-openapi.test.ts.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { compileErrors, validate } from '@readme/openapi-parser';
import { AdminApiDocument, isCovered, templateOf } from '../fixtures/admin-api-document.ts';
import { loadAdminApiDocument } from '../../src/admin/openapi-route.ts';
import { requiredPermission } from '../../src/admin/admin-permissions.ts';

const SOURCE = fileURLToPath(new URL('../../src/', import.meta.url));

/**
 * The admin listener's code: admin-server.ts and the files it takes a route
 * constant (`*_PATH`) from, everything under admin/, and every handler
 * mounted on it (a module naming AdminHandler), wherever it lives.
 */
function adminListenerSources(): Map<string, string> {
  const sources = new Map<string, string>();
  const server = readFileSync(join(SOURCE, 'admin/admin-server.ts'), 'utf8');
  for (const [, names, from] of server.matchAll(/import \{([^}]*)\} from '(\.[^']+)'/g)) {
    if (/\b[A-Z_]+_PATH\b/.test(names!)) sources.set(join('admin', from!), '');
  }
  for (const file of readdirSync(SOURCE, { recursive: true }).map(String).filter((name) => name.endsWith('.ts'))) {
    const text = readFileSync(join(SOURCE, file), 'utf8');
    if (file.startsWith('admin/') || /\bAdminHandler\b/.test(text) || sources.has(file)) sources.set(file, text);
  }
  return sources;
}

/** The paths a source names: anything under /admin, and every string literal that is a path by itself ('/healthz'). */
function namedPaths(text: string): string[] {
  const underAdmin = [...text.matchAll(/(?<![\w./])\/admin(?![\w-])(?:\/[A-Za-z0-9_.{}-]+)*\/?/g)].map((match) => match[0]);
  const literals = [...text.matchAll(/(['"`])(\/[a-z][a-z0-9_./{}-]*)\1/g)].map((match) => match[2]!);
  return [...new Set([...underAdmin, ...literals])];
}

describe('the admin API document', () => {
  const document = loadAdminApiDocument();
  const templates = Object.keys(document.paths as object);

  it('is valid OpenAPI 3.1', async () => {
    assert.match(String(document.openapi), /^3\.1\.\d+$/);
    const result = await validate(structuredClone(document) as never);
    assert.ok(result.valid, result.valid ? '' : compileErrors(result));
    assert.deepEqual(result.warnings, []);
  });

  it('is refused by the validator when a response loses its description (the check can fail)', async () => {
    const broken = structuredClone(document) as any;
    delete broken.paths['/healthz'].get.responses['200'].description;
    assert.equal((await validate(broken)).valid, false);
  });

  it('has schemas that compile as JSON Schema 2020-12 under strict ajv', () => {
    new AdminApiDocument(document).compileAll();
  });

  it('refuses a schema with a type JSON Schema does not have (strict ajv can fail)', () => {
    const broken = structuredClone(document) as any;
    broken.components.schemas.Health.type = 'objekt';
    assert.throws(() => new AdminApiDocument(broken).compileAll());
  });

  it('puts every /admin/ operation behind the bearer scheme with the admin scope, and leaves only the probes, the approval page and the console open', () => {
    assert.deepEqual(document.security, [{ adminBearer: ['gatehouse.admin'] }]);
    const open: string[] = [];
    for (const [method, template] of new AdminApiDocument(document).operations()) {
      const security = (document.paths as any)[template][method].security;
      if (template.startsWith('/admin/')) assert.equal(security, undefined, `${method} ${template} must inherit the admin security`);
      else if (Array.isArray(security) && security.length === 0) open.push(template);
    }
    assert.deepEqual([...new Set(open)].sort(), ['/approvals/{id}', '/console/', '/console/auth/callback', '/console/auth/login', '/console/auth/logout', '/console/auth/session', '/healthz', '/metrics', '/readyz']);
  });

  it('names on every /admin/ operation the permission admin-permissions.ts requires of it', () => {
    const wrong: string[] = [];
    for (const [method, template] of new AdminApiDocument(document).operations()) {
      if (!template.startsWith('/admin/')) continue;
      const named = (document.paths as any)[template][method]['x-gatehouse-permission'];
      const required = requiredPermission(method, template.replace(/\{[^}]+\}/g, 'x'));
      if (named !== required || required === undefined) wrong.push(`${method} ${template}: document ${named}, model ${required}`);
    }
    assert.deepEqual(wrong, []);
  });

  it('documents every path the admin listener\'s code matches on', () => {
    const sources = adminListenerSources();
    const named = new Map<string, string>();
    for (const [file, text] of sources) for (const path of namedPaths(text)) named.set(path, file);
    for (const expected of ['/healthz', '/readyz', '/metrics', '/admin/approvals', '/admin/tools/{backend}/{tool}/accept', '/admin/audit/records', '/admin/openapi.json', '/approvals/']) {
      assert.ok(named.has(expected), `the scan of the admin listener's code finds ${expected}`);
    }
    const missing = [...named].filter(([path]) => !isCovered(templates, path)).map(([path, file]) => `${path} (${file})`);
    assert.deepEqual(missing, [], 'paths the code answers that openapi.yaml does not document');
  });

  for (const [named, isDocumented] of [
    ['/admin/approvals', true],
    ['/admin/approvals/', true],
    ['/admin/approvals/{id}/', true],
    ['/admin/tools/{backend}/{tool}/accept', true],
    ['/admin', true],
    ['/approvals/', true],
    ['/admin/usage', true],
    ['/admin/registry/{name}/transitions', true],
    ['/admin/registry/{name}/reviews', false],
    ['/admin/quotas', false],
    ['/admin/tools/{backend}/{tool}/reject', false],
    ['/admin/audit/purge', false],
    ['/livez', false],
  ] as const) {
    it(`counts ${named} as ${isDocumented ? 'documented' : 'undocumented'}`, () => {
      assert.equal(isCovered(templates, named), isDocumented);
    });
  }

  for (const [path, template] of [
    ['/admin/approvals/apr_1', '/admin/approvals/{id}'],
    ['/admin/approvals/apr_1/deny', '/admin/approvals/{id}/deny'],
    ['/admin/registry/review-due', '/admin/registry/review-due'],
    ['/admin/registry/wiki', '/admin/registry/{name}'],
    ['/admin/registry/wiki/transitions', '/admin/registry/{name}/transitions'],
    ['/admin/tools/pins', '/admin/tools/pins'],
    ['/admin/tools/crm/echo', '/admin/tools/{backend}/{tool}'],
    ['/admin/approvals/', undefined],
    ['/admin/nothing', undefined],
  ] as const) {
    it(`reads ${path} as ${template ?? 'no documented path'}`, () => {
      assert.equal(templateOf(templates, path), template);
    });
  }
});
