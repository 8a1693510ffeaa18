// Debian's Chromium driven by playwright-core (no browser download), one page per studio,
// collecting what the page complains about (errors, CSP violations).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const SCREENSHOTS = join(import.meta.dirname, '..', 'screenshots');

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
}

export interface StudioPage {
  page: Page;
  /** Page errors, console errors and CSP violations, as text. */
  problems: string[];
  screenshot(name: string): Promise<string>;
}

/** Opens the launch file or link (the host swaps the token for a cookie) and waits for the UI. */
export async function openStudio(browser: Browser, launchUrl: string, shotPrefix = ''): Promise<StudioPage> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('response', async (r) => {
    if (r.status() >= 500) problems.push(`HTTP ${r.status()} ${new URL(r.url()).pathname}: ${(await r.text().catch(() => '')).slice(0, 300)}`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource.*(400|404|501)/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  // Long tasks and CSP violations from the first script on, kept on window for the tests.
  await page.addInitScript(`
    window.__longTasks = [];
    window.__cspViolations = [];
    try {
      new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push(e.duration); })
        .observe({ type: 'longtask', buffered: true });
    } catch {}
    document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
  `);
  await page.goto(launchUrl);
  await page.waitForSelector('header.bar');
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    page,
    problems,
    async screenshot(name) {
      const path = join(SCREENSHOTS, `${shotPrefix}${name}.png`);
      await page.screenshot({ path });
      return path;
    },
  };
}

/** The p-th percentile (0..100) of values, nearest rank. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
