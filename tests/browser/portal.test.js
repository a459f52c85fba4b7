// Browser tests of the member portal in real headless Chromium (Debian's chromium driven by
// playwright-core: no browser download). Run by run.sh, which starts a demo daemon and sets
// PORTAL (the portal's URL), SPKI (the portal certificate's key hash, so Chromium trusts the
// demo certificate without a certificate store), BASE_TILL etc. and OUT_DIR (screenshots).
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('playwright-core');

const PORTAL = process.env.PORTAL;
const OUT_DIR = process.env.OUT_DIR;
const MEMBERS = fs.readFileSync(process.env.DEMO_MEMBERS, 'utf8').split('\n')
  .filter((line) => /^[0-9]/.test(line)).map((line) => line.split(' '));
const [, CARD2, , PIN2] = MEMBERS[1]; // member 2: has a PIN and the sale run.sh made
const [, CARD5, , PIN5] = MEMBERS[4];
const [, CARD6, , PIN6] = MEMBERS[5];
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  `--ignore-certificate-errors-spki-list=${process.env.SPKI}`];
// Chromium DevTools' "Slow 3G" preset: 500 kbit/s * 0.8 each way, 400 ms RTT * 5.
const SLOW_3G = { offline: false, downloadThroughput: 500 * 1000 / 8 * 0.8,
  uploadThroughput: 500 * 1000 / 8 * 0.8, latency: 400 * 5 };
const BYTES_BUDGET = 100 * 1024;       // the product's budget: a first dashboard visit
const USABLE_BUDGET_MS = 2000;         // the product's budget beyond the preset's latency (below)

let browser;
before(async () => {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: FLAGS });
});
after(async () => { if (browser) await browser.close(); });

async function newPage(options) {
  const context = await browser.newContext({ locale: 'en-US', ...options });
  const page = await context.newPage();
  return { context, page };
}

async function login(page, card, pin) {
  await page.goto(PORTAL + '/');
  await page.waitForSelector('body[data-ready="login"]');
  await page.fill('#login-id', card);
  await page.fill('#login-pin', pin);
  await page.click('#login-submit');
}

test('log in: the dashboard shows the figures the API gives', async () => {
  const { context, page } = await newPage();
  await login(page, CARD2, PIN2);
  await page.waitForSelector('body[data-ready="dashboard"]');
  const me = await page.evaluate(async () => (await fetch('/v1/member/me')).json());
  const shown = await page.textContent('#points');
  assert.strictEqual(shown, new Intl.NumberFormat('en-US').format(me.points));
  assert.ok(me.points > 0 && me.purchases_count >= 1, 'the sale run.sh made is there');
  assert.strictEqual(await page.textContent('#purchases'), String(me.purchases_count));
  assert.strictEqual(await page.textContent('#earned'), new Intl.NumberFormat('en-US').format(me.points_earned));
  assert.strictEqual(await page.textContent('#prepaid'),
    new Intl.NumberFormat('en-US', { style: 'currency', currency: me.currency }).format(me.prepaid_cents / 100));
  assert.strictEqual(await page.textContent('#tier'), me.tier);
  const cookies = await context.cookies();
  const session = cookies.find((cookie) => cookie.name === '__Host-lty_session');
  assert.ok(session && session.httpOnly && session.secure && session.sameSite === 'Strict');
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: path.join(OUT_DIR, 'dashboard-desktop.png'), fullPage: true });
  await page.setViewportSize({ width: 360, height: 740 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  assert.strictEqual(overflow, false, 'no horizontal scrolling at 360 px');
  await page.screenshot({ path: path.join(OUT_DIR, 'dashboard-360.png'), fullPage: true });
  await context.close();
});

test('a wrong PIN is refused, then the throttle answers with when to try again', async () => {
  const { context, page } = await newPage();
  await login(page, CARD6, '0000');
  await page.waitForSelector('#login-error:not(:empty)');
  assert.match(await page.textContent('#login-error'), /wrong/);
  for (let attempt = 2; attempt <= 10; attempt++) {
    await page.fill('#login-pin', '0000');
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/v1/member/login')),
      page.click('#login-submit')]);
    assert.strictEqual(answer.status(), 401);
  }
  await page.fill('#login-pin', PIN6);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/v1/member/login')),
    page.click('#login-submit')]);
  assert.strictEqual(response.status(), 429);
  assert.ok(Number(response.headers()['retry-after']) > 0);
  await page.waitForFunction(() => /try again in/.test(document.querySelector('#login-error').textContent));
  await context.close();
});

