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
const MESSAGES = JSON.parse(fs.readFileSync(path.join(__dirname, '../../daemon/portal/messages.json'), 'utf8'));
const MEMBERS = fs.readFileSync(process.env.DEMO_MEMBERS, 'utf8').split('\n')
  .filter((line) => /^[0-9]/.test(line)).map((line) => line.split(' '));
const [, CARD2, , PIN2] = MEMBERS[1]; // member 2: has a PIN and the sale run.sh made
const [, CARD3, , PIN3] = MEMBERS[2]; // member 3: the screenshots
const [, CARD4, , PIN4] = MEMBERS[3]; // member 4: keyboard only
const [, CARD5, , PIN5] = MEMBERS[4];
const [, CARD6, , PIN6] = MEMBERS[5];
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  `--ignore-certificate-errors-spki-list=${process.env.SPKI}`];
// Chromium DevTools' "Slow 3G" preset: 500 kbit/s * 0.8 each way, 400 ms RTT * 5. The latency is
// added to every request: no page can be usable before one request's 2,000 ms (docs/portal.md).
const SLOW_3G = { offline: false, downloadThroughput: 500 * 1000 / 8 * 0.8,
  uploadThroughput: 500 * 1000 / 8 * 0.8, latency: 400 * 5 };
const BYTES_BUDGET = 100 * 1024;       // a first dashboard visit, everything on the wire
const BEYOND_LATENCY_BUDGET_MS = 2000; // usable after one request's latency plus at most this
const PAGE_NAMES = ['login', 'dashboard', 'history', 'profile', 'lost'];
const WIDTHS = { '360': { width: 360, height: 740 }, desktop: { width: 1280, height: 900 } };

