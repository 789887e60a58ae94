// The console of a tenant admin and of the platform admin in chromium, on
// the tenants example (packages/gateway/config/tenants.example.yaml: sales
// owns the demo CRM, lab the everything server) with one approval rule more
// per tenant, so each tenant has a held call. Each tenant's agent opens a
// session, makes a call and has one held; the demo tenant admin sales-admin
// signs in and sees only sales: the CRM on the overview, its agent's session,
// its held call, its audit records, one tenant on the Tenants page. The
// platform admin sees both tenants. Screenshot: docs/console/tenants.png.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { agentToken } from '../../gateway/src/cli/commands/token.ts';
import { browserSkipReason, launchBrowser, openPage, unlabelledControls, withArtifacts, type WatchedPage } from './fixtures/browser.ts';
import { startConsoleGateway, TENANTS_CONFIG, type ConsoleGateway } from './fixtures/console-gateway.ts';
import { navigationLinks, signInAs } from './fixtures/sign-in.ts';

const SCREENSHOTS = new URL('../../../docs/console/', import.meta.url).pathname;

/** The example with a held call possible in each tenant: sales holds single emails too, lab an echo of a message starting "hold". */
function withTenantApprovals(config: string): string {
  const edited = config
    .replace("            - { tool: 'crm/send_mass_email', reason: 'a mass email is checked by a second person' }\n", "$&            - { tool: 'crm/send_email', reason: 'console test: an email waits for a second person' }\n")
    .replace('      backends: [everything]', "      backends: [everything]\n      policies:\n        - name: echo_approval\n          type: approval\n          rules:\n            - { tool: 'everything/echo', when: 'args.message.startsWith(\"hold\")', reason: 'console test: this lab echo waits for a second person' }");
  assert.notEqual(edited, config);
  assert.match(edited, /crm\/send_email/);
  assert.match(edited, /everything\/echo/);
  return edited;
}

const skip = browserSkipReason();

