/**
 * The status page served at `GET /`: one self-contained HTML page (no build, no library) in every
 * language of decision/locales/ (its strings are injected from the locale files when this module
 * loads). Shows ready/degraded with its problems, each cash register (channel,
 * state, unsent receipts, oldest unsent, hours left before the 72 h block, dead letters, last
 * error), the tracking system of the pre-sale check, scanners, and — live over server-sent events —
 * recent receipts (id, state, fiscal sign; never customer data), scans and decisions.
 */
import { LANGUAGES, LOCALES } from '../decision/locales/index.js';

/** Per language: the page's strings, and the tag for dates and times. */
const i18n = Object.fromEntries(LANGUAGES.map((l) => [l, LOCALES[l].page]));
const intl = Object.fromEntries(LANGUAGES.map((l) => [l, LOCALES[l].intl]));

/** JSON safe inside a <script> element. */
const scriptJson = (v: unknown): string => JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const langButtons = LANGUAGES.map((l) => `<button data-lang="${l}">${escapeHtml(LOCALES[l].label)}</button>`).join('');

export const statusPageLanguages: readonly string[] = LANGUAGES;

export const statusPageHtml = `<!doctype html>
<html lang="ru">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tanba</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1d2330; }
  header { display: flex; align-items: center; gap: 1em; padding: .8em 1.2em; background: #1d2330; color: #fff; }
  header h1 { font-size: 1.1em; margin: 0; flex: 1; }
  header button { background: none; border: 1px solid #7a8499; color: #fff; border-radius: 4px; cursor: pointer; padding: .15em .5em; }
  header button[aria-pressed=true] { background: #fff; color: #1d2330; }
  main { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 1em; padding: 1em 1.2em; }
  section { background: #fff; border-radius: 8px; padding: .8em 1em; box-shadow: 0 1px 2px #0002; }
  section h2 { font-size: .85em; text-transform: uppercase; letter-spacing: .04em; color: #5b6478; margin: 0 0 .5em; }
  .big { font-size: 1.8em; font-weight: 600; }
  #state[data-state=ready] { color: #137333; } #state[data-state=degraded] { color: #b3261e; }
  ul { list-style: none; margin: 0; padding: 0; } li { padding: .25em 0; border-bottom: 1px solid #eee; word-break: break-word; }
  .allow { color: #137333; } .deny { color: #b3261e; } .unknown { color: #a15c00; }
  .wide { grid-column: 1 / -1; } small { color: #5b6478; } #conn { font-size: .85em; }
  #conn[data-live=false] { color: #ffb4ab; }
  #registers { display: grid; grid-template-columns: repeat(auto-fill, minmax(280px, 1fr)); gap: .8em; }
  #registers > li { border: 1px solid #e3e5ea; border-left: 6px solid #9aa1b1; border-radius: 6px; padding: .5em .8em; }
  #registers > li[data-state=ok] { border-left-color: #137333; }
  #registers > li[data-state=autonomous] { border-left-color: #a15c00; }
  #registers > li[data-state=unreachable], #registers > li[data-state=blocked] { border-left-color: #b3261e; }
  .reg-id { font-weight: 600; } .reg-state { font-weight: 600; }
  li[data-state=fiscalised] .receipt-state { color: #137333; } li[data-state=rejected] .receipt-state { color: #b3261e; }
  .fiscal-sign { font-family: ui-monospace, monospace; }
</style>
</head>
<body>
<header>
  <h1 data-t="title">tanba</h1>
  <span id="conn" data-live="false"></span>
  ${langButtons}
</header>
<main>
  <section><h2 data-t="title"></h2><div id="state" class="big" data-state="">…</div><ul id="problems"></ul></section>
  <section><h2 data-t="queue"></h2>
    <div><span id="queue-pending" class="big">…</span> <span data-t="pending"></span></div>
    <div><small data-t="oldest"></small> <span id="queue-oldest">—</span></div>
    <div><span id="queue-dead">0</span> <small data-t="dead"></small></div>
  </section>
  <section><h2 data-t="tracking"></h2><div id="tracking-state">…</div>
    <div><small data-t="tokenExpiry"></small> <span id="token-expiry">—</span></div>
  </section>
  <section><h2 data-t="scanners"></h2><ul id="scanners"></ul></section>
  <section class="wide"><h2 data-t="registers"></h2><ul id="registers"></ul></section>
  <section class="wide"><h2 data-t="receipts"></h2><ul id="receipts"></ul></section>
  <section class="wide"><h2 data-t="decisions"></h2><ul id="decisions"></ul></section>
  <section class="wide"><h2 data-t="scans"></h2><ul id="scans"></ul></section>
</main>
<script>
const I18N = ${scriptJson(i18n)};
const INTL = ${scriptJson(intl)};
const params = new URLSearchParams(location.search);
const token = params.get('token');
let lang = params.get('lang') || localStorage.getItem('tanba.lang') || (navigator.language || 'ru').slice(0, 2);
if (!I18N[lang]) lang = 'ru';
let last = null; const decisions = []; const scans = []; const receipts = new Map();
const t = (k) => I18N[lang][k] || k;
const fmt = (k, vars) => t(k).replace(/\\{(\\w+)\\}/g, (_, v) => (vars[v] === undefined || vars[v] === null ? '?' : String(vars[v])));
const $ = (id) => document.getElementById(id);
const locale = () => INTL[lang] || lang;
const when = (iso) => iso ? new Date(iso).toLocaleString(locale()) : t('never');
function el(tag, text, cls) { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; }
function li(text, cls) { return el('li', text, cls); }
function fill(ul, items) { ul.replaceChildren(...items); }
/** A line "<label> <value>" with the value in an element of class cls. */
function row(label, value, cls) { const d = el('div'); d.append(el('small', label + ' '), el('span', value, cls)); return d; }
function applyLang() {
  document.documentElement.lang = lang;
  document.querySelectorAll('[data-t]').forEach((e) => { e.textContent = t(e.dataset.t); });
  document.querySelectorAll('[data-lang]').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.lang === lang)));
  renderStatus(); renderLists();
}
function problemText(p, s) {
  if (p.code === 'tracking-not-configured') return t('notConfigured');
  if (p.code.startsWith('scanner-')) return t('p:scanner') + ' ' + p.message;
  const k = 'p:' + p.code;
  if (!I18N[lang][k]) return p.message;
  const r = (s.registers || []).find((x) => x.id === p.registerId) || {};
  return fmt(k, { register: p.registerId, pending: r.pending, hours: r.hoursLeft });
}
function registerItem(r) {
  const e = li(undefined, 'register');
  e.dataset.register = r.id; e.dataset.state = r.state;
  const head = el('div');
  head.append(el('span', r.id, 'reg-id'), document.createTextNode(' — '), el('span', t('st:' + r.state), 'reg-state'));
  e.append(head, row(t('channel'), r.channel || t('noChannel'), 'reg-channel'));
  const unsent = el('div'); unsent.append(el('span', String(r.pending), 'reg-pending'), el('small', ' ' + t('unsent')));
  e.append(unsent);
  if (r.oldestUnsentAt) e.append(row(t('oldest'), when(r.oldestUnsentAt), 'reg-oldest'));
  if (r.hoursLeft !== null && r.hoursLeft !== undefined) e.append(el('div', fmt('hoursLeft', { h: r.hoursLeft }), 'reg-hours'));
  if (r.deadLetters) { const d = el('div'); d.append(el('span', String(r.deadLetters), 'reg-dead'), el('small', ' ' + t('dead'))); e.append(d); }
  if (r.blocked) e.append(row(t('blockedBy'), r.blocked.message + ' (' + r.blocked.code + ', ' + when(r.blocked.since) + ')', 'reg-blocked'));
  e.append(row(t('lastReceipt'), when(r.lastSuccessAt), 'reg-success'));
  if (r.lastError && r.state !== 'ok') e.append(row(t('lastError'), r.lastError + (r.lastErrorAt ? ' (' + when(r.lastErrorAt) + ')' : ''), 'reg-error'));
  return e;
}
function renderStatus() {
  const s = last; if (!s) return;
  $('state').dataset.state = s.state; $('state').textContent = t(s.state);
  fill($('problems'), s.problems.map((p) => { const e = li(problemText(p, s)); e.dataset.code = p.code; if (p.registerId) e.dataset.register = p.registerId; return e; }));
  $('queue-pending').textContent = String(s.queue.pending);
  $('queue-oldest').textContent = s.queue.oldestPendingAt ? when(s.queue.oldestPendingAt) : '—';
  $('queue-dead').textContent = String(s.queue.deadLetters);
  fill($('registers'), (s.registers || []).map(registerItem));
  const tr = s.tracking || {};
  $('tracking-state').textContent = tr.configured ? t('trackingOn') + (tr.message ? ' — ' + tr.message : '') : t('notConfigured');
  $('token-expiry').textContent = tr.tokenExpiresAt ? when(tr.tokenExpiresAt) : t('unknownValue');
  fill($('scanners'), s.scanners.length ? s.scanners.map((x) => { const e = li(x.driver + ' ' + x.path + ': ' + t('s:' + x.state)); e.dataset.state = x.state; return e; }) : [li(t('none'))]);
}
function receiptItem(r) {
  // Only the receipt's id, register, state and fiscal result: receipt events never carry customer data.
  const e = li(undefined, 'receipt');
  e.dataset.id = r.id; e.dataset.state = r.state; e.dataset.register = r.registerId;
  e.append(el('span', new Date(r.updatedAt || Date.now()).toLocaleTimeString(locale()) + '  ' + t('r:' + r.type) + ' ' + r.id + ' (' + r.registerId + '): '), el('span', t('r:' + r.state), 'receipt-state'));
  if (r.fiscal) {
    e.append(document.createTextNode(' — ' + t('fiscalSign') + ' '), el('span', r.fiscal.fiscalSign, 'fiscal-sign'));
    if (r.fiscal.isOffline) e.append(el('small', ' (' + t('autonomousSign') + ')'));
  } else if (r.reasons && r.reasons.length) e.append(el('small', ' — ' + r.reasons.map((x) => x.message).join('; ')));
  return e;
}
function renderLists() {
  fill($('decisions'), decisions.slice().reverse().map((d) => {
    const code = d.code.ki || d.code.gtin || (d.code.error && d.code.error.code) || '?';
    const why = d.reasons.map((r) => r.message).join('; ');
    return li(new Date(d.checkedAt).toLocaleTimeString(locale()) + '  ' + t(d.verdict) + '  ' + code + (why ? ' — ' + why : ''), d.verdict);
  }));
  fill($('scans'), scans.slice().reverse().map((s) => li(new Date(s.at).toLocaleTimeString(locale()) + '  ' + s.source.driver + ' ' + s.source.path + '  ' + ((s.code && (s.code.ki || s.code.gtin)) || JSON.stringify(s.text)))));
  fill($('receipts'), receipts.size ? [...receipts.values()].reverse().slice(0, 30).map(receiptItem) : [li(t('noReceipts'), 'empty')]);
}
async function api(path) {
  const r = await fetch(path, { headers: token ? { authorization: 'Bearer ' + token } : {} });
  if (!r.ok) throw new Error(r.status + '');
  return r.json();
}
async function refresh() { try { last = await api('/v1/status'); renderStatus(); } catch { /* the event stream reports loss */ } }
let es = null;
function connect() {
  if (es) es.close();
  decisions.length = 0; // the stream replays the recent ones, worded in the page's language
  es = new EventSource('/v1/events?lang=' + lang + (token ? '&token=' + encodeURIComponent(token) : ''));
  es.onopen = () => { $('conn').dataset.live = 'true'; $('conn').textContent = '● ' + t('live'); refresh(); };
  es.onerror = () => { $('conn').dataset.live = 'false'; $('conn').textContent = t('lost'); };
  es.addEventListener('status', (e) => { const s = JSON.parse(e.data); last = Object.assign({}, last, s); renderStatus(); });
  es.addEventListener('register', () => refresh());
  es.addEventListener('decision', (e) => {
    const d = JSON.parse(e.data);
    if (!decisions.some((x) => x.checkedAt === d.checkedAt && x.code.km === d.code.km)) { decisions.push(d); if (decisions.length > 30) decisions.shift(); }
    renderLists();
  });
  es.addEventListener('scan', (e) => { scans.push(JSON.parse(e.data)); if (scans.length > 20) scans.shift(); renderLists(); });
  es.addEventListener('receipt', (e) => {
    const r = JSON.parse(e.data);
    receipts.delete(r.id); receipts.set(r.id, r);
    if (receipts.size > 50) receipts.delete(receipts.keys().next().value);
    renderLists();
  });
}
document.querySelectorAll('[data-lang]').forEach((b) => b.addEventListener('click', () => { lang = b.dataset.lang; localStorage.setItem('tanba.lang', lang); applyLang(); connect(); }));
applyLang(); refresh(); connect(); setInterval(refresh, 10000);
</script>
</body>
</html>
`;
