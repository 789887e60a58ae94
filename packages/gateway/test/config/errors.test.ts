import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, formatKeyPath, formatProblem, isConfigError, type KeyPathSegment } from '../../src/config/errors.ts';

describe('key paths', () => {
  const table: Array<[segments: KeyPathSegment[], text: string]> = [
    [[], ''],
    [['gateway', 'port'], 'gateway.port'],
    [['backends', 1, 'url'], 'backends[1].url'],
    [['backends', 0, 'headers', 'X-Api-Key'], 'backends[0].headers.X-Api-Key'],
    [['backends', 0, 'headers', 'a.b'], 'backends[0].headers["a.b"]'],
    [['policies', 2], 'policies[2]'],
  ];
  for (const [segments, text] of table) {
    it(`writes ${JSON.stringify(segments)} as "${text}"`, () => assert.equal(formatKeyPath(segments), text));
  }
});

describe('ConfigError', () => {
  it('lists each problem on its own line, prefixed with the file and key path', () => {
    const error = new ConfigError('config_invalid', 'gatehouse.yaml', [
      { path: 'backends[1].url', message: 'expected an http(s) URL, got "ftp://x"' },
      { path: '', message: 'is empty' },
    ]);
    assert.equal(error.message, 'gatehouse.yaml: backends[1].url: expected an http(s) URL, got "ftp://x"\ngatehouse.yaml: is empty');
    assert.equal(error.code, 'config_invalid');
  });

  it('puts line and column of a YAML problem after the file name', () => {
    assert.equal(formatProblem('gatehouse.yaml', { path: '', message: 'bad indentation', line: 3, column: 5 }), 'gatehouse.yaml:3:5: bad indentation');
  });

  it('is recognised by its brand, also as a plain object copy of another module instance', () => {
    const error = new ConfigError('config_not_found', 'x.yaml', []);
    assert.equal(isConfigError(error), true);
    assert.equal(isConfigError(new Error('x')), false);
    assert.equal(isConfigError({ [Symbol.for('gatehouse.ConfigError')]: true }), true);
  });
});