describe('the console of a tenant admin and of the platform admin', { skip: skip ?? false }, () => {
  let gatehouse: ConsoleGateway;
  let browser: Browser;
  const agents: Client[] = [];
  const held: Promise<unknown>[] = [];

  /** A tenant's agent with an open 2025 session, one answered call and one held call. */
  async function tenantTraffic(agent: string, answered: { name: string; arguments: Record<string, unknown> }, waiting: { name: string; arguments: Record<string, unknown> }): Promise<void> {
    const { token } = await agentToken(gatehouse.baseUrl, agent, `${agent}-dev-secret`);
    const client = new Client({ name: `console-${agent}`, version: '1.0.0' }, { capabilities: { elicitation: { url: {} } } });
    client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept' }));
    await client.connect(new StreamableHTTPClientTransport(new URL(gatehouse.gateway.url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    agents.push(client);
    const result = (await client.callTool(answered)) as { isError?: boolean };
    assert.notEqual(result.isError, true, JSON.stringify(result));
    const call = client.callTool(waiting, undefined, { timeout: 120_000 });
    call.catch(() => undefined);
    held.push(call);
  }

  before(async () => {
    [gatehouse, browser] = await Promise.all([startConsoleGateway(withTenantApprovals, TENANTS_CONFIG), launchBrowser()]);
    await tenantTraffic('sales-agent', { name: 'crm__search_customers', arguments: { query: 'gonzalez' } }, { name: 'crm__send_email', arguments: { to: 'jane@example.com', subject: 'sales-held-call', body: 'Hello' } });
    await tenantTraffic('lab-agent', { name: 'everything__echo', arguments: { message: 'lab-answered-call' } }, { name: 'everything__echo', arguments: { message: 'hold lab-held-call' } });
  });
  after(async () => {
    for (const client of agents) await client.close().catch(() => undefined);
    await browser?.close();
    await gatehouse?.close();
  });

  async function asUser(user: string, step: (watched: WatchedPage) => Promise<void>): Promise<void> {
    const watched = await openPage(browser);
    try {
      await withArtifacts(`tenants-${user}`, [watched], async () => {
        await signInAs(watched, gatehouse.adminUrl, user);
        await step(watched);
        assert.deepEqual(watched.errors(), [], watched.log.join('\n'));
      });
    } finally {
      await watched.context.close();
    }
  }

  const go = (page: WatchedPage['page'], link: string) => page.getByRole('navigation', { name: 'Console pages' }).getByRole('link', { name: link }).click();

  it('shows the sales admin only sales: its backend, session, held call, audit records and tenant', async () => {
    await asUser('sales-admin', async (watched) => {
      const { page } = watched;
      await page.getByTestId('signed-in-as').filter({ hasText: 'tenant sales' }).waitFor();
      const backends = page.getByTestId('backends');
      await backends.getByRole('rowheader', { name: 'crm' }).waitFor();
      assert.equal(await backends.getByRole('rowheader', { name: 'everything' }).count(), 0, 'lab\'s backend is not on the sales overview');
      assert.deepEqual(await navigationLinks(watched), ['Overview', 'Approvals', 'Registry', 'Catalog', 'Audit', 'Sessions', 'Usage', 'Tenants']);

      await go(page, 'Sessions');
      const sessions = page.locator('main table');
      await sessions.getByRole('cell', { name: 'sales-agent', exact: true }).waitFor();
      assert.doesNotMatch(await sessions.innerText(), /lab-agent/);

      await go(page, 'Approvals');
      await page.getByTestId('approval').filter({ hasText: 'sales-held-call' }).waitFor();
      assert.equal(await page.getByTestId('approval').count(), 1, 'only the sales call waits here');
      assert.doesNotMatch(await page.locator('main').innerText(), /lab-held-call|everything/);

      await go(page, 'Audit');
      const records = page.getByTestId('audit-records');
      await records.getByText('search_customers').first().waitFor();
      assert.doesNotMatch(await records.innerText(), /lab-agent|everything/);

      await go(page, 'Tenants');
      const tenants = page.getByTestId('tenant');
      await tenants.first().waitFor();
      assert.deepEqual(await page.getByTestId('tenant').locator('h2').allInnerTexts(), ['sales']);
      assert.match(await page.getByTestId('tenant-scope').innerText(), /You administer tenant sales only/);
      const sales = tenants.first();
      assert.match(await sales.innerText(), /crm \(own\)/);
      assert.match(await sales.innerText(), /sales\/mass_email_approval \(approval\)/);
      assert.match(await sales.getByTestId('tenant-usage').innerText(), /^[1-9]\d* calls?/, 'this month\'s sales calls are counted');
      assert.deepEqual(await unlabelledControls(page), []);
      await page.screenshot({ path: `${SCREENSHOTS}tenants-tenant-admin.png`, fullPage: true });
    });
  });

  it('shows the platform admin every tenant, with both tenants\' sessions and usage', async () => {
    await asUser('admin', async ({ page }) => {
      await page.getByTestId('backends').getByRole('rowheader', { name: 'everything' }).waitFor();
      await go(page, 'Tenants');
      await page.getByTestId('tenant').nth(1).waitFor();
      assert.deepEqual(await page.getByTestId('tenant').locator('h2').allInnerTexts(), ['sales', 'lab']);
      assert.match(await page.getByTestId('tenant-scope').innerText(), /platform admin: all 2 tenants/);
      const lab = page.getByTestId('tenant').filter({ has: page.getByRole('heading', { name: 'lab' }) });
      assert.match(await lab.innerText(), /everything \(own\)/);
      assert.match(await lab.innerText(), /lab\/echo_approval \(approval\)/);
      assert.match(await lab.innerText(), /1 session/);
      await page.getByRole('figure').first().waitFor();
      await page.screenshot({ path: `${SCREENSHOTS}tenants.png`, fullPage: true });
      // At phone width the cards stack and nothing scrolls sideways (a string expression: no DOM library here).
      await page.setViewportSize({ width: 390, height: 844 });
      const width = Number(await page.evaluate('document.documentElement.scrollWidth'));
      assert.ok(width <= 390, `the tenants page scrolls sideways at phone width (${width} px)`);
      await page.setViewportSize({ width: 1280, height: 900 });

      await go(page, 'Approvals');
      await page.getByTestId('approval').filter({ hasText: 'lab-held-call' }).waitFor();
      await page.getByTestId('approval').filter({ hasText: 'sales-held-call' }).waitFor();
    });
  });
});

if (skip !== undefined) process.stderr.write(`console browser tests skipped: ${skip}\n`);
