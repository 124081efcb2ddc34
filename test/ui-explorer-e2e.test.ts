/**
 * The Explorer, Lineage and API reference pages in a real browser (playwright-core driving Debian's
 * chromium, no browser download) on a workspace `bookml up` prepares with tokens: a viewer finds a book,
 * sees its neighbours with co-buy counts, builds a basket and reads "because you bought …"; the lineage
 * of the serving version links through to its run's DAG; the API reference shows the serving API, whose
 * document the serving process answers at /openapi.json. Every page passes axe-core (no serious or
 * critical violation) and is photographed under `.test-results/ui/`. Skips, saying why, without chromium
 * or a build.
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browserSkipReason,
  chromiumPath,
  seriousViolations,
  shoot,
  signIn,
  startUp,
  stopChild,
  UI_TOKENS,
  uiWorkspace,
} from './fixtures/ui-browser.js';

const skip = browserSkipReason();
if (skip !== null) console.warn(`explorer browser tests skipped: ${skip}`);

const TOKENS = UI_TOKENS;
const { home, env } = uiWorkspace('bookml-ui-explorer-e2e-');
const children: ChildProcess[] = [];
let browser: Browser | undefined;

describe.skipIf(skip !== null)('explorer, lineage and API reference in a browser', () => {
  let base = '';
  let serve = '';
  let page: Page;

  beforeAll(async () => {
    ({ base, serve } = await startUp(env, children));
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
    page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
    await signIn(page, `${base}/ui/explorer`, TOKENS.viewer);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all(children.map(stopChild));
    rmSync(home, { recursive: true, force: true });
  });

  it('a viewer finds a book, sees its neighbours with co-buy counts, and a basket with "because you bought"', async () => {
    await expect
      .poll(() => page.getByTestId('explorer-model').textContent(), { timeout: 60_000 })
      .toMatch(/recommender v1 \(.*production/);
    // The most bought book, found again by its title.
    const title = (await page.locator('table tbody tr td button.link').first().textContent()) ?? '';
    expect(title).not.toBe('');
    await page.getByLabel('Title, author or id').fill(title);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText(`Matching “${title}”`).waitFor();
    await page.getByRole('button', { name: title, exact: true }).first().click();
    await page.getByTestId('neighbours').waitFor();
    const coBuys = await page.getByTestId('co-buys').allTextContents();
    expect(coBuys.length).toBeGreaterThan(0);
    expect(coBuys.every((c) => Number(c) > 0)).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await shoot(page, 'explorer-neighbours');

    await page
      .getByRole('region', { name: /Neighbours of/ })
      .getByRole('button', { name: 'Add to basket' })
      .first()
      .click();
    const recs = page.getByTestId('recommendations');
    await recs.waitFor({ timeout: 30_000 });
    await expect.poll(() => recs.textContent()).toContain(`because you bought “${title}”`);
    expect(await recs.textContent()).toMatch(/\(\d+ co-buys\)/);
    expect(await seriousViolations(page)).toEqual([]);
    await shoot(page, 'explorer-basket');
  }, 120_000);

  it('the lineage of the serving version links through to its run', async () => {
    await page.getByRole('link', { name: 'Lineage', exact: true }).click();
    await page.getByRole('link', { name: 'recommender v1' }).click();
    await page.getByRole('heading', { name: 'Lineage of recommender v1' }).waitFor();
    await page.getByTestId('lineage-run').waitFor({ timeout: 30_000 });
    for (const kind of ['dataset', 'node', 'artifact', 'version', 'alias'])
      expect(await page.getByTestId(`lineage-${kind}`).count(), kind).toBeGreaterThan(0);
    expect(await seriousViolations(page)).toEqual([]);
    await shoot(page, 'lineage-version');
    await page.getByTestId('lineage-run').click();
    await page.waitForURL(/\/ui\/runs\/recommender-/);
    await page.locator('[data-testid^="dag-node-"]').first().waitFor({ timeout: 30_000 });
    await shoot(page, 'lineage-to-run');
  }, 120_000);

  it('the API reference shows the serving API, which the serving process documents itself', async () => {
    const own = await fetch(`${serve}/openapi.json`);
    expect(own.status).toBe(200);
    const doc = (await own.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/recommend', '/v2/models/{name}/infer']));
    await page.goto(`${base}/ui/api`);
    await page.getByRole('tab', { name: 'Serving API' }).click();
    await page.getByText('/v2/models/{name}/infer').first().waitFor({ timeout: 30_000 });
    expect(await seriousViolations(page)).toEqual([]);
    await shoot(page, 'api-reference-serving');
  }, 120_000);
});
