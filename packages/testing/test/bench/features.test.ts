// Checks of `npm run bench -- --features`: which features a command line
// selects, that each names a reference and a goal, and how a ratio is judged.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { featureRatio, FEATURES, selectFeatures, UnknownFeatureError } from '../../../../bench/features.ts';
import { BenchUsageError, parseBenchOptions } from '../../../../bench/options.ts';

describe('bench features', () => {
  it('selects every feature by default and just the named ones with --only', () => {
    assert.deepEqual(selectFeatures([]).map((feature) => feature.name), ['metrics', 'tracing', 'auth', 'policies', 'audit']);
    const options = parseBenchOptions(['--features', '--only', 'audit, auth']);
    assert.equal(options.mode, 'features');
    assert.deepEqual(selectFeatures(options.features).map((feature) => feature.name), ['auth', 'audit']);
  });

  it('refuses an unknown feature, --only without --features, and --features with --soak', () => {
    assert.throws(() => selectFeatures(['cache']), (error: unknown) => error instanceof UnknownFeatureError && /unknown feature "cache"; choose from metrics/.test(error.message));
    assert.throws(() => parseBenchOptions(['--only', 'auth']), BenchUsageError);
    assert.throws(() => parseBenchOptions(['--features', '--soak']), BenchUsageError);
  });

  it('holds each feature to its issue\'s goal against the right reference', () => {
    const byName = new Map(FEATURES.map((feature) => [feature.name, feature]));
    assert.deepEqual([...byName.values()].map((feature) => [feature.name, feature.reference, feature.goal]), [
      ['metrics', 'bare', 0.9],
      ['tracing', 'bare', 0.8],
      ['auth', 'plain', 0.9],
      ['policies', 'plain', 0.85],
      ['audit', 'plain', 0.85],
    ]);
    assert.equal(byName.get('auth')!.isAuthenticated, true);
  });

  it('runs --replicas only with --redis, and alone', () => {
    const options = parseBenchOptions(['--replicas', '2', '--redis', '--duration', '3']);
    assert.equal(options.mode, 'replicas');
    assert.equal(options.replicas, 2);
    assert.throws(() => parseBenchOptions(['--replicas', '2']), /--replicas needs --redis/);
    assert.throws(() => parseBenchOptions(['--redis']), /--redis goes with --replicas/);
    assert.throws(() => parseBenchOptions(['--replicas', '2', '--redis', '--soak']), BenchUsageError);
  });

  it('judges feature rps over reference rps, and a side with errors as a miss', () => {
    const audit = FEATURES.find((feature) => feature.name === 'audit')!;
    const pass = featureRatio(audit, '2026-07-28', { rps: 900, errors: 0, requests: 10 }, { rps: 1000, errors: 0, requests: 10 });
    assert.equal(pass.value, 0.9);
    assert.equal(pass.isMet, true);
    const miss = featureRatio(audit, '2026-07-28', { rps: 800, errors: 0, requests: 10 }, { rps: 1000, errors: 0, requests: 10 });
    assert.equal(miss.isMet, false);
    const broken = featureRatio(audit, '2026-07-28', { rps: 2000, errors: 3, requests: 10 }, { rps: 1000, errors: 0, requests: 10 });
    assert.ok(Number.isNaN(broken.value));
    assert.equal(broken.isMet, false);
  });
});
