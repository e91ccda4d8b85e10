#!/usr/bin/env node
// The install flow in a real browser: Debian's Chromium driven by
// playwright-core against `stripe-install serve --dev`.
//
//   node tests/browser/install-flow.mjs BASE_URL SCREENSHOT_DIR
//
// Run 1  mouse: install page → "Install on Stripe" → stand-in, second account →
//        Install → /callback success page (200, names the account).
// Run 2  fresh context: install page → stand-in → Cancel → "cancelled" page.
// Run 3  keyboard only: Tab to the link, Enter; Tab/arrow to an account; Enter
//        on Install → success page.
// Audit  axe-core on the install, stand-in, success and failure pages. The pages'
//        Content-Security-Policy blocks injected scripts (checked), so the audit
//        repeats the flow in its own context with bypassCSP; runs 1–3 keep it.
//
// Prints one line per check, then "N passed, M failed", then one line
// "RESULT_JSON {...}" for the caller (test_browser_flow.py); also writes it to
// SCREENSHOT_DIR/report.json. Exits 0 only when every check passed. A watchdog
// ends the process after 85 s, so it can never hang.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const WATCHDOG_MS = 85_000;
const ACTION_TIMEOUT_MS = 10_000;
const NAVIGATION_TIMEOUT_MS = 15_000;
const AXE_TIMEOUT_MS = 20_000;
const CHROMIUM = '/usr/bin/chromium';
const INSTALL_LINK = 'a[href*="/apps/install/link/"]';
const RADIOS = 'input[type="radio"][name="account_id"]';
const INSTALL_BUTTON = 'button[name="decision"][value="install"]';
const CANCEL_BUTTON = 'button[name="decision"][value="cancel"]';
const COOKIE_NAME = 'stripe_install_browser';

// playwright-core and axe-core are pinned in tests/node/package.json.
const require = createRequire(new URL('../node/package.json', import.meta.url));

const [baseArg, screenshotArg] = process.argv.slice(2);
if (!baseArg || !screenshotArg) {
    console.error('usage: node tests/browser/install-flow.mjs BASE_URL SCREENSHOT_DIR');
    process.exit(2);
}
const BASE = baseArg.replace(/\/+$/, '');
const SHOTS = path.resolve(screenshotArg);
fs.mkdirSync(SHOTS, { recursive: true });

const report = {
    base: BASE,
    screenshot_dir: SHOTS,
    passed: 0,
    failed: 0,
    failures: [],
    chosen_accounts: [],
    screenshots: [],
    axe: {},
    csp_blocks_injected_script: null,
    notes: new Set(),
};
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
    report.notes = [...report.notes];
    for (const note of report.notes)
        console.log(`note ${note}`);
    console.log(`browser flow: ${report.passed} passed, ${report.failed} failed`);
    const json = JSON.stringify(report);
    console.log(`RESULT_JSON ${json}`);
    try {
        fs.writeFileSync(path.join(SHOTS, 'report.json'), JSON.stringify(report, null, 2) + '\n');
    } catch (error) {
        console.error(`could not write report.json: ${error.message}`);
    }
    process.exit(code);
}