test('the history chart renders from the balance history', async () => {
  const { context, page } = await newPage();
  await login(page, CARD2, PIN2);
  await page.waitForSelector('body[data-ready="dashboard"]');
  await page.click('#nav-history');
  await page.waitForSelector('body[data-ready="history"]');
  const path = await page.getAttribute('#balance-chart path.line', 'd');
  assert.match(path, /^M[0-9.]+,[0-9.]+(H[0-9.]+V[0-9.]+)+$/);
  assert.ok((await page.$$('#journal tbody tr')).length >= 2, 'the journal lists the sale and the bonus');
  await page.setViewportSize({ width: 360, height: 740 });
  await page.screenshot({ path: require('node:path').join(OUT_DIR, 'history-360.png'), fullPage: true });
  await context.close();
});

test('switch the language: zh-CN from Accept-Language, English by the button', async () => {
  const { context, page } = await newPage({ locale: 'zh-CN' });
  await page.goto(PORTAL + '/');
  await page.waitForSelector('body[data-ready="login"]');
  assert.strictEqual(await page.textContent('h1'), '会员登录');
  assert.strictEqual(await page.getAttribute('html', 'lang'), 'zh-CN');
  await page.click('#lang');
  await page.waitForFunction(() => document.querySelector('h1').textContent === 'Member login');
  await page.reload();
  await page.waitForSelector('body[data-ready="login"]');
  assert.strictEqual(await page.textContent('h1'), 'Member login', 'the choice is kept');
  await page.click('#lang');
  await page.fill('#login-id', CARD5);
  await page.fill('#login-pin', PIN5);
  await page.keyboard.press('Enter'); // keyboard only
  await page.waitForSelector('body[data-ready="dashboard"]');
  assert.strictEqual(await page.textContent('#nav-dashboard'), '积分');
  await page.screenshot({ path: path.join(OUT_DIR, 'dashboard-zh-desktop.png'), fullPage: true });
  await context.close();
});

test('first visit under Slow 3G: bytes on the wire and time to usable within budget', async () => {
  const { context, page } = await newPage();
  // Log in on a normal link first: the budget is the dashboard's first visit, not the form's.
  await login(page, CARD2, PIN2);
  await page.waitForSelector('body[data-ready="dashboard"]');
  const fresh = await context.newPage(); // same cookie jar, empty memory cache
  const cdp = await context.newCDPSession(fresh);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', SLOW_3G);
  let bytes = 0;
  const requests = [];
  cdp.on('Network.loadingFinished', (event) => { bytes += event.encodedDataLength; });
  cdp.on('Network.requestWillBeSent', (event) => { requests.push(event.request.url); });
  const started = Date.now();
  await fresh.goto(PORTAL + '/#/dashboard');
  await fresh.waitForSelector('body[data-ready="dashboard"]', { timeout: 60000 });
  const usable = Date.now() - started;
  // The preset delays every response by 2 s; the page needs three waves in sequence (shell,
  // its assets, the member's data), whatever its size. The budget is what comes on top.
  const waves = 3;
  const report = { bytes, budget_bytes: BYTES_BUDGET, usable_ms: usable, waves,
    preset_latency_ms: SLOW_3G.latency, budget_beyond_latency_ms: USABLE_BUDGET_MS, requests };
  fs.writeFileSync(path.join(OUT_DIR, 'slow3g.json'), JSON.stringify(report, null, 2));
  console.log('# slow 3G first dashboard visit:', JSON.stringify(report));
  assert.ok(bytes > 0 && bytes <= BYTES_BUDGET, `${bytes} bytes, budget ${BYTES_BUDGET}`);
  assert.ok(usable <= waves * SLOW_3G.latency + USABLE_BUDGET_MS,
    `usable after ${usable} ms: budget ${USABLE_BUDGET_MS} ms beyond ${waves} x ${SLOW_3G.latency} ms latency`);
  await context.close();
});

test('report the card lost: refused at the till at once', async () => {
  const { context, page } = await newPage();
  await login(page, CARD5, PIN5);
  await page.waitForSelector('body[data-ready="dashboard"]');
  await page.click('#nav-lost');
  await page.waitForSelector('body[data-ready="lost"]');
  page.once('dialog', (dialog) => dialog.accept());
  await page.click(`button[data-card="${CARD5}"]`);
  // The session was opened with that card: it ends, and the login form comes back.
  await page.waitForSelector('body[data-ready="login"]');
  const till = require('node:child_process').spawnSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}',
    '--cacert', process.env.CA, '--cert', process.env.TILL_CERT, '--key', process.env.TILL_KEY,
    `${process.env.BASE}/v1/till/cards/${CARD5}`], { encoding: 'utf8' });
  assert.strictEqual(till.stdout, '423');
  await context.close();
});
