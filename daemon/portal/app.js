// The member portal: plain JavaScript, no framework, no inline script (CSP script-src 'self').
// One page shell (index.html) and hash routes (#/dashboard ...). A page is an entry of PAGES:
// its title key, whether it shows in the navigation, and a render function that fills <main>.
// Coupons, gifts and "convert points" (issue 13) replace their placeholder render functions and
// call their /v1/member/<resource> routes through api() like the others.
'use strict';

const T = {
  en: {
    brand: 'Loyalty', loading: 'Loading…', logout: 'Log out', lang: '中文',
    'login.title': 'Member login', 'login.card': 'Card number', 'login.phone': 'Phone (+86…)',
    'login.by': 'Log in with', 'login.by_card': 'card number', 'login.by_phone': 'phone',
    'login.pin': 'PIN', 'login.submit': 'Log in', 'login.failed': 'Card number or phone, or PIN, is wrong.',
    'nav.dashboard': 'Points', 'nav.history': 'History', 'nav.coupons': 'Coupons', 'nav.gifts': 'Gifts',
    'nav.convert': 'Convert points', 'nav.lost': 'Lost card', 'nav.profile': 'Profile',
    'dash.hello': 'Hello, {name}', 'dash.points': 'Points', 'dash.prepaid': 'Prepaid balance',
    'dash.tier': 'Tier', 'dash.next': '{needed} more to {tier}', 'dash.top': 'Top tier reached',
    'dash.expiring': 'Points expiring', 'dash.none_expiring': 'No points expire soon.',
    'dash.earned': 'Earned', 'dash.redeemed': 'Redeemed', 'dash.expired': 'Expired',
    'dash.bonus': 'Bonus', 'dash.pending': 'Pending', 'dash.purchases': 'Purchases',
    'dash.spent': 'Spent', 'hist.title': 'History', 'hist.chart': 'Points balance over the last year',
    'hist.kind': 'Kind', 'hist.all': 'All', 'hist.date': 'Date', 'hist.points': 'Points',
    'hist.prepaid': 'Prepaid', 'hist.ref': 'Reference', 'hist.more': 'More', 'hist.empty': 'Nothing yet.',
    'kind.sale': 'Purchase', 'kind.return': 'Return', 'kind.void': 'Void', 'kind.adjust': 'Adjustment',
    'kind.bonus': 'Bonus', 'kind.expire': 'Expiry', 'kind.topup': 'Top-up', 'kind.close': 'Close',
    'lost.title': 'Report a lost card', 'lost.intro': 'A card reported lost is refused at every till at once. Your points and balance stay yours.',
    'lost.button': 'Report {card} lost', 'lost.done': 'Card {card} is reported lost.',
    'lost.confirm': 'Report card {card} lost? It cannot be used again.',
    'card.active': 'active', 'card.lost': 'lost', 'card.replaced': 'replaced', 'card.expired': 'expired',
    'card.closed': 'closed', 'card.unassigned': 'not activated',
    'prof.title': 'Profile', 'prof.phone': 'Phone', 'prof.email': 'Email', 'prof.consents': 'Marketing',
    'prof.sms': 'SMS offers', 'prof.mail': 'Email offers', 'prof.push': 'App notifications',
    'prof.save': 'Save', 'prof.saved': 'Saved.', 'pin.title': 'Change PIN', 'pin.current': 'Current PIN',
    'pin.new': 'New PIN (4 to 8 digits)', 'pin.save': 'Change PIN', 'pin.done': 'PIN changed.',
    'soon.title': 'Coming soon', 'soon.text': 'This part of the programme opens soon.',
    'err.generic': 'Something went wrong. Try again.', 'err.session': 'Your session has ended. Log in again.',
  },
  'zh-CN': {
    brand: '会员中心', loading: '加载中…', logout: '退出', lang: 'English',
    'login.title': '会员登录', 'login.card': '会员卡号', 'login.phone': '手机号 (+86…)',
    'login.by': '登录方式', 'login.by_card': '会员卡号', 'login.by_phone': '手机号',
    'login.pin': '密码', 'login.submit': '登录', 'login.failed': '卡号或手机号、或密码不正确。',
    'nav.dashboard': '积分', 'nav.history': '明细', 'nav.coupons': '优惠券', 'nav.gifts': '礼品',
    'nav.convert': '积分兑换', 'nav.lost': '挂失', 'nav.profile': '个人资料',
    'dash.hello': '{name}，您好', 'dash.points': '积分', 'dash.prepaid': '储值余额',
    'dash.tier': '会员等级', 'dash.next': '再累积 {needed} 升级为 {tier}', 'dash.top': '已是最高等级',
    'dash.expiring': '即将过期的积分', 'dash.none_expiring': '近期没有积分过期。',
    'dash.earned': '累积积分', 'dash.redeemed': '已兑换', 'dash.expired': '已过期',
    'dash.bonus': '赠送积分', 'dash.pending': '冻结积分', 'dash.purchases': '消费次数',
    'dash.spent': '消费金额', 'hist.title': '积分明细', 'hist.chart': '近一年积分余额',
    'hist.kind': '类型', 'hist.all': '全部', 'hist.date': '日期', 'hist.points': '积分',
    'hist.prepaid': '储值', 'hist.ref': '单号/原因', 'hist.more': '更多', 'hist.empty': '暂无记录。',
    'kind.sale': '消费', 'kind.return': '退货', 'kind.void': '撤销', 'kind.adjust': '调整',
    'kind.bonus': '赠送积分', 'kind.expire': '积分过期', 'kind.topup': '充值', 'kind.close': '销户',
    'lost.title': '会员卡挂失', 'lost.intro': '挂失后该卡在所有门店立即停用，积分和储值余额不受影响。',
    'lost.button': '挂失 {card}', 'lost.done': '会员卡 {card} 已挂失。',
    'lost.confirm': '确定挂失会员卡 {card}？挂失后无法再使用。',
    'card.active': '正常', 'card.lost': '已挂失', 'card.replaced': '已补卡', 'card.expired': '过期',
    'card.closed': '已销户', 'card.unassigned': '未激活',
    'prof.title': '个人资料', 'prof.phone': '手机号', 'prof.email': '电子邮箱', 'prof.consents': '营销信息',
    'prof.sms': '短信优惠', 'prof.mail': '邮件优惠', 'prof.push': '应用通知',
    'prof.save': '保存', 'prof.saved': '已保存。', 'pin.title': '修改密码', 'pin.current': '当前密码',
    'pin.new': '新密码（4 到 8 位数字）', 'pin.save': '修改密码', 'pin.done': '密码已修改。',
    'soon.title': '即将推出', 'soon.text': '该功能即将开放。',
    'err.generic': '出错了，请重试。', 'err.session': '登录已过期，请重新登录。',
  },
};

