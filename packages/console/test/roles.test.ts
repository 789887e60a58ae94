// The console follows the caller's role (GET /admin/me `permissions`) in
// chromium, against `gatehouse start` on the embedded default with the
// registry on: the approver's navigation lists Approvals and the Catalog, not
// the Audit or Registry pages, and the audit page the API refuses it says
// "your role does not include"; the auditor reads the overview, audit, usage,
// sessions and registry with no action to end a session or move an entry,
// and is refused the approval queue; the reviewer gets the Registry and
// Catalog with the lifecycle form. The API refuses what the page hides.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { agentToken } from '../../gateway/src/cli/commands/token.ts';
import { browserSkipReason, launchBrowser, openPage, unlabelledControls, withArtifacts, type WatchedPage } from './fixtures/browser.ts';
import { startConsoleGateway, type ConsoleGateway } from './fixtures/console-gateway.ts';
import { withRegistry } from './fixtures/registry-config.ts';
import { navigationLinks, signInAs } from './fixtures/sign-in.ts';

const SCREENSHOTS = new URL('../../../docs/console/', import.meta.url).pathname;
/** The browser's log line for the refusals the pages show as "your role does not include" (403). Script errors never match. */
const EXPECTED_REFUSALS = /status of 403/;

const skip = browserSkipReason();

