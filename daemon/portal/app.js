// The member portal's script: plain JavaScript, no framework, no inline script (CSP script-src
// 'self'). It enhances the page the daemon rendered (api/portal_page.c, docs/portal.md):
// - "/" is the login form or, with a session, the dashboard with the member's figures already in
//   it; this script adds the form's submission, the logout button and the pages below;
// - the other pages are hash routes (#/history ...): an entry of PAGES (title, render) fills
//   <main> from the member API. Coupons, gifts and "points to voucher" call
//   /v1/member/coupons, /v1/member/vouchers, /v1/member/gifts and /v1/member/gift-redemptions
//   through api(); each coupon is shown as a QR code the daemon renders
//   (GET /v1/member/coupons/{campaign}/{serial}/qr, SVG).
// The language is the page's (<html lang>, chosen by the daemon); the switch is a plain link
// (/?lang=...) the daemon answers, so it works before this script arrives.
'use strict';

const T = /*{{messages}}*/{};

const state = {
  lang: document.documentElement.lang === 'zh-CN' ? 'zh-CN' : 'en',
  currency: document.body.dataset.currency || 'CNY',
  minorUnit: Number(document.body.dataset.minorUnit || 2),
  csrf: '',
  dashboard: null, // the dashboard's nodes as the daemon rendered them, to show again
};

function t(key, vars) {
  let text = (T[state.lang] && T[state.lang][key]) || T.en[key] || key;
  for (const name in vars || {}) text = text.replace('{' + name + '}', vars[name]);
  return text;
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const name in attrs || {}) {
    if (name === 'text') node.textContent = attrs[name];
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), attrs[name]);
    else if (attrs[name] !== false && attrs[name] !== undefined) node.setAttribute(name, attrs[name] === true ? '' : attrs[name]);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

const byId = (id) => document.getElementById(id);
const main = () => byId('main');

// ---- Formats: the daemon's (api/portal_locale.c), so both write a figure alike -------------

