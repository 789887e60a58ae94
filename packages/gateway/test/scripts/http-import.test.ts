// The bundle's rewrite of dependencies' node:http imports
// (scripts/http-import.ts): named imports become a destructuring of the
// module itself, so Node never builds node:http's ESM facade (which loads its
// bundled undici through three export getters).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { takeHttpWithoutFacade } from '../../scripts/http-import.ts';

describe('takeHttpWithoutFacade', () => {
  it('turns a named import of node:http into a destructuring of the builtin', () => {
    assert.equal(takeHttpWithoutFacade("import { STATUS_CODES } from 'node:http';\nuse(STATUS_CODES);"), "const { STATUS_CODES } = process.getBuiltinModule('node:http');\nuse(STATUS_CODES);");
  });

  it('keeps renames and several names, with either quote and without the node: prefix', () => {
    const rewritten = takeHttpWithoutFacade('import { createServer as makeServer, STATUS_CODES, } from "http"\nx();')!;
    assert.equal(rewritten, "const { createServer: makeServer, STATUS_CODES } = process.getBuiltinModule('node:http');\nx();");
    const { createServer: makeServer, STATUS_CODES } = process.getBuiltinModule('node:http');
    assert.equal(typeof makeServer, 'function');
    assert.equal(STATUS_CODES[404], 'Not Found');
  });

  it('leaves other modules, node:https and default or namespace imports alone', () => {
    assert.equal(takeHttpWithoutFacade("import { request } from 'node:https';"), null);
    assert.equal(takeHttpWithoutFacade("import http from 'node:http';"), null);
    assert.equal(takeHttpWithoutFacade("import * as http from 'node:http';"), null);
    assert.equal(takeHttpWithoutFacade('const x = 1;'), null);
  });
});
