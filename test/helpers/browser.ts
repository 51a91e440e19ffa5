// What the dashboard's browser tests share: Debian's Chromium (driven by playwright-core), axe-core's verdict on a
// page, and where screenshots go when they are being regenerated.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const AXE_SOURCE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
/** Set to write the pages' screenshots into docs/screenshots/ (they are committed; CI does not rewrite them). */
export const SCREENSHOTS = process.env.DDLOCAL_UPDATE_SCREENSHOTS === '1' ? fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url)) : undefined;

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) assert.fail(`${CHROMIUM} is missing: these tests need Debian's chromium package (.ci/run installs it)`);
  return chromium.launch({ executablePath: CHROMIUM });
}

/** axe-core's serious and critical violations on the page, as "rule: target" lines. */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE_SOURCE });
  const violations = await page.evaluate(async () => {
    const result = await (window as any).axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v: any) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n: any) => n.target.join(' ')) }));
  });
  return violations
    .filter((v: { impact: string }) => v.impact === 'serious' || v.impact === 'critical')
    .map((v: { id: string; targets: string[] }) => `${v.id}: ${v.targets.join(', ')}`);
}

/** Strict mode's sign-in, as a person does it: the front door leads to the form, which is filled and sent. */
export async function signIn(page: Page, serverUrl: string, credentials: { accessKeyId: string; secretAccessKey: string }): Promise<void> {
  await page.goto(`${serverUrl}/`);
  assert.equal(new URL(page.url()).pathname, '/ui/sign-in');
  await page.fill('input[name="accessKeyId"]', credentials.accessKeyId);
  await page.fill('input[name="secretAccessKey"]', credentials.secretAccessKey);
  await page.locator('button', { hasText: 'Sign in' }).click();
  await page.waitForLoadState();
}