function number(value) {
  const digits = String(Math.abs(value)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (value < 0 ? '-' : '') + digits;
}

// English "CNY 1,234.50", zh-CN "¥1,234.50" (another currency: its code and a space).
function money(amountMinor) {
  const scale = Math.pow(10, state.minorUnit);
  const magnitude = Math.abs(amountMinor);
  let text = number(Math.floor(magnitude / scale));
  if (state.minorUnit > 0) text += '.' + String(magnitude % scale).padStart(state.minorUnit, '0');
  const yuan = state.lang === 'zh-CN' && state.currency === 'CNY';
  return (amountMinor < 0 ? '-' : '') + (yuan ? '¥' : state.currency + ' ') + text;
}

// The UTC day: English "2026-03-07", zh-CN "2026年3月7日".
function date(ms) {
  const day = new Date(ms);
  const year = day.getUTCFullYear(), month = day.getUTCMonth() + 1, dayOfMonth = day.getUTCDate();
  if (state.lang === 'zh-CN') return `${year}年${month}月${dayOfMonth}日`;
  return `${year}-${String(month).padStart(2, '0')}-${String(dayOfMonth).padStart(2, '0')}`;
}

function status(text, isError) {
  const node = byId('status');
  node.textContent = text || '';
  node.className = isError ? 'error' : '';
}

// A refusal in the member's words: the daemon's messages are for developers, in English.
function errorText(error) {
  const field = (error.field || '').replace(/^\//, '');
  const known = {
    invalid_card_no: 'err.card_no', pin_incorrect: 'err.pin_incorrect',
    too_many_requests: 'err.too_many', network: 'err.network',
  };
  if (known[error.code]) return t(known[error.code]);
  if (error.code === 'invalid_field' && field === 'phone') return t('err.phone');
  if (error.code === 'invalid_field' && field === 'email') return t('err.email');
  if (error.code === 'invalid_field' && /^pin/.test(field)) return t('err.pin_syntax');
  return t('err.generic');
}

// Every call of the member API. A change carries the CSRF token and a fresh Idempotency-Key.
// An ended session sends the member to "/", where the daemon shows the login form and says why.
async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && path !== '/v1/member/login') {
    headers['X-CSRF-Token'] = state.csrf;
    headers['Idempotency-Key'] = crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random();
  }
  let response;
  try {
    response = await fetch(path, { method, headers, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (failure) {
    const error = new Error(t('err.network'));
    error.code = 'network';
    throw error;
  }
  const data = await response.json().catch(() => ({}));
  if (response.status === 401 && path !== '/v1/member/login') {
    location.replace('/');
    throw new Error('session');
  }
  if (!response.ok) {
    const error = new Error(t('err.generic'));
    error.status = response.status;
    error.code = data.error && data.error.code;
    error.field = data.error && data.error.field;
    error.retryAfter = Number(response.headers.get('Retry-After') || 0);
    error.message = errorText(error);
    throw error;
  }
  return data;
}

function failed(error) {
  if (error.message !== 'session') status(error.message, true);
}

// ---- Pages ------------------------------------------------------------------------------------

const PAGES = {
  dashboard: { title: 'nav.dashboard', render: renderDashboard },
  history: { title: 'nav.history', render: renderHistory },
  coupons: { title: 'nav.coupons', render: renderCoupons },
  gifts: { title: 'nav.gifts', render: renderGifts },
  convert: { title: 'nav.convert', render: renderConvert },
  lost: { title: 'nav.lost', render: renderLost },
  profile: { title: 'nav.profile', render: renderProfile },
};

function page(title, ...children) {
  main().replaceChildren(el('h1', { text: title }), ...children);
  document.title = title + ' · ' + t('brand');
}

function currentPage() {
  const match = location.hash.match(/^#\/([a-z-]+)$/);
  return match && PAGES[match[1]] ? match[1] : 'dashboard';
}

async function route(event) {
  const name = currentPage();
  for (const link of byId('nav').querySelectorAll('a')) {
    if (link.id === 'nav-' + name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const lang = byId('lang');
  lang.href = '/?lang=' + lang.getAttribute('hreflang') + (name === 'dashboard' ? '' : '#/' + name);
  document.body.dataset.ready = '';
  status('');
  try {
    await PAGES[name].render();
    document.body.dataset.ready = name;
    if (event) main().focus(); // a page changed in place: take keyboard and reader focus along
  } catch (error) { failed(error); }
}

// The dashboard is the daemon's: shown again as it came (a full load of "/" refreshes it).
async function renderDashboard() {
  if (!state.dashboard) { location.replace('/'); throw new Error('session'); }
  if (main().firstChild !== state.dashboard[0]) main().replaceChildren(...state.dashboard);
  document.title = t('nav.dashboard') + ' · ' + t('brand');
}

// The balance chart: an SVG step line drawn here, no chart library. Drawn at the width it is
// shown at, so its labels keep their size on a phone.
function chart(history, boxWidth) {
  const width = Math.max(240, Math.floor(boxWidth));
  const height = 200, left = 8, right = 8, top = 22, bottom = 24;
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  const add = (tag, attrs, label) => {
    const node = document.createElementNS(ns, tag);
    for (const name in attrs) node.setAttribute(name, attrs[name]);
    if (label !== undefined) node.textContent = label;
    svg.append(node);
    return node;
  };
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('class', 'chart');
  svg.setAttribute('id', 'balance-chart');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', t('hist.chart') + ': ' + number(history.balance_end));
  const points = [{ at_ms: history.from_ms, balance: history.balance_start }, ...history.points,
    { at_ms: history.to_ms, balance: history.balance_end }];
  const values = points.map((p) => p.balance);
  const low = Math.min(0, ...values), high = Math.max(1, ...values);
  const x = (ms) => left + (ms - history.from_ms) / (history.to_ms - history.from_ms) * (width - left - right);
  const y = (value) => top + (high - value) / (high - low) * (height - top - bottom);
  let path = '';
  points.forEach((p, index) => {
    path += index === 0 ? `M${x(p.at_ms).toFixed(1)},${y(p.balance).toFixed(1)}`
      : `H${x(p.at_ms).toFixed(1)}V${y(p.balance).toFixed(1)}`;
  });
  add('path', { class: 'area', d: `${path}V${y(low)}H${x(history.from_ms)}Z` });
  add('path', { class: 'line', d: path });
  add('line', { class: 'axis', x1: left, x2: width - right, y1: y(low), y2: y(low) });
  add('text', { x: left, y: 14 }, number(high));
  add('text', { x: left, y: height - 6 }, date(history.from_ms));
  add('text', { x: width - right, y: height - 6, 'text-anchor': 'end' }, date(history.to_ms - 86400000));
  return svg;
}

// A journal entry's reference: a receipt number, an operator's reason, or how a top-up was paid
// (a tender's name, which the member reads in their language).
function reference(text) {
  return T[state.lang]['ref.' + text] || text;
}

// Draw the chart again when its box changes width (a phone turned, a window resized).
function chartFit(box, history) {
  let drawn = 0;
  const draw = () => {
    if (Math.abs(box.clientWidth - drawn) < 24) return;
    drawn = box.clientWidth;
    box.replaceChildren(chart(history, drawn));
  };
  new ResizeObserver(draw).observe(box);
  draw();
}

async function renderHistory() {
  const history = await api('GET', '/v1/member/balance-history');
  const kinds = ['sale', 'return', 'void', 'adjust', 'bonus', 'expire', 'topup', 'voucher', 'gift',
    'gift_cancel'];
  const select = el('select', { id: 'kind' }, el('option', { value: '', text: t('hist.all') }),
    ...kinds.map((kind) => el('option', { value: kind, text: t('kind.' + kind) })));
  const body = el('tbody');
  const more = el('button', { type: 'button', class: 'primary', hidden: true, text: t('hist.more') });
  let before = null;
  const load = async (reset) => {
    if (reset) { body.replaceChildren(); before = null; }
    const query = new URLSearchParams({ limit: '20' });
    if (select.value) query.set('kind', select.value);
    if (before) query.set('before', before);
    const pageData = await api('GET', '/v1/member/journal?' + query);
    for (const entry of pageData.entries) {
      const sign = entry.points > 0 ? 'plus' : entry.points < 0 ? 'minus' : '';
      body.append(el('tr', {},
        el('td', { text: date(entry.created_ms) }),
        el('td', {}, el('span', { text: t('kind.' + entry.kind) }),
          entry.reference ? el('small', { class: 'muted', text: reference(entry.reference) }) : null),
        el('td', { class: 'num ' + sign, text: entry.points ? (entry.points > 0 ? '+' : '') + number(entry.points) : '' }),
        el('td', { class: 'num', text: entry.prepaid_cents ? money(entry.prepaid_cents) : '' })));
    }
    if (!body.firstChild) body.append(el('tr', {}, el('td', { colspan: '4', class: 'muted', text: t('hist.empty') })));
    before = pageData.next_before;
    more.hidden = !before;
  };
  select.addEventListener('change', () => load(true).catch(failed));
  more.addEventListener('click', () => load(false).catch(failed));
  const graph = history.balance_end === 0 && history.points.length === 0
    ? el('p', { class: 'muted', text: t('hist.chart_empty') }) : el('div', { class: 'chart-box' });
  page(t('hist.title'), el('h2', { text: t('hist.chart') }), graph,
    el('label', { for: 'kind', text: t('hist.kind') }), select,
    el('table', { id: 'journal' }, el('thead', {}, el('tr', {},
      el('th', { scope: 'col', text: t('hist.date') }), el('th', { scope: 'col', text: t('hist.what') }),
      el('th', { scope: 'col', class: 'num', text: t('hist.points') }),
      el('th', { scope: 'col', class: 'num', text: t('hist.prepaid') }))), body), more);
  if (graph.className === 'chart-box') chartFit(graph, history);
  await load(true);
}

async function renderLost() {
  const me = await api('GET', '/v1/member/me');
  state.csrf = me.csrf_token;
  const list = el('ul', { id: 'cards', class: 'cards' });
  for (const card of me.cards) {
    const item = el('li', { class: 'card' }, el('strong', { text: card.card_no }), ' ',
      el('span', { class: 'muted', text: t('card.' + card.card_status) }));
    if (card.card_status === 'active') {
      const current = me.session && me.session.card_no === card.card_no;
      if (current) item.append(el('p', { class: 'muted', text: t('lost.this_session') }));
      item.append(el('button', { type: 'button', class: 'danger', 'data-card': card.card_no,
        'aria-label': t('lost.button_label', { card: card.card_no }), text: t('lost.button'),
        onclick: async () => {
          if (!window.confirm(t('lost.confirm', { card: card.card_no }))) return;
          try {
            await api('POST', '/v1/member/cards/lost', { card_no: card.card_no });
            if (current) { location.replace('/'); return; } // that session has ended
            await renderLost();
            status(t('lost.done', { card: card.card_no }));
          } catch (error) { failed(error); }
        } }));
    }
    list.append(item);
  }
  page(t('lost.title'), el('p', { text: t('lost.intro') }), el('h2', { text: t('lost.cards') }), list);
}

async function renderProfile() {
  const profile = await api('GET', '/v1/member/profile');
  const field = (id, key, value, attrs) => [el('label', { for: id, text: t(key) }),
    el('input', { id, name: id, value: value || '', ...attrs })];
  const consent = (id, key, checked) => el('label', { class: 'check', for: id },
    el('input', { id, type: 'checkbox', checked }), t(key));
  const form = el('form', { class: 'card', id: 'profile-form' },
    el('h2', { text: t('prof.contact') }),
    ...field('phone', 'prof.phone', profile.phone, { type: 'tel', autocomplete: 'tel' }),
    ...field('email', 'prof.email', profile.email, { type: 'email', autocomplete: 'email' }),
    el('fieldset', {}, el('legend', { text: t('prof.consents') }),
      consent('sms', 'prof.sms', profile.consents.sms), consent('mail', 'prof.mail', profile.consents.email),
      consent('push', 'prof.push', profile.consents.push)),
    el('button', { class: 'primary', type: 'submit', text: t('prof.save') }));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await api('PATCH', '/v1/member/profile', { phone: form.phone.value, email: form.email.value,
        consents: { sms: form.sms.checked, email: form.mail.checked, push: form.push.checked } });
      status(t('prof.saved'));
    } catch (error) { failed(error); }
  });
  const secret = { type: 'password', inputmode: 'numeric', minlength: '4', maxlength: '8', required: true };
  const pin = el('form', { class: 'card', id: 'pin-form' }, el('h2', { text: t('pin.title') }),
    ...field('pin-current', 'pin.current', '', { ...secret, autocomplete: 'current-password' }),
    ...field('pin-new', 'pin.new', '', { ...secret, autocomplete: 'new-password' }),
    el('button', { class: 'primary', type: 'submit', text: t('pin.save') }));
  pin.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await api('POST', '/v1/member/pin', { pin: pin['pin-current'].value, pin_new: pin['pin-new'].value });
      pin.reset();
      status(t('pin.done'));
    } catch (error) { failed(error); }
  });
  page(t('prof.title'), el('p', { class: 'muted', text: profile.name }), form, pin);
}

