// The web console end to end, in Debian's chromium against `gatehouse start`
// on the embedded default: the demo admin signs in and sees the backends; an
// agent's send_mass_email is held, the demo approver (a second person)
// approves it in the console and the agent's call completes; the admin finds
// the call in the audit search and verifies the chain; a research agent's
// token is refused by the admin API. Each page is screenshotted into
// docs/console/ (at 1280 px, and the queue at phone width); a failing step
// leaves a screenshot and the console log (fixtures/browser.ts).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { loadSampleCustomers } from '@gatehouse/demo-crm';
import { agentToken } from '../../gateway/src/cli/commands/token.ts';
import { browserSkipReason, launchBrowser, openPage, unlabelledControls, withArtifacts, type WatchedPage } from './fixtures/browser.ts';
import { startConsoleGateway, type ConsoleGateway } from './fixtures/console-gateway.ts';

const SCREENSHOTS = fileURLToPath(new URL('../../../docs/console/', import.meta.url));
/** The demo CRM's newsletter segment: every customer plus its prospects (packages/demo-crm/src/data.ts), over the approval rule's 1000. */
const NEWSLETTER_SIZE = loadSampleCustomers().length + 2388;
/**
 * The browser's own log line for an HTTP error answer the page shows as a
 * state: the registry is not configured on the default (404), and the
 * admin's own vote is refused (403 self_approval). Script errors never match.
 */
const EXPECTED_HTTP_ERRORS = /status of (403|404)/;

const skip = browserSkipReason();

