// MCP Apps URIs on /mcp: qualifying a backend's ui:// URI and template and
// taking the backend out again are inverse pure functions.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { qualifyUiUri, upstreamUiUri, withQualifiedUiTemplate } from '../../src/catalog/app-ui.ts';

describe('ui:// URIs on /mcp', () => {
  for (const [backend, uri] of [['crm', 'ui://dashboard/app.html'], ['ops', 'ui://reports/{id}.html'], ['a-b', 'ui://x']] as const) {
    it(`maps ${uri} of ${backend} there and back`, () => {
      assert.equal(upstreamUiUri(backend, qualifyUiUri(backend, uri)), uri);
    });
  }

  it('does not take a URI of another backend, or one that is not ui://, for this backend\'s', () => {
    assert.equal(upstreamUiUri('crm', 'ui://crmx/dashboard'), undefined);
    assert.equal(upstreamUiUri('crm', 'test://crm/dashboard'), undefined);
  });

  it('qualifies a ui:// template and leaves any other template as it is', () => {
    assert.equal(withQualifiedUiTemplate('ops', { uriTemplate: 'ui://reports/{id}.html' }).uriTemplate, 'ui://ops/reports/{id}.html');
    const other = { uriTemplate: 'test://template/{id}' };
    assert.equal(withQualifiedUiTemplate('ops', other), other);
  });
});