// ---- Coupons, vouchers, gifts -------------------------------------------------------------------

function couponTerms(coupon) {
  const worth = coupon.kind === 'amount_off' ? t('cp.off', { amount: money(coupon.amount_off_cents) })
    : coupon.kind === 'percent_off' ? t('cp.percent', { percent: coupon.percent_off })
    : t('cp.free', { sku: coupon.free_sku });
  const parts = [worth];
  if (coupon.min_spend_cents > 0) parts.push(t('cp.min', { amount: money(coupon.min_spend_cents) }));
  if (coupon.expires_at) parts.push(t('cp.until', { date: date(Date.parse(coupon.expires_at)) }));
  return parts.join(' · ');
}

function couponList(id, coupons, withCode) {
  if (coupons.length === 0) return el('p', { id, class: 'muted', text: t('cp.none') });
  return el('ul', { id, class: 'coupons' }, ...coupons.map((coupon) => el('li', { class: 'card coupon' },
    el('strong', { text: coupon.name }), el('p', { text: couponTerms(coupon) }),
    withCode ? el('img', { class: 'qr', alt: t('cp.show'), width: 160, height: 160,
      src: '/v1/member/coupons/' + coupon.campaign_id + '/' + coupon.serial + '/qr' }) : null,
    withCode ? el('code', { class: 'code', text: coupon.code }) : null)));
}