// me: the last GET /v1/member/me; meFresh: fetched by route() for the page about to render, so
// the dashboard does not ask twice (one round trip less on a slow link).
const state = { lang: 'en', csrf: sessionStorage.getItem('csrf') || '', me: null, meFresh: false };

function pickLang() {
  const saved = localStorage.getItem('lang');
  if (saved && T[saved]) return saved;
  const wanted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'en'];
  for (const tag of wanted) {
    if (/^zh/i.test(tag)) return 'zh-CN';
    if (/^en/i.test(tag)) return 'en';
  }
  return 'en';
}

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

function money(cents) {
  const me = state.me || { currency: 'CNY', minor_unit: 2 };
  return new Intl.NumberFormat(state.lang, { style: 'currency', currency: me.currency })
    .format(cents / Math.pow(10, me.minor_unit));
}
const number = (value) => new Intl.NumberFormat(state.lang).format(value);
const date = (ms) => new Intl.DateTimeFormat(state.lang, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(ms));

function status(text, isError) {
  const node = document.getElementById('status');
  node.textContent = text || '';
  node.className = isError ? 'error' : '';
}

// Every call of the member API. A change carries the CSRF token and a fresh Idempotency-Key.
async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && path !== '/v1/member/login') {
    headers['X-CSRF-Token'] = state.csrf;
    headers['Idempotency-Key'] = crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random();
  }
  const response = await fetch(path, { method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await response.json().catch(() => ({}));
  if (response.status === 401 && path !== '/v1/member/login') {
    state.me = null;
    showLogin(t('err.session'));
    throw new Error('session');
  }
  if (!response.ok) {
    const error = new Error((data.error && data.error.message) || t('err.generic'));
    error.status = response.status;
    error.code = data.error && data.error.code;
    throw error;
  }
  return data;
}

// ---- Pages ------------------------------------------------------------------------------------

const PAGES = {
  dashboard: { title: 'nav.dashboard', nav: true, render: renderDashboard },
  history: { title: 'nav.history', nav: true, render: renderHistory },
  coupons: { title: 'nav.coupons', nav: true, render: renderSoon },
  gifts: { title: 'nav.gifts', nav: true, render: renderSoon },
  convert: { title: 'nav.convert', nav: true, render: renderSoon },
  lost: { title: 'nav.lost', nav: true, render: renderLost },
  profile: { title: 'nav.profile', nav: true, render: renderProfile },
};

function main() { return document.getElementById('main'); }

function page(title, ...children) {
  const node = main();
  node.replaceChildren(el('h1', { text: title }), ...children);
  document.title = title + ' · ' + t('brand');
}

function renderNav(current) {
  const nav = document.getElementById('nav');
  nav.replaceChildren(...Object.keys(PAGES).filter((name) => PAGES[name].nav).map((name) =>
    el('a', { href: '#/' + name, id: 'nav-' + name, 'aria-current': name === current ? 'page' : false,
      text: t(PAGES[name].title) })));
  nav.hidden = false;
  document.getElementById('logout').hidden = false;
}

async function route() {
  const name = (location.hash.match(/^#\/([a-z-]+)/) || [])[1] || 'dashboard';
  const target = PAGES[name] ? name : 'dashboard';
  if (!state.me) {
    try { state.me = await api('GET', '/v1/member/me'); } catch (error) { return; }
    state.meFresh = true;
    state.csrf = state.me.csrf_token;
    sessionStorage.setItem('csrf', state.csrf);
  }
  renderNav(target);
  document.body.dataset.ready = '';
  if (target !== 'dashboard' && target !== 'lost') state.meFresh = false;
  try {
    await PAGES[target].render();
    document.body.dataset.ready = target;
  } catch (error) {
    if (error.message !== 'session') status(error.message, true);
  }
}

function figure(id, label, value) {
  return el('div', { class: 'figure' }, el('span', { text: label }), el('strong', { id, text: value }));
}

async function freshMe() {
  if (!state.meFresh) state.me = await api('GET', '/v1/member/me');
  state.meFresh = false;
  return state.me;
}

async function renderDashboard() {
  const me = await freshMe();
  const tier = el('div', { class: 'card' }, el('span', { class: 'muted', text: t('dash.tier') }),
    el('h2', { id: 'tier', text: me.tier }));
  if (me.tier_next) {
    const done = me.tier_qualifying / (me.tier_qualifying + me.tier_next_needed);
    const bar = el('div', { class: 'progress', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100',
      'aria-valuenow': String(Math.round(done * 100)) }, el('div'));
    bar.firstChild.style.width = Math.round(done * 100) + '%';
    const needed = me.tier_basis === 'spend' ? money(me.tier_next_needed) : number(me.tier_next_needed);
    tier.append(bar, el('p', { id: 'tier-next', class: 'muted', text: t('dash.next', { needed, tier: me.tier_next }) }));
  } else {
    tier.append(el('p', { class: 'muted', text: t('dash.top') }));
  }
  const expiring = el('div', { class: 'card' }, el('h2', { text: t('dash.expiring') }));
  if (me.points_expiring.length === 0) expiring.append(el('p', { class: 'muted', text: t('dash.none_expiring') }));
  else expiring.append(el('ul', { id: 'expiring' }, ...me.points_expiring.map((item) =>
    el('li', { text: date(item.expires_ms) + ': ' + number(item.points) }))));
  page(t('dash.hello', { name: me.name }),
    el('div', { class: 'figures' }, figure('points', t('dash.points'), number(me.points)),
      figure('prepaid', t('dash.prepaid'), money(me.prepaid_cents))),
    el('h2', { text: '' }), tier, expiring,
    el('div', { class: 'figures' },
      figure('earned', t('dash.earned'), number(me.points_earned)),
      figure('redeemed', t('dash.redeemed'), number(me.points_redeemed)),
      figure('expired', t('dash.expired'), number(me.points_expired)),
      figure('bonus', t('dash.bonus'), number(me.points_bonus)),
      figure('pending', t('dash.pending'), number(me.points_pending)),
      figure('purchases', t('dash.purchases'), number(me.purchases_count)),
      figure('spent', t('dash.spent'), money(me.purchases_cents))));
}

// The balance chart: an SVG step line drawn here, no chart library.
function chart(history) {
  const width = 640, height = 220, left = 48, right = 12, top = 12, bottom = 28;
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  const add = (parent, tag, attrs) => {
    const node = document.createElementNS(ns, tag);
    for (const name in attrs) node.setAttribute(name, attrs[name]);
    parent.append(node);
    return node;
  };
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('class', 'chart');
  svg.setAttribute('id', 'balance-chart');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', t('hist.chart'));
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
  add(svg, 'path', { class: 'area', d: `${path}V${y(low)}H${x(history.from_ms)}Z` });
  add(svg, 'path', { class: 'line', d: path });
  add(svg, 'line', { class: 'axis', x1: left, x2: width - right, y1: y(low), y2: y(low) });
  add(svg, 'text', { x: 4, y: top + 10 }).textContent = number(high);
  add(svg, 'text', { x: 4, y: y(low) }).textContent = number(low);
  add(svg, 'text', { x: left, y: height - 8 }).textContent = date(history.from_ms);
  add(svg, 'text', { x: width - right - 90, y: height - 8 }).textContent = date(history.to_ms - 86400000);
  return svg;
}

async function renderHistory() {
  const history = await api('GET', '/v1/member/balance-history');
  const kinds = ['sale', 'return', 'void', 'adjust', 'bonus', 'expire', 'topup'];
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
      body.append(el('tr', {},
        el('td', { text: date(entry.created_ms) }), el('td', { text: t('kind.' + entry.kind) }),
        el('td', { class: 'num ' + (entry.points > 0 ? 'plus' : entry.points < 0 ? 'minus' : ''), text: entry.points ? number(entry.points) : '' }),
        el('td', { class: 'num', text: entry.prepaid_cents ? money(entry.prepaid_cents) : '' }),
        el('td', { text: entry.reference })));
    }
    if (!body.firstChild) body.append(el('tr', {}, el('td', { colspan: '5', class: 'muted', text: t('hist.empty') })));
    before = pageData.next_before;
    more.hidden = !before;
  };
  select.addEventListener('change', () => load(true).catch((error) => status(error.message, true)));
  more.addEventListener('click', () => load(false).catch((error) => status(error.message, true)));
  page(t('hist.title'), el('h2', { text: t('hist.chart') }), chart(history),
    el('label', { for: 'kind', text: t('hist.kind') }), select,
    el('table', { id: 'journal' }, el('thead', {}, el('tr', {},
      el('th', { scope: 'col', text: t('hist.date') }), el('th', { scope: 'col', text: t('hist.kind') }),
      el('th', { scope: 'col', class: 'num', text: t('hist.points') }),
      el('th', { scope: 'col', class: 'num', text: t('hist.prepaid') }),
      el('th', { scope: 'col', text: t('hist.ref') }))), body), more);
  await load(true);
}

async function renderLost() {
  const me = await freshMe();
  const list = el('ul', { id: 'cards' });
  for (const card of me.cards) {
    const item = el('li', {}, el('span', { text: card.card_no + ' (' + t('card.' + card.card_status) + ') ' }));
    if (card.card_status === 'active') {
      item.append(el('button', { type: 'button', class: 'danger', 'data-card': card.card_no,
        text: t('lost.button', { card: card.card_no }), onclick: async () => {
          if (!window.confirm(t('lost.confirm', { card: card.card_no }))) return;
          try {
            await api('POST', '/v1/member/cards/lost', { card_no: card.card_no });
            status(t('lost.done', { card: card.card_no }));
            state.me = null;
            await route();
          } catch (error) { if (error.message !== 'session') status(error.message, true); }
        } }));
    }
    list.append(item);
  }
  page(t('lost.title'), el('p', { text: t('lost.intro') }), list);
}

async function renderProfile() {
  const profile = await api('GET', '/v1/member/profile');
  const field = (id, key, value, type) => [el('label', { for: id, text: t(key) }),
    el('input', { id, name: id, type: type || 'text', value: value || '', autocomplete: 'off' })];
  const consent = (id, key, checked) => el('label', { class: 'check', for: id },
    el('input', { id, type: 'checkbox', checked }), t(key));
  const form = el('form', { class: 'card', id: 'profile-form' },
    ...field('phone', 'prof.phone', profile.phone, 'tel'), ...field('email', 'prof.email', profile.email, 'email'),
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
    } catch (error) { if (error.message !== 'session') status(error.message, true); }
  });
  const pin = el('form', { class: 'card', id: 'pin-form' }, el('h2', { text: t('pin.title') }),
    ...field('pin-current', 'pin.current', '', 'password'), ...field('pin-new', 'pin.new', '', 'password'),
    el('button', { class: 'primary', type: 'submit', text: t('pin.save') }));
  pin.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await api('POST', '/v1/member/pin', { pin: pin['pin-current'].value, pin_new: pin['pin-new'].value });
      pin.reset();
      status(t('pin.done'));
    } catch (error) { if (error.message !== 'session') status(error.message, true); }
  });
  page(t('prof.title'), el('p', { class: 'muted', text: profile.name }), form, pin);
}

