#!/usr/bin/env node
// The admin page in a real browser: Debian's Chromium driven by
// playwright-core against `stripe-install serve` with [admin] password_hash set.
//
//   node tests/browser/admin.mjs BASE_URL SCREENSHOT_DIR   (password on stdin)
//
// Run 1  keyboard only: the login page → type the password → Enter → the
//        overview; Tab to an install's link, Enter → its page; Tab to the
//        confirmation box, Space; Tab to "Revoke install", Enter → revoked.
//        Every focused control must show a focus ring.
// Audit  axe-core on the login page, the overview and an install's page (in a
//        context with bypassCSP: the pages' CSP blocks injected scripts).
//
// Prints one line per check, then "N passed, M failed", then one line
// "RESULT_JSON {...}" for test_browser_admin.py. Exits 0 only when every check
// passed. A watchdog ends the process after 85 s.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const WATCHDOG_MS = 85_000;
const ACTION_TIMEOUT_MS = 10_000;
const NAVIGATION_TIMEOUT_MS = 15_000;
const AXE_TIMEOUT_MS = 20_000;
const CHROMIUM = '/usr/bin/chromium';
const SESSION_COOKIE = 'stripe_install_admin';

const require = createRequire(new URL('../node/package.json', import.meta.url));

const [baseArg, screenshotArg] = process.argv.slice(2);
if (!baseArg || !screenshotArg) {
    console.error('usage: node tests/browser/admin.mjs BASE_URL SCREENSHOT_DIR  (password on stdin)');
    process.exit(2);
}
const BASE = baseArg.replace(/\/+$/, '');
const SHOTS = path.resolve(screenshotArg);
const PASSWORD = fs.readFileSync(0, 'utf8').split('\n')[0];
fs.mkdirSync(SHOTS, { recursive: true });

const report = { base: BASE, passed: 0, failed: 0, failures: [], screenshots: [], axe: {}, revoked_account: null };
let browser = null;

function check(condition, what, detail = '') {
    if (condition) {
        report.passed += 1;
        console.log(`ok   ${what}`);
    } else {
        report.failed += 1;
        report.failures.push(detail ? `${what}: ${detail}` : what);
        console.log(`FAIL ${what}${detail ? ` ${detail}` : ''}`);
    }
    return Boolean(condition);
}

function finish(code) {
    console.log(`admin browser: ${report.passed} passed, ${report.failed} failed`);
    console.log(`RESULT_JSON ${JSON.stringify(report)}`);
    process.exit(code);
}

const watchdog = setTimeout(() => {
    check(false, `whole script finished within ${WATCHDOG_MS / 1000} s`, 'watchdog fired');
    finish(3);
}, WATCHDOG_MS);

function withTimeout(promise, ms, what) {
    let timer;
    const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function screenshot(page, name) {
    const file = path.join(SHOTS, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true, timeout: ACTION_TIMEOUT_MS });
    report.screenshots.push(file);
    console.log(`     screenshot ${file}`);
}