async function renderCoupons() {
  const wallet = await api('GET', '/v1/member/coupons');
  page(t('cp.title'), el('h2', { text: t('cp.valid') }), couponList('coupons-valid', wallet.valid, true),
    el('h2', { text: t('cp.used') }), couponList('coupons-used', wallet.used, false),
    el('h2', { text: t('cp.expired') }), couponList('coupons-expired', wallet.expired, false));
}

async function renderConvert() {
  const wallet = await api('GET', '/v1/member/coupons');
  const list = el('ul', { id: 'offers' }, ...wallet.offers.map((offer) => el('li', { class: 'card' },
    el('strong', { text: offer.name }), ' ',
    el('button', { type: 'button', class: 'primary', 'data-offer': offer.offer_id,
      text: t('cv.button', { points: number(offer.points_price) }), onclick: async () => {
        try {
          await api('POST', '/v1/member/vouchers', { offer_id: offer.offer_id });
          status(t('cv.done'));
          state.dashboard = null; // the points changed: "/" renders them afresh
          location.hash = '#/coupons';
        } catch (error) { failed(error); }
      } }))));
  page(t('cv.title'), el('p', { text: t('cv.intro') }), list);
}

function giftPrice(gift) {
  return gift.cash_cents > 0 ? t('gf.cash', { points: number(gift.points_price), amount: money(gift.cash_cents) })
    : t('gf.price', { points: number(gift.points_price) });
}