describe('the web console in chromium', { skip: skip ?? false }, () => {
  let gatehouse: ConsoleGateway;
  let browser: Browser;
  let admin: WatchedPage;
  let approver: WatchedPage;
  const subject = `Winter newsletter ${Date.now()}`;
  let heldCall: Promise<{ isError?: boolean; structuredContent?: Record<string, unknown>; content?: unknown }> | undefined;
  let agent: Client | undefined;

  before(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    [gatehouse, browser] = await Promise.all([startConsoleGateway(), launchBrowser()]);
    admin = await openPage(browser);
    approver = await openPage(browser);
  });
  after(async () => {
    await agent?.close().catch(() => undefined);
    await browser?.close();
    await gatehouse?.close();
  });

  const shot = (watched: WatchedPage, name: string) => watched.page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });

  /** The console's sign-in: its page, the embedded provider's user picker, and back, signed in as `user`. */
  async function signIn(watched: WatchedPage, user: string, path = '/console/'): Promise<void> {
    const { page } = watched;
    await page.goto(`${gatehouse.adminUrl}${path}`);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByLabel('Demo user').selectOption(user);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('signed-in-as').waitFor();
    assert.match(await page.getByTestId('signed-in-as').innerText(), new RegExp(`\\(${user}[,)]`));
  }

  it('signs the demo admin in through the embedded provider and shows the backends with their state', async () => {
    await withArtifacts('admin-overview', [admin], async () => {
      await admin.page.goto(`${gatehouse.adminUrl}/console/`);
      await admin.page.getByRole('heading', { name: 'Gatehouse console' }).waitFor();
      await shot(admin, 'sign-in');
      await signIn(admin, 'admin');
      const backends = admin.page.getByTestId('backends');
      await backends.getByRole('rowheader', { name: 'crm' }).waitFor();
      await backends.getByRole('rowheader', { name: 'everything' }).waitFor();
      assert.match(await backends.innerText(), /crm\s+ready/);
      await shot(admin, 'overview');
    });
  });

  it('refuses a research agent\'s token on the admin API routes the console uses (403 insufficient_scope)', async () => {
    const { token } = await agentToken(gatehouse.baseUrl, 'research', 'research-dev-secret');
    for (const path of ['/admin/approvals', '/admin/audit/records', '/admin/usage', '/admin/tools/pins', '/admin/openapi.json']) {
      const response = await fetch(`${gatehouse.adminUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(response.status, 403, path);
      assert.equal(((await response.json()) as { code: string }).code, 'insufficient_scope', path);
    }
  });

  it('shows an agent\'s held send_mass_email to the approver within seconds, without a reload, with its arguments', async () => {
    await withArtifacts('approver-queue', [approver], async () => {
      await signIn(approver, 'approver', '/console/approvals');
      await approver.page.getByRole('heading', { name: 'Approvals' }).waitFor();
      await approver.page.getByText('No call is waiting for approval.').waitFor();
      await shot(approver, 'approvals-empty');

      const { token } = await agentToken(gatehouse.baseUrl, 'admin', 'admin-dev-secret');
      agent = new Client({ name: 'console-e2e-agent', version: '1.0.0' }, { capabilities: { elicitation: { url: {} } } });
      // The 2025-11-25 flow: the gateway sends the approval page as a URL elicitation and holds the call open until it is decided.
      agent.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept' }));
      await agent.connect(new StreamableHTTPClientTransport(new URL(gatehouse.gateway.url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
      heldCall = agent.callTool({ name: 'crm__send_mass_email', arguments: { segment: 'newsletter', subject, body: 'Hello from the console test', recipient_count: NEWSLETTER_SIZE } }, undefined, { timeout: 180_000 }) as typeof heldCall;
      heldCall!.catch(() => undefined);

      const card = approver.page.getByTestId('approval').filter({ hasText: subject });
      await card.waitFor({ timeout: 30_000 });
      assert.match(await card.innerText(), /crm \/ send_mass_email/);
      assert.match(await card.innerText(), /agent admin/);
      await shot(approver, 'approvals');
    });
  });

  it('shows the API\'s self_approval refusal when the admin, the same person as the requesting agent, tries to approve', async () => {
    await withArtifacts('admin-self-approval', [admin], async () => {
      await admin.page.getByRole('navigation', { name: 'Console pages' }).getByRole('link', { name: 'Approvals' }).click();
      const card = admin.page.getByTestId('approval').filter({ hasText: subject });
      await card.getByRole('button', { name: 'Approve' }).click();
      const refusal = card.getByTestId('refusal');
      await refusal.waitFor();
      assert.match(await refusal.innerText(), /Refused: self_approval/);
      assert.match(await card.innerText(), /pending/, 'the refused vote changed nothing');
      await shot(admin, 'approvals-self-approval');
    });
  });

  it('lets the approver approve with a reason, and the agent\'s call completes', async () => {
    await withArtifacts('approver-approve', [approver], async () => {
      const card = approver.page.getByTestId('approval').filter({ hasText: subject });
      await card.getByLabel('Reason (recorded with your decision)').fill('checked the segment with marketing');
      await card.getByRole('button', { name: 'Approve' }).click();
      const result = await heldCall!;
      assert.notEqual(result.isError, true, JSON.stringify(result));
      assert.equal(result.structuredContent?.segment, 'newsletter', JSON.stringify(result));
      await approver.page.getByText('No call is waiting for approval.').waitFor();
      await approver.page.getByLabel('Show').selectOption('all');
      await approver.page.getByTestId('approval').filter({ hasText: subject }).getByText('checked the segment with marketing').waitFor();
      await shot(approver, 'approvals-decided');
      assert.deepEqual(approver.errors(), [], approver.log.join('\n'));
    });
  });

  it('finds the call in the audit search and runs the chain verifier (or says the gateway has no verify route)', async () => {
    await withArtifacts('admin-audit', [admin], async () => {
      const { page } = admin;
      await page.getByRole('link', { name: 'Audit' }).click();
      await page.getByLabel('Tool (pattern, e.g. crm__send_*)').fill('send_mass_email');
      await page.getByLabel('Operation type').selectOption('tool_invocation');
      await page.getByLabel('Result status').selectOption('success');
      await page.getByRole('button', { name: 'Search' }).click();
      const rows = page.getByTestId('audit-records').getByRole('row').filter({ hasText: 'send_mass_email' });
      await rows.first().waitFor();
      assert.match(await rows.first().innerText(), /success/);
      await rows.first().getByRole('button').click();
      await page.getByTestId('audit-detail').waitFor();
      assert.match(await page.getByTestId('audit-detail').innerText(), new RegExp(subject));
      const verify = page.getByRole('button', { name: 'Verify chain' });
      if (await verify.count() > 0) {
        await verify.click();
        await page.getByTestId('verify-result').waitFor();
        assert.match(await page.getByTestId('verify-result').innerText(), /The audit chain verifies/);
      } else {
        assert.match(await page.getByTestId('not-available').first().innerText(), /Chain verification/);
      }
      await shot(admin, 'audit');
    });
  });

  it('shows every other page with its data or a clear state, without console errors', async () => {
    await withArtifacts('admin-pages', [admin], async () => {
      const { page } = admin;
      for (const [link, heading, ready] of [
        ['Catalog', 'Catalog', /pinned or waiting|No tool is pinned/],
        ['Usage', 'Usage', /calls?,/],
        ['Sessions', 'Sessions', /not available|No MCP session|Caller/],
        ['Registry', 'Registry', /not available|No registry entry|Reviews due/],
        ['Tenants', 'Tenants', /has no tenants/],
      ] as const) {
        await page.getByRole('navigation', { name: 'Console pages' }).getByRole('link', { name: link }).click();
        await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
        await page.locator('main').filter({ hasText: ready }).waitFor({ timeout: 15_000 });
        assert.deepEqual(await unlabelledControls(page), [], `${link}: every control has a name`);
        await shot(admin, link.toLowerCase());
      }
      assert.match(await page.locator('main').innerText(), /This gateway has no tenants/, 'the embedded default has no tenants: section');
      // The keyboard's way in: on a fresh load the first Tab reaches the skip link, which moves focus to the page's content.
      await page.reload();
      await page.getByRole('heading', { name: 'Tenants', level: 1 }).waitFor();
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate('document.activeElement.textContent'), 'Skip to content');
      await page.keyboard.press('Enter');
      assert.equal(await page.evaluate('document.activeElement.id'), 'content');
      assert.deepEqual(admin.errors(EXPECTED_HTTP_ERRORS), [], admin.log.join('\n'));
    });
  });

  it('works at phone width: the menu opens the navigation, the queue is readable', async () => {
    const phone = await openPage(browser, { width: 390, height: 844 });
    try {
      await withArtifacts('phone', [phone], async () => {
        // The admin: the approver's role does not include the overview (overview.read) this test moves on to.
        await signIn(phone, 'admin', '/console/approvals');
        const menu = phone.page.getByRole('button', { name: 'Menu' });
        assert.equal(await menu.getAttribute('aria-expanded'), 'false');
        await phone.page.getByRole('heading', { name: 'Approvals' }).waitFor();
        await phone.page.screenshot({ path: `${SCREENSHOTS}phone-approvals.png`, fullPage: true });
        await menu.click();
        await phone.page.getByRole('navigation', { name: 'Console pages' }).getByRole('link', { name: 'Overview' }).click();
        await phone.page.getByTestId('backends').waitFor();
        // A string expression: this file is type-checked without the DOM library.
        const width = Number(await phone.page.evaluate('document.documentElement.scrollWidth'));
        assert.ok(width <= 390, `the page scrolls sideways at phone width (${width} px)`);
        await phone.page.screenshot({ path: `${SCREENSHOTS}phone-overview.png`, fullPage: true });
      });
    } finally {
      await phone.context.close();
    }
  });

  it('signs out: the session ends and the API refuses the old cookie', async () => {
    await withArtifacts('sign-out', [admin], async () => {
      const cookies = await admin.context.cookies(gatehouse.adminUrl);
      const session = cookies.find((cookie) => cookie.name === 'gatehouse_console');
      assert.ok(session !== undefined && session.httpOnly && session.sameSite === 'Strict', JSON.stringify(cookies));
      await admin.page.getByRole('button', { name: 'Sign out' }).click();
      await admin.page.getByRole('link', { name: 'Sign in' }).waitFor();
      const response = await fetch(`${gatehouse.adminUrl}/admin/approvals`, { headers: { cookie: `gatehouse_console=${session.value}` } });
      assert.equal(response.status, 401);
    });
  });
});

if (skip !== undefined) process.stderr.write(`console browser tests skipped: ${skip}\n`);
