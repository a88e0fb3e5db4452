/**
 * The status page served at `GET /`: plain HTML and a little JS, in Kazakh, Russian and English.
 * Shows ready/degraded, the queue and its oldest record, the last successful exchange, the token
 * expiry, scanners, and recent scans and decisions live over server-sent events.
 */
const i18n = {
  en: {
    title: 'tanba agent',
    ready: 'Ready',
    degraded: 'Degraded',
    queue: 'Queue',
    pending: 'waiting to send',
    oldest: 'oldest waiting since',
    dead: 'need attention',
    lastSuccess: 'Last successful exchange',
    lastError: 'Last error',
    tokenExpiry: 'Token expires',
    scanners: 'Scanners',
    none: 'none',
    never: 'never',
    unknownValue: 'unknown',
    decisions: 'Recent checks',
    scans: 'Recent scans',
    allow: 'may be sold',
    deny: 'do not sell',
    unknown: 'not checked',
    live: 'live',
    lost: 'no connection to the agent — retrying',
    problems: 'Problems',
    sales: 'Recent sales',
    notConfigured: 'tracking system not configured',
    'p:tracking-unreachable': 'The tracking system is not answering; sales are kept and will be sent.',
    'p:queue-old': 'Sales have been waiting a long time: check the internet connection.',
    'p:dead-letters': 'Some sales need an operator: see tanba queue list --dead.',
    'p:scanner': 'A scanner is not connected:',
    's:connected': 'connected', 's:connecting': 'connecting', 's:disconnected': 'disconnected', 's:reconnecting': 'reconnecting', 's:closed': 'closed',
    'r:sale': 'sale', 'r:return': 'return', 'r:queued': 'waiting to send', 'r:sending': 'sending', 'r:sent': 'sent', 'r:confirmed': 'confirmed', 'r:rejected': 'rejected', 'r:unknown': 'checking delivery',
  },
  ru: {
    title: 'Агент tanba',
    ready: 'Готов',
    degraded: 'Есть проблемы',
    queue: 'Очередь',
    pending: 'ждут отправки',
    oldest: 'самая старая с',
    dead: 'требуют внимания',
    lastSuccess: 'Последний успешный обмен',
    lastError: 'Последняя ошибка',
    tokenExpiry: 'Токен истекает',
    scanners: 'Сканеры',
    none: 'нет',
    never: 'никогда',
    unknownValue: 'неизвестно',
    decisions: 'Последние проверки',
    scans: 'Последние сканирования',
    allow: 'можно продавать',
    deny: 'продавать нельзя',
    unknown: 'не проверено',
    live: 'в сети',
    lost: 'нет связи с агентом — переподключение',
    problems: 'Проблемы',
    sales: 'Последние продажи',
    notConfigured: 'система маркировки не настроена',
    'p:tracking-unreachable': 'Система маркировки не отвечает; продажи сохранены и будут отправлены.',
    'p:queue-old': 'Продажи долго ждут отправки: проверьте подключение к интернету.',
    'p:dead-letters': 'Некоторые продажи требуют внимания оператора: tanba queue list --dead.',
    'p:scanner': 'Сканер не подключён:',
    's:connected': 'подключён', 's:connecting': 'подключается', 's:disconnected': 'отключён', 's:reconnecting': 'переподключается', 's:closed': 'закрыт',
    'r:sale': 'продажа', 'r:return': 'возврат', 'r:queued': 'ждёт отправки', 'r:sending': 'отправляется', 'r:sent': 'отправлена', 'r:confirmed': 'подтверждена', 'r:rejected': 'отклонена', 'r:unknown': 'проверяется доставка',
  },
  kk: {
    title: 'tanba агенті',
    ready: 'Дайын',
    degraded: 'Ақаулар бар',
    queue: 'Кезек',
    pending: 'жіберуді күтуде',
    oldest: 'ең ескісі',
    dead: 'назар қажет',
    lastSuccess: 'Соңғы сәтті алмасу',
    lastError: 'Соңғы қате',
    tokenExpiry: 'Токен мерзімі бітеді',
    scanners: 'Сканерлер',
    none: 'жоқ',
    never: 'ешқашан',
    unknownValue: 'белгісіз',
    decisions: 'Соңғы тексерулер',
    scans: 'Соңғы сканерлеулер',
    allow: 'сатуға болады',
    deny: 'сатуға болмайды',
    unknown: 'тексерілмеді',
    live: 'байланыста',
    lost: 'агентпен байланыс жоқ — қайта қосылуда',
    problems: 'Ақаулар',
    sales: 'Соңғы сатулар',
    notConfigured: 'таңбалау жүйесі бапталмаған',
    'p:tracking-unreachable': 'Таңбалау жүйесі жауап бермейді; сатулар сақталды және жіберіледі.',
    'p:queue-old': 'Сатулар ұзақ күтіп тұр: интернет байланысын тексеріңіз.',
    'p:dead-letters': 'Кейбір сатуларға оператор қажет: tanba queue list --dead.',
    'p:scanner': 'Сканер қосылмаған:',
    's:connected': 'қосылған', 's:connecting': 'қосылуда', 's:disconnected': 'ажыратылған', 's:reconnecting': 'қайта қосылуда', 's:closed': 'жабық',
    'r:sale': 'сату', 'r:return': 'қайтару', 'r:queued': 'жіберуді күтуде', 'r:sending': 'жіберілуде', 'r:sent': 'жіберілді', 'r:confirmed': 'расталды', 'r:rejected': 'қабылданбады', 'r:unknown': 'жеткізу тексерілуде',
  },
} as const;