function redemptionState(redemption) {
  if (redemption.status === 'reserved') return t('gf.reserved', { date: date(Date.parse(redemption.reserved_until)) });
  if (redemption.status === 'cancelled') return t('gf.status_cancelled');
  return t('gf.' + redemption.status);
}

async function renderGifts() {
  const data = await api('GET', '/v1/member/gifts');
  const names = {};
  for (const gift of data.gifts) names[gift.gift_id] = gift.name;
  const act = (method, path, body, done) => async () => {
    try {
      await api(method, path, body);
      state.dashboard = null; // the points changed: "/" renders them afresh
      await route();
      status(t(done));
    } catch (error) { failed(error); }
  };
  const catalogue = el('ul', { id: 'gifts' }, ...data.gifts.map((gift) => el('li', { class: 'card' },
    el('strong', { text: gift.name }), el('p', { text: giftPrice(gift) + ' · ' + t('gf.stock', { count: number(gift.available) }) }),
    gift.stock_mode === 'central' ? el('button', { type: 'button', class: 'primary', 'data-gift': gift.gift_id,
      text: t('gf.redeem'), onclick: act('POST', '/v1/member/gift-redemptions', { gift_id: gift.gift_id }, 'gf.done') }) : null)));
  const mine = el('ul', { id: 'redemptions' }, ...data.redemptions.map((redemption) => el('li', {},
    el('span', { text: (names[redemption.gift_id] || '#' + redemption.gift_id) + ' · ' + redemptionState(redemption) + ' ' }),
    redemption.status === 'reserved' ? el('button', { type: 'button', class: 'danger', 'data-redemption': redemption.redemption_id,
      text: t('gf.cancel'), onclick: act('POST', '/v1/member/gift-redemptions/' + redemption.redemption_id + '/cancel', undefined, 'gf.cancelled') }) : null)));
  page(t('gf.title'), catalogue, el('h2', { text: t('gf.mine') }), mine);
}

// ---- Login: the daemon's form, submitted here -------------------------------------------------

function lockedText(seconds) {
  const until = new Date(Date.now() + seconds * 1000);
  const time = String(until.getHours()).padStart(2, '0') + ':' + String(until.getMinutes()).padStart(2, '0');
  return t('login.locked', { minutes: Math.max(1, Math.ceil(seconds / 60)), time });
}

function enhanceLogin() {
  const form = byId('login-form'), by = byId('login-by'), id = byId('login-id');
  const pin = byId('login-pin'), error = byId('login-error'), submit = byId('login-submit');
  const byChanged = () => {
    const phone = by.value === 'phone';
    byId('login-id-label').textContent = t(phone ? 'login.phone' : 'login.card');
    id.setAttribute('inputmode', phone ? 'tel' : 'numeric');
  };
  by.addEventListener('change', byChanged);
  byChanged();
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    submit.disabled = true;
    try {
      const body = { pin: pin.value };
      body[by.value] = id.value.replace(/[\s-]+/g, '');
      await api('POST', '/v1/member/login', body);
      pin.value = '';
      location.replace('/'); // the daemon renders the dashboard: one request
    } catch (failure) {
      if (failure.status === 401) error.textContent = t('login.failed');
      else if (failure.status === 429) error.textContent = lockedText(failure.retryAfter || 60);
      else error.textContent = failure.message;
      submit.disabled = false;
      document.body.dataset.ready = 'login';
    }
  });
  submit.disabled = false;
  document.body.dataset.ready = 'login';
}

document.addEventListener('DOMContentLoaded', () => {
  if (document.body.dataset.page === 'login') {
    enhanceLogin();
    return;
  }
  const csrf = document.querySelector('meta[name="csrf-token"]');
  state.csrf = csrf ? csrf.content : '';
  state.dashboard = [...main().childNodes];
  const logout = byId('logout');
  logout.hidden = false;
  logout.addEventListener('click', async () => {
    try { await api('POST', '/v1/member/logout'); } catch (error) { /* ended already */ }
    location.replace('/');
  });
  window.addEventListener('hashchange', route);
  route();
});
