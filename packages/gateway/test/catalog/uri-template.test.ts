import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileUriTemplate } from '../../src/catalog/uri-template.ts';

describe('resource URI templates', () => {
  const table: Array<[template: string, uri: string, isMatch: boolean]> = [
    ['doc://team/customers/{customer_id}', 'doc://team/customers/C-1001', true],
    ['doc://team/customers/{customer_id}', 'doc://team/customers/C-1001/extra', false],
    ['test://template/{id}/data', 'test://template/7/data', true],
    ['file:///{+path}', 'file:///a/b/c.txt', true],
    ['search://items{?q,limit}', 'search://items?q=x&limit=2', true],
    ['search://items{?q,limit}', 'search://items', true],
    ['test://v1/items/{id}', 'test://v2/items/1', false],
  ];
  for (const [template, uri, isMatch] of table) {
    it(`${isMatch ? 'matches' : 'does not match'} ${uri} against ${template}`, () => {
      assert.equal(compileUriTemplate(template)?.test(uri), isMatch);
    });
  }

  it('treats regex metacharacters in the literal part literally', () => {
    assert.equal(compileUriTemplate('a+b://x.y/{id}')?.test('a+b://x.y/1'), true);
    assert.equal(compileUriTemplate('a+b://x.y/{id}')?.test('aab://xzy/1'), false);
  });
});