async function renderSoon() {
  page(t('soon.title'), el('p', { class: 'muted', text: t('soon.text') }));
}

// ---- Login ------------------------------------------------------------------------------------

function showLogin(message) {
  document.getElementById('nav').hidden = true;
  document.getElementById('logout').hidden = true;
  const by = el('select', { id: 'login-by' }, el('option', { value: 'card_no', text: t('login.by_card') }),
    el('option', { value: 'phone', text: t('login.by_phone') }));
  const idLabel = el('label', { for: 'login-id', text: t('login.card') });
  const id = el('input', { id: 'login-id', name: 'id', inputmode: 'numeric', autocomplete: 'username', required: true });
  by.addEventListener('change', () => {
    idLabel.textContent = t(by.value === 'phone' ? 'login.phone' : 'login.card');
    id.setAttribute('inputmode', by.value === 'phone' ? 'tel' : 'numeric');
  });
  const pin = el('input', { id: 'login-pin', name: 'pin', type: 'password', inputmode: 'numeric',
    autocomplete: 'current-password', required: true, minlength: '4', maxlength: '8' });
  const error = el('p', { id: 'login-error', class: 'error', role: 'alert', text: message || '' });
  const form = el('form', { class: 'card', id: 'login-form' },
    el('label', { for: 'login-by', text: t('login.by') }), by, idLabel, id,
    el('label', { for: 'login-pin', text: t('login.pin') }), pin, error,
    el('button', { class: 'primary', type: 'submit', id: 'login-submit', text: t('login.submit') }));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    try {
      const body = { pin: pin.value };
      body[by.value] = id.value.replace(/\s+/g, '');
      const session = await api('POST', '/v1/member/login', body);
      state.csrf = session.csrf_token;
      sessionStorage.setItem('csrf', state.csrf);
      pin.value = '';
      state.me = null;
      if (location.hash !== '#/dashboard') location.hash = '#/dashboard';
      else await route();
    } catch (failure) {
      error.textContent = failure.status === 401 ? t('login.failed') : failure.message;
      document.body.dataset.ready = 'login';
    }
  });
  page(t('login.title'), form);
  document.body.dataset.ready = 'login';
}

function applyLang() {
  document.documentElement.lang = state.lang;
  for (const node of document.querySelectorAll('[data-t]')) node.textContent = t(node.dataset.t);
  document.getElementById('lang').textContent = t('lang');
}

document.addEventListener('DOMContentLoaded', () => {
  state.lang = pickLang();
  applyLang();
  document.getElementById('lang').addEventListener('click', () => {
    state.lang = state.lang === 'en' ? 'zh-CN' : 'en';
    localStorage.setItem('lang', state.lang);
    applyLang();
    if (state.me) route(); else showLogin();
  });
  document.getElementById('logout').addEventListener('click', async () => {
    try { await api('POST', '/v1/member/logout'); } catch (error) { /* ended already */ }
    state.me = null;
    sessionStorage.removeItem('csrf');
    showLogin();
  });
  window.addEventListener('hashchange', route);
  route();
});
