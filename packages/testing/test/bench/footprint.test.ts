// Checks of `npm run bench:footprint`'s arithmetic: the full chain's figures
// are held to issue 17's limits, and the report shows full / routing ratios.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { footprintGoals, footprintRatios, formatFootprintReport, type ProfileFootprint } from '../../../../bench/footprint/figures.ts';

const MB = 1024 * 1024;
const routing: ProfileFootprint = { profile: 'routing', listeningMs: 150, readyMs: 200, readyCpuMs: 180, idleRssBytes: 60 * MB, idleRssFileBytes: 40 * MB, loadRssBytes: 120 * MB, loadRps: 10_000, loadCpuUsPerCall: 95, loadErrors: 0, settledRssBytes: 70 * MB };
const full: ProfileFootprint = { profile: 'full', listeningMs: 250, readyMs: 400, readyCpuMs: 350, idleRssBytes: 90 * MB, idleRssFileBytes: 45 * MB, loadRssBytes: 240 * MB, loadRps: 8_000, loadCpuUsPerCall: 410, loadErrors: 0, settledRssBytes: 110 * MB };

describe('bench footprint figures', () => {
  it('passes the idle RSS goal at 90 MB and misses RSS under load at 240 MB and ready at 400 ms', () => {
    assert.deepEqual(footprintGoals(full).map((goal) => [goal.name, goal.value, goal.limit, goal.isMet]), [
      ['idle RSS, full chain', 90, 100, true],
      ['RSS at c=64, full chain', 240, 200, false],
      ['ready after start, full chain', 400, 300, false],
    ]);
  });

  it('counts a figure exactly at its limit as met', () => {
    assert.equal(footprintGoals({ ...full, readyMs: 300 })[2]!.isMet, true);
  });

  it('divides each full-chain figure by the routing-only one', () => {
    assert.deepEqual(footprintRatios(routing, full), { idle_rss: 1.5, load_rss: 2, ready: 2, load_rps: 0.8 });
  });

  it('prints both profiles, the import times, the ratios and the verdicts', () => {
    const report = formatFootprintReport([routing, full], { coldMs: 900, warmMs: 400, rssBytes: 100 * MB });
    assert.match(report, /^routing\s+150\s+200\s+180\s+60\.0\s+40\.0\s+120\.0\s+10000\s+95\s+0\s+70\.0$/m);
    assert.match(report, /import gateway\.ts: 900 ms without the compile cache, 400 ms with it warm; RSS after import 100\.0 MB/);
    assert.match(report, /full \/ routing: idle RSS 1\.50x, RSS at c=64 2\.00x, ready 2\.00x, c=64 rps 0\.80x/);
    assert.match(report, /^RSS at c=64, full chain\s+240\.0 MB\s+<= 200 MB\s+miss$/m);
  });
});