export const statusPageLanguages = Object.keys(i18n);

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
  ul { list-style: none; margin: 0; padding: 0; } li { padding: .25em 0; border-bottom: 1px solid #eee; word-break: break-all; }
  .allow { color: #137333; } .deny { color: #b3261e; } .unknown { color: #a15c00; }
  .wide { grid-column: 1 / -1; } small { color: #5b6478; } #conn { font-size: .85em; }
  #conn[data-live=false] { color: #ffb4ab; }
</style>
</head>
<body>
<header>
  <h1 data-t="title">tanba</h1>
  <span id="conn" data-live="false"></span>
  <button data-lang="kk">ҚАЗ</button><button data-lang="ru">РУС</button><button data-lang="en">ENG</button>
</header>
<main>
  <section><h2 data-t="title"></h2><div id="state" class="big" data-state="">…</div><ul id="problems"></ul></section>
  <section><h2 data-t="queue"></h2>
    <div><span id="queue-pending" class="big">…</span> <span data-t="pending"></span></div>
    <div><small data-t="oldest"></small> <span id="queue-oldest">—</span></div>
    <div><span id="queue-dead">0</span> <small data-t="dead"></small></div>
  </section>
  <section><h2 data-t="lastSuccess"></h2><div id="last-success">…</div>
    <div><small data-t="lastError"></small> <span id="last-error">—</span></div>
    <div><small data-t="tokenExpiry"></small> <span id="token-expiry">—</span></div>
  </section>
  <section><h2 data-t="scanners"></h2><ul id="scanners"></ul></section>
  <section class="wide"><h2 data-t="decisions"></h2><ul id="decisions"></ul></section>
  <section><h2 data-t="scans"></h2><ul id="scans"></ul></section>
  <section><h2 data-t="sales"></h2><ul id="sales"></ul></section>
</main>
<script>
const I18N = ${JSON.stringify(i18n)};
const params = new URLSearchParams(location.search);
const token = params.get('token');
let lang = params.get('lang') || localStorage.getItem('tanba.lang') || (navigator.language || 'ru').slice(0, 2);
if (!I18N[lang]) lang = 'ru';
let last = null; const decisions = []; const scans = []; const sales = new Map();
const t = (k) => I18N[lang][k] || k;
const $ = (id) => document.getElementById(id);
const when = (iso) => iso ? new Date(iso).toLocaleString(lang === 'kk' ? 'kk-KZ' : lang) : t('never');
function li(text, cls) { const e = document.createElement('li'); e.textContent = text; if (cls) e.className = cls; return e; }
function fill(ul, items) { ul.replaceChildren(...items); }
function applyLang() {
  document.documentElement.lang = lang;
  document.querySelectorAll('[data-t]').forEach((e) => { e.textContent = t(e.dataset.t); });
  document.querySelectorAll('[data-lang]').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.lang === lang)));
  renderStatus(); renderLists();
}
function problemText(p) {
  if (p.code === 'tracking-not-configured') return t('notConfigured');
  if (p.code.startsWith('scanner-')) return t('p:scanner') + ' ' + p.message;
  const k = 'p:' + p.code;
  return I18N[lang][k] || p.message;
}
function renderStatus() {
  const s = last; if (!s) return;
  $('state').dataset.state = s.state; $('state').textContent = t(s.state);
  fill($('problems'), s.problems.map((p) => li(problemText(p))));
  $('queue-pending').textContent = String(s.queue.pending);
  $('queue-oldest').textContent = s.queue.oldestPendingAt ? when(s.queue.oldestPendingAt) : '—';
  $('queue-dead').textContent = String(s.queue.deadLetters);
  $('last-success').textContent = when(s.tracking.lastSuccessAt);
  $('last-error').textContent = s.tracking.lastError ? s.tracking.lastError + ' (' + when(s.tracking.lastErrorAt) + ')' : '—';
  $('token-expiry').textContent = s.tracking.tokenExpiresAt ? when(s.tracking.tokenExpiresAt) : t('unknownValue');
  fill($('scanners'), s.scanners.length ? s.scanners.map((x) => { const e = li(x.driver + ' ' + x.path + ': ' + t('s:' + x.state)); e.dataset.state = x.state; return e; }) : [li(t('none'))]);
}
function renderLists() {
  fill($('decisions'), decisions.slice().reverse().map((d) => {
    const code = d.code.ki || d.code.gtin || (d.code.error && d.code.error.code) || '?';
    const why = d.reasons.map((r) => r.message).join('; ');
    return li(new Date(d.checkedAt).toLocaleTimeString(lang) + '  ' + t(d.verdict) + '  ' + code + (why ? ' — ' + why : ''), d.verdict);
  }));
  fill($('scans'), scans.slice().reverse().map((s) => li(new Date(s.at).toLocaleTimeString(lang) + '  ' + s.source.driver + ' ' + s.source.path + '  ' + ((s.code && (s.code.ki || s.code.gtin)) || JSON.stringify(s.text)))));
  fill($('sales'), [...sales.values()].reverse().slice(0, 20).map((r) => li(t('r:' + r.type) + ' ' + r.id + ': ' + t('r:' + r.state), 'record-' + r.state)));
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
  es.addEventListener('decision', (e) => {
    const d = JSON.parse(e.data);
    if (!decisions.some((x) => x.checkedAt === d.checkedAt && x.code.km === d.code.km)) { decisions.push(d); if (decisions.length > 30) decisions.shift(); }
    renderLists();
  });
  es.addEventListener('scan', (e) => { scans.push(JSON.parse(e.data)); if (scans.length > 20) scans.shift(); renderLists(); });
  es.addEventListener('record', (e) => { const r = JSON.parse(e.data); sales.delete(r.id); sales.set(r.id, r); if (sales.size > 50) sales.delete(sales.keys().next().value); renderLists(); });
}
document.querySelectorAll('[data-lang]').forEach((b) => b.addEventListener('click', () => { lang = b.dataset.lang; localStorage.setItem('tanba.lang', lang); applyLang(); connect(); }));
applyLang(); refresh(); connect(); setInterval(refresh, 10000);
</script>
</body>
</html>
`;
