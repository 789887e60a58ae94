// The approvals page with the keyboard alone, in chromium against `gatehouse
// start` on the embedded default: an agent's send_mass_email is held; the
// approver, from the top of the page, tabs through every control (each one
// has an accessible name and a visible focus ring), writes the reason and
// approves with Enter, and the agent's call completes.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { loadSampleCustomers } from '@gatehouse/demo-crm';
import { agentToken } from '../../gateway/src/cli/commands/token.ts';
import { browserSkipReason, launchBrowser, openPage, withArtifacts, type WatchedPage } from './fixtures/browser.ts';
import { startConsoleGateway, type ConsoleGateway } from './fixtures/console-gateway.ts';
import { signInAs } from './fixtures/sign-in.ts';

/** Over the default approval rule's 1000 recipients (packages/demo-crm/src/data.ts), so the call is held. */
const NEWSLETTER_SIZE = loadSampleCustomers().length + 2388;

/**
 * The focused element as a screen reader names it (aria-label, aria-labelledby,
 * its label, or its text), its tag and its outline: a string expression, as
 * this file is type-checked without the DOM library.
 */
const FOCUSED = `(() => {
  const element = document.activeElement;
  const byId = (ids) => ids.split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' ');
  const name = element.getAttribute('aria-label') || (element.getAttribute('aria-labelledby') && byId(element.getAttribute('aria-labelledby'))) || [...(element.labels ?? [])].map((label) => label.textContent).join(' ') || element.textContent;
  const style = getComputedStyle(element);
  return { tag: element.tagName.toLowerCase(), name: (name ?? '').trim().replace(/\\s+/g, ' '), outline: style.outlineStyle + ' ' + style.outlineWidth };
})()`;

interface Focused {
  tag: string;
  name: string;
  outline: string;
}

const skip = browserSkipReason();

describe('the approvals page with the keyboard alone', { skip: skip ?? false }, () => {
  let gatehouse: ConsoleGateway;
  let browser: Browser;
  let approver: WatchedPage;
  let agent: Client | undefined;

  before(async () => {
    [gatehouse, browser] = await Promise.all([startConsoleGateway(), launchBrowser()]);
    approver = await openPage(browser);
  });
  after(async () => {
    await agent?.close().catch(() => undefined);
    await browser?.close();
    await gatehouse?.close();
  });

  it('tabs through named, visibly focused controls to the held call and approves it with Enter', async () => {
    await withArtifacts('keyboard-approve', [approver], async () => {
      const { page } = approver;
      await signInAs(approver, gatehouse.adminUrl, 'approver', '/console/approvals');
      await page.getByText('No call is waiting for approval.').waitFor();

      const { token } = await agentToken(gatehouse.baseUrl, 'admin', 'admin-dev-secret');
      agent = new Client({ name: 'console-keyboard-agent', version: '1.0.0' }, { capabilities: { elicitation: { url: {} } } });
      agent.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept' }));
      await agent.connect(new StreamableHTTPClientTransport(new URL(gatehouse.gateway.url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
      const held = agent.callTool({ name: 'crm__send_mass_email', arguments: { segment: 'newsletter', subject: 'Keyboard newsletter', body: 'Hello', recipient_count: NEWSLETTER_SIZE } }, undefined, { timeout: 120_000 });
      held.catch(() => undefined);
      await page.getByTestId('approval').filter({ hasText: 'Keyboard newsletter' }).waitFor({ timeout: 30_000 });

      // From the top of the document, as a keyboard user arrives.
      await page.evaluate('document.activeElement?.blur(); window.scrollTo(0, 0)');
      const visited: Focused[] = [];
      for (let step = 0; step < 30; step++) {
        await page.keyboard.press('Tab');
        const focused = (await page.evaluate(FOCUSED)) as Focused;
        visited.push(focused);
        if (focused.tag === 'textarea') break;
      }
      const trail = visited.map((focused) => `${focused.tag} "${focused.name}"`).join(' > ');
      assert.equal(visited[0]?.name, 'Skip to content', trail);
      assert.equal(visited.at(-1)?.tag, 'textarea', `the reason field is reachable by Tab: ${trail}`);
      assert.equal(visited.at(-1)?.name, 'Reason (recorded with your decision)');
      for (const focused of visited) {
        assert.notEqual(focused.name, '', `every control on the way has a name: ${trail}`);
        assert.match(focused.outline, /^solid [1-9]/, `${focused.tag} "${focused.name}" shows where the focus is`);
      }
      for (const expected of ['Sign out', 'Approvals', 'Show', 'Arguments, redacted']) assert.ok(visited.some((focused) => focused.name.startsWith(expected)), `${expected} on the way: ${trail}`);

      await page.keyboard.type('checked with marketing, by keyboard');
      await page.keyboard.press('Tab');
      const approve = (await page.evaluate(FOCUSED)) as Focused;
      assert.deepEqual([approve.tag, approve.name], ['button', 'Approve'], 'the next Tab after the reason is Approve');
      await page.keyboard.press('Enter');
      const result = (await held) as { isError?: boolean; structuredContent?: Record<string, unknown> };
      assert.notEqual(result.isError, true, JSON.stringify(result));
      assert.equal(result.structuredContent?.segment, 'newsletter');
      await page.getByText('No call is waiting for approval.').waitFor();
      await page.getByLabel('Show').selectOption('all');
      await page.getByTestId('approval').filter({ hasText: 'checked with marketing, by keyboard' }).waitFor();
      assert.deepEqual(approver.errors(), [], approver.log.join('\n'));
    });
  });
});

if (skip !== undefined) process.stderr.write(`console browser tests skipped: ${skip}\n`);