// The portal's formats (docs/portal.md; api/portal_locale.c and app.js write them).
const fmt = {
  number: (value) => (value < 0 ? '-' : '') + String(Math.abs(value)).replace(/\B(?=(\d{3})+(?!\d))/g, ','),
  money: (lang, cents) => (cents < 0 ? '-' : '') + (lang === 'zh-CN' ? '¥' : 'CNY ') +
    fmt.number(Math.floor(Math.abs(cents) / 100)) + '.' + String(Math.abs(cents) % 100).padStart(2, '0'),
  date: (lang, ms) => {
    const d = new Date(ms);
    const [y, m, day] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
    return lang === 'zh-CN' ? `${y}年${m}月${day}日`
      : `${y}-${String(m).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  },
};

let browser;
before(async () => {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: FLAGS });
});
after(async () => { if (browser) await browser.close(); });

// A page whose CSP violations are collected: the portal must cause none.
async function newPage(options) {
  const context = await browser.newContext({ locale: 'en-US', ...options });
  const page = await context.newPage();
  page.cspViolations = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) page.cspViolations.push(message.text());
  });
  return { context, page };
}

async function login(page, card, pin) {
  await page.goto(PORTAL + '/');
  await page.waitForSelector('body[data-ready="login"]');
  await page.fill('#login-id', card);
  await page.fill('#login-pin', pin);
  await page.click('#login-submit');
}

const noOverflow = (page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

test('log in: the dashboard the daemon renders shows the figures the API gives', async () => {
  const { context, page } = await newPage();
  await login(page, CARD2, PIN2);
  await page.waitForSelector('body[data-ready="dashboard"]');
  const me = await page.evaluate(async () => (await fetch('/v1/member/me')).json());
  assert.ok(me.points > 0 && me.purchases_count >= 1, 'the sale run.sh made is there');
  assert.strictEqual(await page.textContent('#points'), fmt.number(me.points));
  assert.strictEqual(await page.textContent('#purchases'), fmt.number(me.purchases_count));
  assert.strictEqual(await page.textContent('#earned'), fmt.number(me.points_earned));
  assert.strictEqual(await page.textContent('#prepaid'), fmt.money('en', me.prepaid_cents));
  assert.strictEqual(await page.textContent('#spent'), fmt.money('en', me.purchases_cents));
  assert.strictEqual(await page.textContent('#tier'), me.tier);
  assert.strictEqual(await page.textContent('#expiring li'),
    // the day in the programme's time zone (its "date"), not expires_ms's UTC day
    `${fmt.number(me.points_expiring[0].points)} points on ${fmt.date('en', Date.parse(me.points_expiring[0].date))}`);
  const cookies = await context.cookies();
  const session = cookies.find((cookie) => cookie.name === '__Host-lty_session');
  assert.ok(session && session.httpOnly && session.secure && session.sameSite === 'Strict');
  assert.deepStrictEqual(page.cspViolations, []);
  await context.close();
});

test('a wrong PIN is refused, then the throttle answers with when to try again', async () => {
  const { context, page } = await newPage();
  await login(page, CARD6, '0000');
  await page.waitForSelector('#login-error:not(:empty)');
  assert.strictEqual(await page.textContent('#login-error'), MESSAGES.en['login.failed']);
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
  await page.locator('#login-error', { hasText: /Try again in 30 minutes \(after [0-9]{2}:[0-9]{2}\)/ }).waitFor();
  await context.close();
});

test('the history chart renders from the balance history', async () => {
  const { context, page } = await newPage();
  await login(page, CARD2, PIN2);
  await page.waitForSelector('body[data-ready="dashboard"]');
  await page.click('#nav-history');
  await page.waitForSelector('body[data-ready="history"]');
  const line = await page.getAttribute('#balance-chart path.line', 'd');
  assert.match(line, /^M[0-9.]+,[0-9.]+(H[0-9.]+V[0-9.]+)+$/);
  assert.ok((await page.$$('#journal tbody tr')).length >= 2, 'the journal lists the sale and the bonus');
  const history = await page.evaluate(async () => (await fetch('/v1/member/balance-history')).json());
  assert.strictEqual(await page.getAttribute('#balance-chart', 'aria-label'),
    `${MESSAGES.en['hist.chart']}: ${fmt.number(history.balance_end)}`);
  await page.click('#nav-dashboard'); // back to the daemon's dashboard: a full load of "/"
  await page.waitForSelector('body[data-ready="dashboard"]');
  assert.strictEqual(await page.getAttribute('#nav-dashboard', 'aria-current'), 'page');
  assert.deepStrictEqual(page.cspViolations, []);
  await context.close();
});

test('switch the language: zh-CN from Accept-Language, English by the switch, kept in a cookie', async () => {
  const { context, page } = await newPage({ locale: 'zh-CN' });
  await page.goto(PORTAL + '/');
  await page.waitForSelector('body[data-ready="login"]');
  assert.strictEqual(await page.textContent('h1'), '会员登录');
  assert.strictEqual(await page.getAttribute('html', 'lang'), 'zh-CN');
  await Promise.all([page.waitForURL(/\?lang=en$/), page.click('#lang')]);
  await page.waitForSelector('body[data-ready="login"]');
  assert.strictEqual(await page.textContent('h1'), 'Member login');
  await page.goto(PORTAL + '/');
  await page.waitForSelector('body[data-ready="login"]');
  assert.strictEqual(await page.textContent('h1'), 'Member login', 'the choice is kept');
  await Promise.all([page.waitForURL(/\?lang=zh-CN$/), page.click('#lang')]);
  await page.waitForSelector('body[data-ready="login"]');
  await page.fill('#login-id', CARD2);
  await page.fill('#login-pin', PIN2);
  await page.keyboard.press('Enter'); // keyboard only
  await page.waitForSelector('body[data-ready="dashboard"]');
  assert.strictEqual(await page.textContent('#nav-dashboard'), '我的积分');
  const me = await page.evaluate(async () => (await fetch('/v1/member/me')).json());
  assert.strictEqual(await page.textContent('#prepaid'), fmt.money('zh-CN', me.prepaid_cents));
  assert.strictEqual(await page.textContent('#tier-next'), me.tier_next ? '再消费 ' +
    fmt.money('zh-CN', me.tier_next_needed) + ' 升级为' + me.tier_next : null);
  await page.click('#nav-history');
  await page.waitForSelector('body[data-ready="history"]');
  const firstDate = await page.textContent('#journal tbody tr td');
  assert.match(firstDate, /^[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日$/, 'the pages app.js renders follow the page\'s language');
  await context.close();
});

test('first dashboard visit under Slow 3G: one request before the figures, usable within one latency + 2 s, <= 100 KB', async () => {
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
  cdp.on('Network.requestWillBeSent', (event) => { requests.push(event.request.url.replace(PORTAL, '')); });
  await fresh.goto(PORTAL + '/', { waitUntil: 'commit' });
  await fresh.waitForSelector('body[data-ready="dashboard"]', { timeout: 60000 });
  // When the points were first painted (Element Timing: elementtiming="points" on their block),
  // and which responses had arrived by then; times are from the navigation's start, on the
  // page's own clock.
  const timing = await fresh.evaluate(() => new Promise((resolve) => {
    new PerformanceObserver((list, observer) => {
      const paints = list.getEntries().filter((item) => item.identifier === 'points')
        .map((item) => item.renderTime || item.loadTime);
      if (paints.length === 0) return;
      observer.disconnect();
      const responses = [performance.getEntriesByType('navigation')[0], ...performance.getEntriesByType('resource')]
        .map((item) => ({ name: item.name.replace(location.origin, ''), start_ms: Math.round(item.startTime),
          end_ms: Math.round(item.responseEnd) }));
      resolve({ painted_ms: Math.round(Math.min(...paints)), responses });
    }).observe({ type: 'element', buffered: true });
  }));
  const before = timing.responses.filter((item) => item.end_ms <= timing.painted_ms);
  const css = timing.responses.find((item) => /app\.css/.test(item.name));
  const js = timing.responses.find((item) => /app\.js/.test(item.name));
  const report = { bytes, budget_bytes: BYTES_BUDGET, usable_ms: timing.painted_ms,
    preset_latency_ms: SLOW_3G.latency, beyond_latency_ms: timing.painted_ms - SLOW_3G.latency,
    budget_beyond_latency_ms: BEYOND_LATENCY_BUDGET_MS, requests_before_figures: before.length,
    enhanced_ms: Math.max(css.end_ms, js.end_ms), responses: timing.responses, requests };
  fs.writeFileSync(path.join(OUT_DIR, 'slow3g.json'), JSON.stringify(report, null, 2));
  console.log('# slow 3G first dashboard visit:', JSON.stringify(report));
  assert.ok(bytes > 0 && bytes <= BYTES_BUDGET, `${bytes} bytes, budget ${BYTES_BUDGET}`);
  assert.deepStrictEqual(before.map((item) => item.name), ['/'], 'the figures come with the page itself');
  assert.ok(timing.painted_ms - SLOW_3G.latency <= BEYOND_LATENCY_BUDGET_MS,
    `points painted after ${timing.painted_ms} ms: budget ${SLOW_3G.latency} ms latency + ${BEYOND_LATENCY_BUDGET_MS} ms`);
  assert.ok(css.start_ms < js.end_ms && js.start_ms < css.end_ms, 'CSS and JS load in parallel');
  await context.close();
});

// Every page in both languages at 360 px and desktop width: screenshots for a human to look at
// (build/browser/), and what a machine can check: no sideways scrolling, every control labelled,
// no message left in English on a zh-CN page, no CSP violation.
test('screenshots: every page, both languages, 360 px and desktop; labelled, no overflow', async () => {
  const english = Object.entries(MESSAGES.en)
    .filter(([key, text]) => MESSAGES['zh-CN'][key] !== text && /[a-z]{3} [a-z]{3}/i.test(text))
    .map(([, text]) => text.replace(/\{[a-z]+\}.*/, '').trim()).filter((text) => text.length >= 8);
  for (const lang of ['en', 'zh-CN']) {
    const { context, page } = await newPage({ locale: lang === 'en' ? 'en-US' : 'zh-CN' });
    for (const name of PAGE_NAMES) {
      if (name === 'login') {
        await page.goto(PORTAL + '/');
        await page.waitForSelector('body[data-ready="login"]');
      } else if (name === 'dashboard') {
        await page.fill('#login-id', CARD3);
        await page.fill('#login-pin', PIN3);
        await page.click('#login-submit');
        await page.waitForSelector('body[data-ready="dashboard"]');
      } else {
        await page.click('#nav-' + name);
        await page.waitForSelector(`body[data-ready="${name}"]`);
      }
      for (const [width, size] of Object.entries(WIDTHS)) {
        await page.setViewportSize(size);
        await page.screenshot({ path: path.join(OUT_DIR, `${name}-${lang}-${width}.png`), fullPage: true });
        assert.ok(await noOverflow(page), `${name} (${lang}) scrolls sideways at ${width}`);
      }
      const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, button, a')]
        .filter((node) => !node.closest('[hidden]'))
        .filter((node) => !(node.labels && node.labels.length) && !node.getAttribute('aria-label') &&
          !node.textContent.trim())
        .map((node) => node.outerHTML));
      assert.deepStrictEqual(unlabelled, [], `${name} (${lang}): controls without a label`);
      if (lang === 'zh-CN') {
        const shown = await page.evaluate(() => document.body.innerText);
        const left = english.filter((text) => shown.includes(text));
        assert.deepStrictEqual(left, [], `${name}: English left on the zh-CN page`);
      }
    }
    assert.deepStrictEqual(page.cspViolations, []);
    await context.close();
  }
});

// Tab to a control (at most 40 presses), and check it shows where the focus is.
async function tabTo(page, selector) {
  for (let press = 0; press < 40; press++) {
    await page.keyboard.press('Tab');
    const found = await page.evaluate((wanted) => {
      const node = document.activeElement;
      if (!node || !node.matches(wanted)) return null;
      return getComputedStyle(node).outlineStyle;
    }, selector);
    if (found !== null) {
      assert.notStrictEqual(found, 'none', `${selector} shows no focus outline`);
      return;
    }
  }
  assert.fail(`${selector} is not reachable with Tab`);
}

test('keyboard only: log in, every page, change the profile, log out', async () => {
  const { context, page } = await newPage();
  await page.goto(PORTAL + '/');
  await page.waitForSelector('body[data-ready="login"]');
  await tabTo(page, '#login-id');
  await page.keyboard.type(CARD4);
  await tabTo(page, '#login-pin');
  await page.keyboard.type(PIN4);
  await page.keyboard.press('Enter');
  await page.waitForSelector('body[data-ready="dashboard"]');
  for (const name of ['history', 'coupons', 'gifts', 'convert', 'lost', 'profile']) {
    await tabTo(page, '#nav-' + name);
    await page.keyboard.press('Enter');
    await page.waitForSelector(`body[data-ready="${name}"]`);
    assert.strictEqual(await page.evaluate(() => document.activeElement.id), 'main',
      'the focus moves to the new page');
  }
  const sms = await page.isChecked('#sms');
  await tabTo(page, '#sms');
  await page.keyboard.press('Space');
  await tabTo(page, '#profile-form button[type="submit"]');
  await page.keyboard.press('Enter');
  await page.locator('#status', { hasText: MESSAGES.en['prof.saved'] }).waitFor();
  const profile = await page.evaluate(async () => (await fetch('/v1/member/profile')).json());
  assert.strictEqual(profile.consents.sms, !sms);
  await tabTo(page, '#nav-dashboard');
  await page.keyboard.press('Enter');
  await page.waitForSelector('body[data-ready="dashboard"]');
  await tabTo(page, '#logout');
  await page.keyboard.press('Enter');
  await page.waitForSelector('body[data-ready="login"]');
  await context.close();
});

test('report the card lost (keyboard): refused at the till at once', async () => {
  const { context, page } = await newPage();
  await login(page, CARD5, PIN5);
  await page.waitForSelector('body[data-ready="dashboard"]');
  await page.click('#nav-lost');
  await page.waitForSelector('body[data-ready="lost"]');
  page.once('dialog', (dialog) => dialog.accept());
  await tabTo(page, `button[data-card="${CARD5}"]`);
  await page.keyboard.press('Enter');
  // The session was opened with that card: it ends, and the login form says so.
  await page.waitForSelector('body[data-ready="login"]');
  assert.strictEqual(await page.textContent('#login-error'), MESSAGES.en['err.session']);
  const till = require('node:child_process').spawnSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}',
    '--cacert', process.env.CA, '--cert', process.env.TILL_CERT, '--key', process.env.TILL_KEY,
    `${process.env.BASE}/v1/till/cards/${CARD5}`], { encoding: 'utf8' });
  assert.strictEqual(till.stdout, '423');
  await context.close();
});