describe('the console follows the caller\'s role', { skip: skip ?? false }, () => {
  let gatehouse: ConsoleGateway;
  let browser: Browser;
  let agent: Client | undefined;

  before(async () => {
    [gatehouse, browser] = await Promise.all([startConsoleGateway(withRegistry), launchBrowser()]);
    // An agent's open MCP session, for the auditor's sessions page.
    const { token } = await agentToken(gatehouse.baseUrl, 'admin', 'admin-dev-secret');
    agent = new Client({ name: 'console-roles-agent', version: '1.0.0' });
    await agent.connect(new StreamableHTTPClientTransport(new URL(gatehouse.gateway.url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  });
  after(async () => {
    await agent?.close().catch(() => undefined);
    await browser?.close();
    await gatehouse?.close();
  });

  async function asUser(user: string, step: (watched: WatchedPage) => Promise<void>): Promise<void> {
    const watched = await openPage(browser);
    try {
      await withArtifacts(`role-${user}`, [watched], async () => {
        await signInAs(watched, gatehouse.adminUrl, user);
        await step(watched);
        assert.deepEqual(watched.errors(EXPECTED_REFUSALS), [], watched.log.join('\n'));
      });
    } finally {
      await watched.context.close();
    }
  }

  it('shows the approver Approvals and the Catalog, starts it on its queue, and says its role does not include the audit log', async () => {
    await asUser('approver', async ({ page }) => {
      await page.getByRole('heading', { name: 'Approvals', level: 1 }).waitFor();
      assert.equal(new URL(page.url()).pathname, '/console/approvals', 'the start page of a role without the overview is its first page');
      assert.deepEqual(await navigationLinks({ page } as WatchedPage), ['Approvals', 'Catalog']);
      assert.match(await page.getByTestId('roles').innerText(), /role approver/);
      await page.goto(`${gatehouse.adminUrl}/console/audit`);
      await page.getByRole('heading', { name: 'Audit', level: 1 }).waitFor();
      // The notice names the role once the console has read /admin/me, which after a reload can come after the refusal.
      const lacks = page.getByTestId('role-lacks').filter({ hasText: 'Your role (' }).first();
      await lacks.waitFor();
      assert.match(await lacks.innerText(), /Your role \(approver\) does not include reading the audit log \(permission audit\.read\)/);
      assert.equal(await page.getByTestId('refusal').count(), 0, 'a role refusal is not shown as an error');
      assert.deepEqual(await unlabelledControls(page), []);
      await page.screenshot({ path: `${SCREENSHOTS}role-approver-audit.png`, fullPage: true });
    });
  });

  it('shows the auditor the overview, registry, audit, sessions and usage read-only, and not the approval queue', async () => {
    await asUser('auditor', async ({ page }) => {
      await page.getByTestId('backends').waitFor();
      assert.deepEqual(await navigationLinks({ page } as WatchedPage), ['Overview', 'Registry', 'Audit', 'Sessions', 'Usage']);
      const nav = page.getByRole('navigation', { name: 'Console pages' });

      await nav.getByRole('link', { name: 'Sessions' }).click();
      const table = page.locator('main table');
      await table.waitFor();
      assert.ok(await table.getByRole('row').count() >= 2, 'the agent\'s session is listed');
      assert.equal(await page.getByRole('button', { name: /^End/ }).count(), 0, 'no end-session button for the auditor');
      await page.screenshot({ path: `${SCREENSHOTS}role-auditor-sessions.png`, fullPage: true });

      await nav.getByRole('link', { name: 'Registry' }).click();
      await page.getByRole('article', { name: 'wiki' }).waitFor();
      assert.equal(await page.getByLabel('Move to').count(), 0, 'no lifecycle form for the auditor');

      await nav.getByRole('link', { name: 'Audit' }).click();
      await page.getByRole('button', { name: 'Search' }).waitFor();
      await page.getByRole('button', { name: 'Verify chain' }).waitFor();
      assert.deepEqual(await unlabelledControls(page), [], 'Audit: every control has a name');
      await nav.getByRole('link', { name: 'Usage' }).click();
      await page.locator('main').filter({ hasText: /calls?,|No call/ }).waitFor();
      assert.deepEqual(await unlabelledControls(page), [], 'Usage: every control has a name');

      await page.goto(`${gatehouse.adminUrl}/console/approvals`);
      const lacks = page.getByTestId('role-lacks').filter({ hasText: 'Your role (' });
      await lacks.waitFor();
      assert.match(await lacks.innerText(), /Your role \(auditor\) does not include the approval queue/);
      assert.equal(await page.getByRole('button', { name: 'Approve' }).count(), 0);
    });
  });

  it('shows the reviewer the Registry and the Catalog, with the lifecycle form', async () => {
    await asUser('reviewer', async ({ page }) => {
      await page.getByRole('heading', { name: 'Registry', level: 1 }).waitFor();
      assert.deepEqual(await navigationLinks({ page } as WatchedPage), ['Registry', 'Catalog']);
      const wiki = page.getByRole('article', { name: 'wiki' });
      await wiki.waitFor();
      await wiki.getByLabel('Move to').waitFor();
      await page.getByRole('navigation', { name: 'Console pages' }).getByRole('link', { name: 'Catalog' }).click();
      await page.getByRole('heading', { name: 'Catalog', level: 1 }).waitFor();
      await page.locator('main').filter({ hasText: /pinned or waiting|No tool is pinned/ }).waitFor();
    });
  });

  it('lists no page for a person without any admin role (alice), and says why', async () => {
    await asUser('alice', async (watched) => {
      const lacks = watched.page.getByTestId('role-lacks').first();
      await lacks.waitFor();
      assert.match(await lacks.innerText(), /Your role does not include/);
      assert.deepEqual(await navigationLinks(watched), []);
    });
  });

  it('is refused by the API what the page hides: the auditor\'s cookie cannot end a session', async () => {
    // The page hides "End" for the auditor; the API is the control. A signed-in auditor's DELETE carries the cookie and the CSRF header.
    const watched = await openPage(browser);
    try {
      await signInAs(watched, gatehouse.adminUrl, 'auditor', '/console/sessions');
      const status = await watched.page.evaluate(`(async () => {
        const session = await (await fetch('/console/auth/session')).json();
        const response = await fetch('/admin/sessions/some-session', { method: 'DELETE', headers: { 'X-Gatehouse-CSRF': session.csrf } });
        return response.status + ' ' + (await response.json()).code;
      })()`);
      assert.equal(status, '403 insufficient_scope');
    } finally {
      await watched.context.close();
    }
  });
});

if (skip !== undefined) process.stderr.write(`console browser tests skipped: ${skip}\n`);
