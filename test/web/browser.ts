/**
 * Browser test helpers: Debian's Chromium (/usr/bin/chromium) driven by playwright-core; no
 * browser is ever downloaded. Each user gets a fresh browser context (its own cookies,
 * storage and temporary profile), so several users can share one browser.
 *
 * Missing Chromium: the tests are skipped with a message locally and fail when CI is set.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import type { App } from '../../src/server/app.ts';
import type { ConfigKey } from '../../src/server/config.ts';
import { startTestServer } from '../helpers/server.ts';

export const CHROMIUM = process.env.BANTER_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/web/', import.meta.url));
const DIST_INDEX = fileURLToPath(new URL('../../dist/web/index.html', import.meta.url));

/** `skip` option for node:test: a reason string when the browser tests cannot run here. */
export function browserSkip(): string | false {
  if (existsSync(CHROMIUM)) return false;
  if (process.env.CI) return false; // launch() fails below: CI must have Chromium.
  return `${CHROMIUM} not found: install Debian's chromium to run the browser tests (they fail instead of skipping when CI is set)`;
}

export async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (CI is set, so the browser tests must run); .ci/run installs it`);
  if (!existsSync(DIST_INDEX)) throw new Error('dist/web is missing: run `npm run build:web` (npm test does it first)');
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // launch() gives every browser a fresh temporary --user-data-dir; nothing is shared.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface UserPage {
  name: string;
  context: BrowserContext;
  page: Page;
  /** Console errors, page errors and CSP violations seen by this page. */
  problems: string[];
  /** alert()/confirm()/prompt() dialogs that fired. */
  dialogs: string[];
}

export async function newUserPage(browser: Browser, baseUrl: string, name: string, viewport = { width: 1280, height: 800 }): Promise<UserPage> {
  const context = await browser.newContext({ viewport, colorScheme: 'light' });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const problems: string[] = [];
  const dialogs: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  await page.goto(baseUrl);
  return { name, context, page, problems, dialogs };
}

/** Opens the app and joins with `name`; resolves when the chat screen is ready. */
export async function join(browser: Browser, baseUrl: string, name: string, viewport?: { width: number; height: number }): Promise<UserPage> {
  const u = await newUserPage(browser, baseUrl, name, viewport);
  await u.page.getByLabel('Name', { exact: true }).fill(name);
  await u.page.getByRole('button', { name: 'Join', exact: true }).click();
  await messageField(u.page).waitFor();
  return u;
}

export function messageField(page: Page): Locator {
  return page.getByLabel('Message', { exact: true });
}

export function button(page: Page, name: string): Locator {
  return page.getByRole('button', { name, exact: true });
}

/** The open conversation's message log. */
export function log(page: Page): Locator {
  return page.getByRole('log');
}

export async function say(page: Page, text: string): Promise<void> {
  await messageField(page).fill(text);
  await messageField(page).press('Enter');
}

/** Chat messages (not notices) in the open conversation whose text is exactly `text`. */
export function messagesWithText(page: Page, text: string): Locator {
  return log(page).locator('.msg .text').filter({ hasText: new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) });
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, animations: 'disabled' });
}

export interface WebFixture {
  readonly app: App;
  readonly browser: Browser;
  /** http://127.0.0.1:PORT/ of the test server. */
  readonly base: string;
}

/**
 * Registers before/after hooks in the calling describe: a test server (with `overrides`)
 * and a browser, both closed afterwards. The getters are valid inside the tests.
 */
export function webFixture(overrides: Partial<Record<ConfigKey, unknown>> = {}): WebFixture {
  let app: App | undefined;
  let browser: Browser | undefined;
  before(async () => {
    app = await startTestServer(overrides);
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });
  return {
    get app() { return app!; },
    get browser() { return browser!; },
    get base() { return `http://127.0.0.1:${app!.port}/`; },
  };
}
