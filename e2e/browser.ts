/** Shared end-to-end helpers: Chromium, pages that record errors, TOTP codes, first-run set-up. */
import fs from 'node:fs';
import path from 'node:path';
import { generate } from 'otplib';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const SHOTS = path.join(import.meta.dirname, 'screenshots');
const CHROMIUM = '/usr/bin/chromium';

/** Starts Debian's Chromium headless (fails loudly when it is missing). */
export async function launch(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error('Chromium is missing: run scripts/install-system-deps.sh');
  fs.mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}

/** A new page whose page errors and server 5xx responses are collected in `problems`. */
export async function newPage(browser: Browser, problems: string[]): Promise<{ ctx: BrowserContext; page: Page }> {
  // The console's certificate comes from the platform's own CA, which this fresh browser does not trust.
  const ctx = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport: { width: 1366, height: 900 },
    locale: 'ja-JP',
  });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 500) problems.push(`${r.status()} ${r.url()}`);
  });
  return { ctx, page };
}

const usedCodes = new Set<string>();
/** A TOTP code the server has not seen yet (it refuses replays within the window). */
export async function totp(secret: string): Promise<string> {
  for (;;) {
    const code = await generate({ secret });
    if (!usedCodes.has(`${secret}:${code}`)) {
      usedCodes.add(`${secret}:${code}`);
      return code;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** The element with this data-testid. */
export const tid = (page: Page, id: string) => page.getByTestId(id);

/** A full-page screenshot in e2e/screenshots/. */
export async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** Opens a Mantine select and picks an option. */
export async function choose(page: Page, testId: string, option: string, exact = true): Promise<void> {
  await tid(page, testId).click();
  await page.getByRole('option', { name: option, exact }).click();
}

/** First run through the printed set-up link: creates the administrator and enrols TOTP; returns the secret. */
export async function setUpFirstAdmin(
  page: Page,
  setupUrl: string,
  admin: { name: string; email: string; password: string },
  shots?: string,
): Promise<string> {
  await page.goto(setupUrl);
  await tid(page, 'setup-email').waitFor();
  if (shots) await shot(page, `${shots}-setup`);
  await tid(page, 'setup-organisation').fill('みやぎ医療連携ネットワーク');
  await tid(page, 'setup-name').fill(admin.name);
  await tid(page, 'setup-email').fill(admin.email);
  await tid(page, 'setup-password').fill(admin.password);
  await tid(page, 'setup-password-confirm').fill(admin.password);
  await tid(page, 'setup-submit').click();
  await tid(page, 'mfa-setup-qr').waitFor();
  if (shots) await shot(page, `${shots}-mfa-setup`);
  const secret = ((await tid(page, 'mfa-setup-secret').textContent()) ?? '').replace(/\s/g, '');
  await tid(page, 'mfa-code').fill(await totp(secret));
  await tid(page, 'mfa-submit').click();
  await tid(page, 'nav-dashboard').waitFor();
  return secret;
}

/** Calls the API from inside the signed-in page (same cookie, with the session's CSRF token). */
export async function api<T>(
  page: Page,
  method: string,
  url: string,
  body?: unknown,
): Promise<{ status: number; json: T }> {
  const res = await page.evaluate(
    async ({ method, url, body }) => {
      const session = (await (await fetch('/api/auth/session')).json()) as { csrfToken: string };
      const res = await fetch(url, {
        method,
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, json: (await res.json()) as unknown };
    },
    { method, url, body },
  );
  return res as { status: number; json: T };
}