const watchdog = setTimeout(() => {
    check(false, `whole script finished within ${WATCHDOG_MS / 1000} s`, 'watchdog fired');
    // Playwright's exit handler kills the Chromium it launched.
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
    // Any console error, failed load or error status fails the run (the layout
    // declares a data: icon, so not even /favicon.ico is requested).
    page.on('console', (message) => {
        if (message.type() === 'error')
            problems.push(`console error: ${message.text()} at ${message.location()?.url}`);
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

// Waits for the main-frame navigation whose final URL is on `pathname`, started by `action`.
async function navigation(page, pathname, action) {
    const response = page.waitForResponse((candidate) =>
        candidate.request().isNavigationRequest() &&
        candidate.frame() === page.mainFrame() &&
        new URL(candidate.url()).pathname === pathname, { timeout: NAVIGATION_TIMEOUT_MS });
    // The response can arrive before the new document commits: wait for both.
    const committed = page.waitForURL((url) => url.pathname === pathname,
                                      { waitUntil: 'load', timeout: NAVIGATION_TIMEOUT_MS });
    const [answer] = await Promise.all([response, committed, action()]);
    return answer;
}

function bodyText(page) {
    return page.locator('body').innerText();
}

async function openInstallPage(page) {
    const response = await page.goto(`${BASE}/`, { waitUntil: 'load' });
    check(response && response.status() === 200, `${page.label}: install page answers 200`, response?.status());
    const link = page.locator(INSTALL_LINK);
    check((await link.count()) === 1, `${page.label}: one install link on the page`);
    check((await link.innerText()).trim() === 'Install on Stripe', `${page.label}: the link reads "Install on Stripe"`,
          JSON.stringify(await link.innerText()));
    return link;
}

async function checkStandIn(page) {
    const url = new URL(page.url());
    check(url.pathname.startsWith('/_dev/marketplace/apps/install/link/'), `${page.label}: on the local stand-in`,
          page.url());
    check(url.searchParams.get('redirect_uri') === `${BASE}/callback` && Boolean(url.searchParams.get('state')),
          `${page.label}: link carries redirect_uri and state`, page.url());
    check(/stand-in/i.test(await bodyText(page)), `${page.label}: stand-in says it is not Stripe`);
    const radios = page.locator(RADIOS);
    check((await radios.count()) >= 2, `${page.label}: at least two account radios`, await radios.count());
    return radios;
}

async function checkSuccess(page, response, account) {
    check(response.status() === 200, `${page.label}: /callback navigation answers 200`, response.status());
    const redirect = response.request().redirectedFrom();
    check(redirect && redirect.method() === 'POST' && (await redirect.response())?.status() === 303,
          `${page.label}: reached by a 303 from the stand-in's POST`);
    const url = new URL(page.url());
    check(url.searchParams.get('livemode') === 'false', `${page.label}: the redirect says livemode=false`);
    const text = await bodyText(page);
    check(/Installation complete/i.test(text), `${page.label}: success page shown`, JSON.stringify(text.slice(0, 200)));
    check(text.includes(account), `${page.label}: success page names ${account}`);
    check(!/cancel|failed/i.test(text), `${page.label}: success page says nothing of failure`);
}

async function checkCookie(context, page) {
    const cookies = await context.cookies(BASE);
    const cookie = cookies.find((c) => c.name === COOKIE_NAME);
    check(cookie && cookie.httpOnly && cookie.sameSite === 'Lax',
          `${page.label}: ${COOKIE_NAME} cookie is set, HttpOnly, SameSite=Lax`, JSON.stringify(cookie));
    const visible = await page.evaluate(() => document.cookie);
    check(!visible.includes(COOKIE_NAME), `${page.label}: the cookie is hidden from scripts`);
}

function checkNoProblems(page, where) {
    const problems = page.problems();
    check(problems.length === 0, `${page.label}: no console errors or failed requests on ${where}`,
          problems.join(' | '));
}

async function runMouse(browser) {
    const context = await browser.newContext();
    const page = await newPage(context, 'run 1 (mouse)');
    const link = await openInstallPage(page);
    await checkCookie(context, page);
    checkNoProblems(page, 'the install page');
    await screenshot(page, 'run1-1-install-page');

    await navigation(page, new URL(await link.getAttribute('href'), BASE).pathname, () => link.click());
    const radios = await checkStandIn(page);
    const second = radios.nth(1);
    await second.check();
    const account = await second.getAttribute('value');
    check(await second.isChecked(), `${page.label}: second account ${account} chosen`);
    checkNoProblems(page, 'the stand-in');
    await screenshot(page, 'run1-2-stand-in');

    const response = await navigation(page, '/callback', () => page.locator(INSTALL_BUTTON).click());
    await checkSuccess(page, response, account);
    checkNoProblems(page, 'the success page');
    await screenshot(page, 'run1-3-success');
    report.chosen_accounts.push(account);

    // The pages' CSP should stop an injected script; that is why the audit bypasses it.
    const probe = await newPage(context, 'CSP probe');
    await probe.goto(`${BASE}/`, { waitUntil: 'load' });
    try {
        await probe.addScriptTag({ content: 'window.__injected = true;' });
        report.csp_blocks_injected_script = !(await probe.evaluate(() => window.__injected === true));
    } catch {
        report.csp_blocks_injected_script = true;
    }
    check(report.csp_blocks_injected_script, 'CSP blocks a script injected into the install page');
    await context.close();
}

async function runCancel(browser) {
    const context = await browser.newContext();
    const page = await newPage(context, 'run 2 (cancel)');
    const link = await openInstallPage(page);
    await navigation(page, new URL(await link.getAttribute('href'), BASE).pathname, () => link.click());
    await checkStandIn(page);
    const response = await navigation(page, '/callback', () => page.locator(CANCEL_BUTTON).click());
    check(response.status() === 200, `${page.label}: /callback after Cancel answers 200`, response.status());
    const url = new URL(page.url());
    check(url.searchParams.get('error') === 'access_denied', `${page.label}: redirect carries error=access_denied`,
          page.url());
    const text = await bodyText(page);
    check(/cancelled/i.test(await page.locator('h1').innerText()), `${page.label}: heading says cancelled`,
          JSON.stringify(await page.locator('h1').innerText()));
    check(/nothing was installed/i.test(text), `${page.label}: page says nothing was installed`);
    check(!/Installation complete/i.test(text), `${page.label}: no success wording`);
    checkNoProblems(page, 'the cancelled page');
    await screenshot(page, 'run2-1-cancelled');
    await context.close();
}

// Presses Tab until `predicate` holds for the focused element; returns the steps taken.
async function tabUntil(page, predicate, what, limit = 25) {
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

async function runKeyboard(browser) {
    const context = await browser.newContext();
    const page = await newPage(context, 'run 3 (keyboard)');
    await openInstallPage(page);
    const linkSteps = await tabUntil(page,
        () => document.activeElement?.matches('a[href*="/apps/install/link/"]'), 'the install link');
    check(linkSteps === 1, `${page.label}: the install link is the first Tab stop`, `took ${linkSteps}`);
    check(await focusRingShown(page), `${page.label}: focused install link shows a focus ring`);
    await screenshot(page, 'run3-1-link-focused');
    await navigation(page, new URL(await page.locator(INSTALL_LINK).getAttribute('href'), BASE).pathname,
                     () => page.keyboard.press('Enter'));
    await checkStandIn(page);

    await tabUntil(page, () => document.activeElement?.matches('input[type="radio"][name="account_id"]'),
                   'an account radio');
    check(await focusRingShown(page), `${page.label}: focused radio shows a focus ring`);
    await page.keyboard.press('ArrowDown');
    const account = await page.evaluate(() => document.activeElement?.value);
    const checked = await page.locator(`${RADIOS}:checked`).getAttribute('value');
    check(account && checked === account, `${page.label}: ArrowDown selects the next account`,
          `focused ${account}, checked ${checked}`);
    const second = await page.locator(RADIOS).nth(1).getAttribute('value');
    check(checked === second, `${page.label}: the keyboard chose the second account ${second}`, checked);

    await tabUntil(page, () => document.activeElement?.matches('button[name="decision"][value="install"]'),
                   'the Install button');
    check(await focusRingShown(page), `${page.label}: focused Install button shows a focus ring`);
    await screenshot(page, 'run3-2-install-focused');
    const response = await navigation(page, '/callback', () => page.keyboard.press('Enter'));
    await checkSuccess(page, response, checked);
    checkNoProblems(page, 'the keyboard flow');
    await screenshot(page, 'run3-3-success');
    report.chosen_accounts.push(checked);
    await context.close();
}

async function axeAudit(page, name) {
    const axePath = require.resolve('axe-core/axe.min.js');
    await page.addScriptTag({ path: axePath });
    const results = await withTimeout(page.evaluate(() => window.axe.run(document)), AXE_TIMEOUT_MS, `axe on ${name}`);
    const violations = results.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.map((n) => n.target.join(' ')),
        summaries: v.nodes.map((n) => n.failureSummary),
    }));
    report.axe[name] = { url: page.url(), passes: results.passes.length, violations,
                         incomplete: results.incomplete.map((v) => v.id) };
    for (const v of violations) {
        for (let i = 0; i < v.targets.length; i += 1)
            console.log(`     axe ${name}: ${v.id} (${v.impact}) at ${v.targets[i]} — ${v.help}; ` +
                        `${(v.summaries[i] || '').replace(/\s+/g, ' ')}`);
    }
    if (results.incomplete.length)
        console.log(`     axe ${name}: needs review (not failed): ${results.incomplete.map((v) => v.id).join(', ')}`);
    check(violations.length === 0, `axe: no violations on the ${name} (${results.passes.length} rules passed)`,
          violations.map((v) => `${v.id}/${v.impact}`).join(', '));
}

async function runAudit(browser) {
    const context = await browser.newContext({ bypassCSP: true });
    const page = await newPage(context, 'audit');
    const link = await openInstallPage(page);
    await axeAudit(page, 'install page');
    await navigation(page, new URL(await link.getAttribute('href'), BASE).pathname, () => link.click());
    const radios = await checkStandIn(page);
    await axeAudit(page, 'stand-in page');
    // Same account as the other runs, so the database holds one row for it.
    await radios.nth(1).check();
    const account = await radios.nth(1).getAttribute('value');
    const response = await navigation(page, '/callback', () => page.locator(INSTALL_BUTTON).click());
    check(response.status() === 200, 'audit: success page reached', response.status());
    await axeAudit(page, 'success page');
    report.chosen_accounts.push(account);

    const cancelPage = await newPage(context, 'audit (cancel)');
    const cancelLink = await openInstallPage(cancelPage);
    await navigation(cancelPage, new URL(await cancelLink.getAttribute('href'), BASE).pathname,
                     () => cancelLink.click());
    await navigation(cancelPage, '/callback', () => cancelPage.locator(CANCEL_BUTTON).click());
    check(/cancelled/i.test(await cancelPage.locator('h1').innerText()), 'audit: failure page reached');
    await axeAudit(cancelPage, 'failure page');
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
    console.log(`     chromium ${CHROMIUM}, base ${BASE}`);
    try {
        // Playwright starts Chromium with a new, empty --user-data-dir of its own
        // (it refuses one in args; that is what launchPersistentContext is for) and
        // deletes it on close. Each run below gets its own isolated context, so
        // cookies never leak from one run to the next.
        browser = await chromium.launch({
            executablePath: CHROMIUM,
            headless: true,
            timeout: 30_000,
            args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                   '--disable-background-networking', '--disable-component-update', '--disable-sync'],
        });
        console.log(`     chromium ${browser.version()}`);
        await step('run 1 (mouse)', () => runMouse(browser));
        await step('run 2 (cancel)', () => runCancel(browser));
        await step('run 3 (keyboard)', () => runKeyboard(browser));
        await step('axe audit', () => runAudit(browser));
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
