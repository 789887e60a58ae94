// The console's governance pages in chromium against `gatehouse start` on
// the embedded default plus a `registry:` section, a proposed backend and
// tool pinning that requires review: the registry's entries with owner, tier
// and state, the review-due list, and a lifecycle step taken through the
// page (proposed -> in_review with a reason); the catalog's tools waiting for
// review, one accepted through the page and pinned.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { agentToken } from '../../gateway/src/cli/commands/token.ts';
import { browserSkipReason, launchBrowser, openPage, withArtifacts, type WatchedPage } from './fixtures/browser.ts';
import { startConsoleGateway, type ConsoleGateway } from './fixtures/console-gateway.ts';
import { withRegistry } from './fixtures/registry-config.ts';

const SCREENSHOTS = new URL('../../../docs/console/', import.meta.url).pathname;

const skip = browserSkipReason();

describe('the console governance pages in chromium', { skip: skip ?? false }, () => {
  let gatehouse: ConsoleGateway;
  let browser: Browser;
  let admin: WatchedPage;

  before(async () => {
    [gatehouse, browser] = await Promise.all([startConsoleGateway(withRegistry), launchBrowser()]);
    admin = await openPage(browser);
  });
  after(async () => {
    await browser?.close();
    await gatehouse?.close();
  });

  it('lists the entries with their owner and state, and moves a proposed backend into review through the page', async () => {
    await withArtifacts('registry', [admin], async () => {
      const { page } = admin;
      await page.goto(`${gatehouse.adminUrl}/console/registry`);
      await page.getByRole('link', { name: 'Sign in' }).click();
      await page.getByLabel('Demo user').selectOption('admin');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Registry', level: 1 }).waitFor();
      const wiki = page.getByRole('article', { name: 'wiki' });
      await wiki.waitFor();
      assert.match(await wiki.innerText(), /team:docs/);
      assert.match(await wiki.innerText(), /proposed/);
      assert.match(await page.getByRole('article', { name: 'crm' }).innerText(), /active/);
      await wiki.getByLabel('Move to').selectOption('in_review');
      await wiki.getByLabel('Reason (recorded for audit)').fill('runbook linked, ready for review');
      await wiki.getByRole('button', { name: 'Apply' }).click();
      await wiki.getByText('Done: wiki moved to in_review.').waitFor();
      await page.getByRole('article', { name: 'wiki' }).getByText('in_review', { exact: true }).waitFor();
      await page.screenshot({ path: `${SCREENSHOTS}registry-entries.png`, fullPage: true });
      assert.deepEqual(admin.errors(), [], admin.log.join('\n'));
    });
  });

  it('shows the tools waiting for review in the catalog, and pins one accepted through the page', async () => {
    await withArtifacts('catalog-review', [admin], async () => {
      // The gateway meets a tool's definition when an agent lists the tools: that listing is what waits for review.
      const { token } = await agentToken(gatehouse.baseUrl, 'admin', 'admin-dev-secret');
      const agent = new Client({ name: 'console-e2e-lister', version: '1.0.0' });
      await agent.connect(new StreamableHTTPClientTransport(new URL(gatehouse.gateway.url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
      await agent.listTools();
      await agent.close();
      const { page } = admin;
      await page.getByRole('navigation', { name: 'Console pages' }).getByRole('link', { name: 'Catalog' }).click();
      const echo = page.getByRole('article', { name: 'crm / echo' });
      await echo.waitFor();
      assert.match(await echo.innerText(), /unreviewed/);
      await page.screenshot({ path: `${SCREENSHOTS}catalog-review.png`, fullPage: false });
      await echo.getByRole('button', { name: 'Accept new definition' }).click();
      await page.getByRole('article', { name: 'crm / echo' }).getByText('pinned', { exact: true }).waitFor();
      assert.match(await page.getByRole('article', { name: 'crm / echo' }).innerText(), /by user:admin|by .*admin/);
      assert.deepEqual(admin.errors(), [], admin.log.join('\n'));
    });
  });
});

if (skip !== undefined) process.stderr.write(`console browser tests skipped: ${skip}\n`);
