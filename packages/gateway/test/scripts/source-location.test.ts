// The bundle's location pins (scripts/source-location.ts): a bundled module
// must find the files beside its source, so its location expressions are
// rewritten to its source file, relative to the bundle's folder.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pinSourceLocation } from '../../scripts/source-location.ts';

const OUT = '/repo/packages/gateway/dist';
const SOURCE = '/repo/packages/gateway/src/config/default-config.ts';

/** Evaluates a rewritten expression as if the chunk ran from `/app/packages/gateway/dist/chunk.mjs`. */
function evaluate(expression: string): string {
  return new Function('importMeta', `return ${expression.replaceAll('import.meta.url', 'importMeta.url')};`)({ url: 'file:///app/packages/gateway/dist/chunk-abc.mjs' }) as string;
}

describe('pinSourceLocation', () => {
  it('leaves a module without location expressions alone', () => {
    assert.equal(pinSourceLocation('export const x = meta.url + dirname;', SOURCE, OUT), null);
  });

  it("points import.meta.url at the source file, wherever the checkout lies", () => {
    const pinned = pinSourceLocation('const u = import.meta.url;', SOURCE, OUT)!;
    const expression = /const u = (.*);/.exec(pinned)![1]!;
    assert.equal(evaluate(expression), 'file:///app/packages/gateway/src/config/default-config.ts');
  });

  it('gives CommonJS modules their own __dirname and __filename, and leaves properties and longer names alone', () => {
    const code = 'a(__dirname); b(__filename); c(x.__dirname, my__dirname, __dirname_x);';
    const pinned = pinSourceLocation(code, '/repo/node_modules/pkg/lib/index.js', OUT)!;
    const [dirnameExpression, filenameExpression] = [/a\((.*)\); b\(/.exec(pinned)![1]!, /b\((.*)\); c\(/.exec(pinned)![1]!];
    assert.equal(evaluate(dirnameExpression), '/app/node_modules/pkg/lib');
    assert.equal(evaluate(filenameExpression), '/app/node_modules/pkg/lib/index.js');
    assert.match(pinned, /c\(x\.__dirname, my__dirname, __dirname_x\);$/);
  });

  it('keeps the line count, so source maps keep every line right', () => {
    const code = 'line1\nconst u = import.meta.url;\nf(__dirname)\n';
    assert.equal(pinSourceLocation(code, SOURCE, OUT)!.split('\n').length, code.split('\n').length);
  });

  it('encodes path segments that are not URL-safe', () => {
    const pinned = pinSourceLocation('const u = import.meta.url;', '/repo/packages/gateway/src/a dir/x#1.ts', OUT)!;
    assert.equal(evaluate(/const u = (.*);/.exec(pinned)![1]!), 'file:///app/packages/gateway/src/a%20dir/x%231.ts');
  });
});