async function newPage(context, label) {
    const page = await context.newPage();
    page.setDefaultTimeout(ACTION_TIMEOUT_MS);
    page.setDefaultNavigationTimeout(NAVIGATION_TIMEOUT_MS);
    const problems = [];
    page.on('console', (message) => {
        if (message.type() === 'error')
            problems.push(`console error: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) =>
        problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`));
    page.on('response', (response) => {
        if (response.status() >= 400)
            problems.push(`${response.status()} for ${response.url()}`);
    });
    page.problems = () => problems.splice(0);
    page.label = label;
    return page;
}

// Runs `action` and waits until the main frame has navigated and loaded.
async function navigation(page, action) {
    const navigated = page.waitForEvent('framenavigated', {
        predicate: (frame) => frame === page.mainFrame(),
        timeout: NAVIGATION_TIMEOUT_MS,
    });
    await Promise.all([navigated, action()]);
    await page.waitForLoadState('load');
}

async function tabUntil(page, predicate, what, limit = 40) {
    for (let steps = 1; steps <= limit; steps += 1) {
        await page.keyboard.press('Tab');
        if (await page.evaluate(predicate))
            return steps;
    }
    throw new Error(`Tab never reached ${what} within ${limit} presses`);
}

async function focusRingShown(page) {
    return page.evaluate(() => {
        const style = getComputedStyle(document.activeElement);
        return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    });
}

function checkNoProblems(page, where) {
    const problems = page.problems();
    check(problems.length === 0, `${page.label}: no console errors or failed requests on ${where}`,
          problems.join(' | '));
}

async function loginWithKeyboard(page) {
    const response = await page.goto(`${BASE}/admin`, { waitUntil: 'load' });
    check(response && response.status() === 200, `${page.label}: the login page answers 200`, response?.status());
    check(/Admin sign-in/.test(await page.locator('h1').innerText()), `${page.label}: the login page is shown`);
    const onPassword = () => document.activeElement?.matches('input[type="password"]');
    if (!(await page.evaluate(onPassword)))
        await tabUntil(page, onPassword, 'the password field');
    check(await focusRingShown(page), `${page.label}: the focused password field shows a focus ring`);
    await screenshot(page, 'admin-1-login');
    await page.keyboard.type(PASSWORD);
    await tabUntil(page, () => document.activeElement?.matches('button[type="submit"]'), 'the Sign in button');
    check(await focusRingShown(page), `${page.label}: the focused Sign in button shows a focus ring`);
    await navigation(page, () => page.keyboard.press('Enter'));
    check(new URL(page.url()).pathname === '/admin' && /Installs/.test(await page.locator('h1').innerText()),
          `${page.label}: Enter signs in and shows the overview`, page.url());
}

async function runKeyboard() {
    const context = await browser.newContext();
    const page = await newPage(context, 'keyboard');
    await loginWithKeyboard(page);
    const cookie = (await context.cookies(`${BASE}/admin`)).find((c) => c.name === SESSION_COOKIE);
    check(cookie && cookie.httpOnly && cookie.sameSite === 'Strict' && cookie.path === '/admin',
          `${page.label}: the session cookie is HttpOnly, SameSite=Strict, Path=/admin`, JSON.stringify(cookie));
    check(!(await page.evaluate(() => document.cookie)).includes(SESSION_COOKIE),
          `${page.label}: the session cookie is hidden from scripts`);
    const chartLoaded = await page.locator('img.chart').evaluate((img) => img.complete && img.naturalWidth > 0);
    check(chartLoaded, `${page.label}: the funnel chart image renders under the page's CSP`);
    checkNoProblems(page, 'the overview');
    await screenshot(page, 'admin-2-overview');

    // Tab to the first active install's link and open it.
    await tabUntil(page, () => {
        const el = document.activeElement;
        return el?.matches('a[href*="/admin/installs/acct_AdminActive"]');
    }, 'an active install link');
    check(await focusRingShown(page), `${page.label}: the focused install link shows a focus ring`);
    await navigation(page, () => page.keyboard.press('Enter'));
    const account = (await page.locator('h1').innerText()).trim();
    check(account.startsWith('acct_AdminActive'), `${page.label}: Enter opens the install's page`, account);
    await screenshot(page, 'admin-3-install');

    await tabUntil(page, () => document.activeElement?.matches('#revoke-confirm'), 'the confirmation box');
    check(await focusRingShown(page), `${page.label}: the focused confirmation box shows a focus ring`);
    await page.keyboard.press('Space');
    check(await page.locator('#revoke-confirm').isChecked(), `${page.label}: Space ticks the confirmation box`);
    await tabUntil(page, () => document.activeElement?.matches('button.button-danger'), 'the Revoke button');
    check(await focusRingShown(page), `${page.label}: the focused Revoke button shows a focus ring`);
    await navigation(page, () => page.keyboard.press('Enter'));
    const text = await page.locator('main').innerText();
    check(/Revoked by hand/.test(text) && /\(admin\)/.test(text), `${page.label}: the install is revoked by admin`,
          text.slice(0, 400));
    checkNoProblems(page, 'the revoke');
    await screenshot(page, 'admin-4-revoked');
    report.revoked_account = account;
    await context.close();
}

async function axeAudit(page, name) {
    await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
    const results = await withTimeout(page.evaluate(() => window.axe.run(document)), AXE_TIMEOUT_MS, `axe on ${name}`);
    const violations = results.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.map((n) => n.target.join(' ')),
        summaries: v.nodes.map((n) => n.failureSummary),
    }));
    report.axe[name] = { url: page.url(), passes: results.passes.length, violations };
    for (const v of violations)
        for (let i = 0; i < v.targets.length; i += 1)
            console.log(`     axe ${name}: ${v.id} (${v.impact}) at ${v.targets[i]} — ${v.help}; ` +
                        `${(v.summaries[i] || '').replace(/\s+/g, ' ')}`);
    check(violations.length === 0, `axe: no violations on the ${name} (${results.passes.length} rules passed)`,
          violations.map((v) => `${v.id}/${v.impact}`).join(', '));
}

async function runAudit() {
    const context = await browser.newContext({ bypassCSP: true });
    const page = await newPage(context, 'audit');
    await page.goto(`${BASE}/admin`, { waitUntil: 'load' });
    await axeAudit(page, 'admin login page');
    await page.locator('input[type="password"]').fill(PASSWORD);
    await navigation(page, () => page.locator('button[type="submit"]').click());
    await axeAudit(page, 'admin overview');
    const link = page.locator('a[href*="/admin/installs/acct_AdminRevoked"]').first();
    await navigation(page, () => link.click());
    await axeAudit(page, 'admin install page (revoked)');
    await page.goto(`${BASE}/admin`, { waitUntil: 'load' });
    await navigation(page, () => page.locator('a[href*="/admin/installs/acct_AdminSecond"]').first().click());
    check(await page.locator('#revoke-confirm').count() === 1, 'audit: an active install page with the revoke form');
    await axeAudit(page, 'admin install page (active)');
    await screenshot(page, 'admin-5-install-active');
    await context.close();
}

async function step(name, fn) {
    try {
        await fn();
    } catch (error) {
        check(false, `${name} ran to the end`, error.stack || String(error));
    }
}

async function main() {
    const { chromium } = require('playwright-core');
    try {
        browser = await chromium.launch({
            executablePath: CHROMIUM,
            headless: true,
            timeout: 30_000,
            args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                   '--disable-background-networking', '--disable-component-update', '--disable-sync'],
        });
        console.log(`     chromium ${browser.version()}, base ${BASE}`);
        await step('keyboard run', runKeyboard);
        await step('axe audit', runAudit);
    } catch (error) {
        check(false, 'Chromium started', error.stack || String(error));
    } finally {
        if (browser)
            await withTimeout(browser.close(), 10_000, 'closing Chromium').catch(() => {});
    }
    clearTimeout(watchdog);
    finish(report.failed === 0 && report.passed > 0 ? 0 : 1);
}

main();
