// The overview's live figures against real traffic, in chromium against
// `gatehouse start` on the embedded default: an agent makes answered and
// failing calls to the CRM; the admin's overview then shows the CRM's calls
// per minute, error rate and p95 that the admin API computes, and those agree
// with the gateway's own Prometheus exposition (/metrics): the error rate is
// the failed share of the CRM's requests, calls/min is their count over the
// window, and p95 lies in the histogram bucket that holds the 95th percentile.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { agentToken } from '../../gateway/src/cli/commands/token.ts';
import { browserSkipReason, launchBrowser, openPage, withArtifacts, type WatchedPage } from './fixtures/browser.ts';
import { startConsoleGateway, type ConsoleGateway } from './fixtures/console-gateway.ts';
import { signInAs } from './fixtures/sign-in.ts';

const SCREENSHOTS = new URL('../../../docs/console/', import.meta.url).pathname;

interface CrmMetrics {
  calls: number;
  errors: number;
  /** Cumulative observations per `le` bound (seconds), ascending, +Inf last. */
  buckets: Array<[number, number]>;
}

/** The CRM's request counts and duration histogram from a Prometheus text exposition, summed over tools. */
function crmMetrics(exposition: string): CrmMetrics {
  let calls = 0;
  let errors = 0;
  const buckets = new Map<number, number>();
  for (const line of exposition.split('\n')) {
    const sample = /^(mcp_requests_total|mcp_request_duration_seconds_bucket)\{([^}]*)\} ([0-9.e+]+)$/.exec(line);
    if (sample === null) continue;
    const labels = Object.fromEntries([...sample[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((match) => [match[1], match[2]]));
    if (labels.server !== 'crm') continue;
    const value = Number(sample[3]);
    if (sample[1] === 'mcp_requests_total') {
      calls += value;
      if (labels.status === 'error') errors += value;
    } else {
      const bound = labels.le === '+Inf' ? Infinity : Number(labels.le);
      buckets.set(bound, (buckets.get(bound) ?? 0) + value);
    }
  }
  return { calls, errors, buckets: [...buckets].sort((a, b) => a[0] - b[0]) };
}

/** The bounds (ms) of the histogram bucket holding the 95th percentile. */
function p95Bucket(buckets: Array<[number, number]>): [number, number] {
  const total = buckets.at(-1)![1];
  const index = buckets.findIndex(([, cumulative]) => cumulative >= 0.95 * total);
  const upper = buckets[index]![0];
  return [index === 0 ? 0 : buckets[index - 1]![0] * 1000, (upper === Infinity ? buckets.at(-2)![0] : upper) * 1000];
}

const skip = browserSkipReason();

describe('the overview\'s live figures against real traffic', { skip: skip ?? false }, () => {
  let gatehouse: ConsoleGateway;
  let browser: Browser;
  let admin: WatchedPage;

  before(async () => {
    [gatehouse, browser] = await Promise.all([startConsoleGateway(), launchBrowser()]);
    admin = await openPage(browser);
  });
  after(async () => {
    await browser?.close();
    await gatehouse?.close();
  });

  it('shows the CRM\'s calls/min, error rate and p95 as the API and the gateway\'s metrics give them', async () => {
    await withArtifacts('overview-live', [admin], async () => {
      const { page } = admin;
      await signInAs(admin, gatehouse.adminUrl, 'admin');
      const crm = page.getByTestId('backends').getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'crm', exact: true }) });
      await crm.waitFor();

      const { token } = await agentToken(gatehouse.baseUrl, 'admin', 'admin-dev-secret');
      const agent = new Client({ name: 'console-traffic', version: '1.0.0' });
      await agent.connect(new StreamableHTTPClientTransport(new URL(gatehouse.gateway.url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
      try {
        for (let call = 0; call < 12; call++) assert.notEqual(((await agent.callTool({ name: 'crm__search_customers', arguments: { query: 'gonzalez' } })) as { isError?: boolean }).isError, true);
        // Customers that do not exist: the CRM answers with an error.
        for (let call = 0; call < 4; call++) await agent.callTool({ name: 'crm__get_customer', arguments: { customer_id: `CUST-${990000 + call}` } }).catch(() => undefined);
      } finally {
        await agent.close();
      }

      const metrics = crmMetrics(await (await fetch(`${gatehouse.adminUrl}/metrics`)).text());
      assert.ok(metrics.calls >= 16 && metrics.errors >= 1, `the CRM's requests in /metrics: ${JSON.stringify(metrics)}`);
      const expectedErrorRate = Math.round((metrics.errors / metrics.calls) * 10_000) / 10_000;
      const [p95Low, p95High] = p95Bucket(metrics.buckets);

      // The page polls every 5 s: wait until it shows the figures of a read made after the traffic.
      let cells: string[] = [];
      let overview: any;
      for (let attempt = 0; attempt < 40; attempt++) {
        overview = await page.evaluate(`fetch('/admin/overview').then((response) => response.json())`);
        cells = (await crm.getByRole('cell').allInnerTexts()).map((text) => text.trim());
        if (cells[4] === `${(expectedErrorRate * 100).toFixed(1)} %`) break;
        await page.waitForTimeout(500);
      }
      const figures = (overview.backends as any[]).find((backend) => backend.name === 'crm');
      assert.equal(figures.error_rate, expectedErrorRate, 'the API\'s error rate is the failed share of the CRM\'s requests in /metrics');
      const expectedPerMinute = (metrics.calls * 60) / overview.window_seconds;
      assert.ok(Math.abs(figures.calls_per_minute - expectedPerMinute) <= expectedPerMinute * 0.05, `calls/min ${figures.calls_per_minute} vs ${metrics.calls} requests in ${overview.window_seconds} s`);
      assert.ok(figures.p95_ms >= p95Low && figures.p95_ms <= p95High, `p95 ${figures.p95_ms} ms in the bucket ${p95Low}..${p95High} ms`);

      // The row: state, breaker, health, calls/min, error rate, p95.
      assert.equal(cells[4], `${(expectedErrorRate * 100).toFixed(1)} %`, `the page's error rate: ${cells.join(' | ')}`);
      assert.equal(cells[5], `${figures.p95_ms.toFixed(figures.p95_ms < 10 ? 1 : 0)} ms`, `the page's p95: ${cells.join(' | ')}`);
      const shownPerMinute = Number(cells[3]);
      assert.ok(shownPerMinute > 0 && Math.abs(shownPerMinute - figures.calls_per_minute) <= figures.calls_per_minute * 0.25, `the page's calls/min ${cells[3]} vs the API's ${figures.calls_per_minute} (read up to 5 s apart)`);
      assert.equal(await page.getByTestId('gateway-status').innerText(), 'ready', 'the gateway\'s readiness from /readyz beside the API\'s figures');
      await page.screenshot({ path: `${SCREENSHOTS}overview-live.png`, fullPage: true });
      assert.deepEqual(admin.errors(), [], admin.log.join('\n'));
    });
  });
});

if (skip !== undefined) process.stderr.write(`console browser tests skipped: ${skip}\n`);
