// The console's registry page in chromium against `gatehouse start` on the
// embedded default plus a `registry:` section and a proposed backend: the
// entries with owner, tier and state, the review-due list, and a lifecycle
// step taken through the page (proposed -> in_review with a reason), which
// the API records and the page shows.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { browserSkipReason, launchBrowser, openPage, withArtifacts, type WatchedPage } from './fixtures/browser.ts';
import { startConsoleGateway, type ConsoleGateway } from './fixtures/console-gateway.ts';

const SCREENSHOTS = new URL('../../../docs/console/', import.meta.url).pathname;

/** The default config with the registry on and a proposed "wiki" backend (the demo CRM again, never started until active). */
function withRegistry(config: string, directory: string): string {
  return config.replace('\nbackends:\n', `
registry:
  store: sqlite
  path: ${directory}/registry.db

backends:
  - name: wiki
    command: node
    args: ["\${GATEHOUSE_ROOT}/packages/demo-crm/src/main.ts", "--stdio"]
    lifecycle: proposed
    owner: team:docs
    description: Search and read the internal wiki
    risk_tier: medium
`);
}

const skip = browserSkipReason();

describe('the console registry page in chromium', { skip: skip ?? false }, () => {
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
});

if (skip !== undefined) process.stderr.write(`console browser tests skipped: ${skip}\n`);
