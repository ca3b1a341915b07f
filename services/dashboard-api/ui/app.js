// The fleet page's controller: view state (filters, page, open site), the JSON
// API, the live event stream and the timers that keep the page current.
//
// The server owns filtering, sorting and paging; the page only ever holds the
// rows it shows (at most one page), so 100,000 sites cost what 100 do.
// Three things keep it fresh:
//  - `status` events (SSE) patch a visible row at once, and schedule a
//    debounced refetch of the summary and of the visible page, because a change
//    can move a site into, out of or within the page;
//  - every REFRESH_MS the visible page, the summary and the open site are
//    refetched, because reports (rates, buffers, last report) change without
//    an event;
//  - a one-second tick advances the "time since last report" cells.
// View state lives in the URL fragment, so a reload or a shared link shows the
// same filters, page and site.

import {
  CONNECTIVITY, HEALTH, createRow, updateRow, tickRow, tickAll, detailHead,
  renderDetail, renderDetailMessage, fmtInt, fmtTime, h,
} from './render.js';

const API = '/api/v1';
const REFRESH_MS = 5000;
const TICK_MS = 1000;
const CHANGES_PER_SITE = 100;
const PAGE_SIZES = [50, 100, 250, 500];
const DEFAULT_LIMIT = 100;
const THEMES = ['auto', 'dark', 'light'];
const SUMMARY_KEYS = ['total', 'online', 'late', 'offline', 'unknown', 'healthy', 'degraded', 'critical', 'maintenance'];

const $ = (id) => document.getElementById(id);

const state = {
  connectivity: new Set(),
  health: new Set(),
  search: '',
  sort: 'severity',
  offset: 0,
  limit: DEFAULT_LIMIT,
  total: null, // sites matching the filters, from the last page fetched
  fleetTotal: null,
  selected: null, // site id shown in the detail panel
  cursor: null, // site id of the row that takes keyboard focus (roving tabindex)
  live: 'connecting',
  gaps: 0, // times the event stream dropped after having been live
  openedAt: Date.now(),
  clockOffset: 0, // central clock minus browser clock, ms
  eventSeq: 0,
};
/** site id → row view, for the rows currently in the table. */
const rows = new Map();
/** site id → status events seen since the page was opened (oldest first). */
const changes = new Map();

// ---- small utilities ---------------------------------------------------------

/** Trailing debounce that still fires at least every `maxWait` ms under a steady stream. */
function debounced(fn, wait, maxWait) {
  let timer = null;
  let first = 0;
  return () => {
    const now = performance.now();
    if (timer === null) first = now;
    else clearTimeout(timer);
    timer = setTimeout(() => { timer = null; fn(); }, Math.max(0, Math.min(wait, first + maxWait - now)));
  };
}

/** Runs `load` one at a time; calls made meanwhile collapse into one more run. */
function singleFlight(load) {
  let busy = false;
  let again = false;
  return async () => {
    if (busy) { again = true; return; }
    busy = true;
    try {
      do { again = false; await load(); } while (again);
    } finally {
      busy = false;
    }
  };
}

function setAttr(el, name, value) {
  if (value === null || value === undefined) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
  } else if (el.getAttribute(name) !== String(value)) {
    el.setAttribute(name, value);
  }
}

function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/** Central time now: ages are computed against the API's clock, not the browser's. */
function serverNow() {
  return Date.now() + state.clockOffset;
}

// ---- API -------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Learns the central clock from the `Date` header; ignored within 2 s (its resolution is 1 s). */
function noteServerClock(dateHeader, sentMs, receivedMs) {
  const server = Date.parse(dateHeader || '');
  if (!Number.isFinite(server)) return;
  const estimate = server + 500 - (sentMs + receivedMs) / 2;
  state.clockOffset = Math.abs(estimate) < 2000 ? 0 : Math.round(estimate);
}

// ---- access token ----------------------------------------------------------------
// When the API requires a token (401), ask once and keep it for this tab only.

const TOKEN_KEY = 'healthmon.token';
let askingToken = false;

function accessToken() {
  try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch { return ''; }
}

function askForToken(rejected) {
  if (askingToken) return;
  askingToken = true;
  const hint = rejected ? 'That token was not accepted. ' : '';
  const token = (window.prompt(`${hint}This dashboard needs an access token (ask its administrator):`) || '').trim();
  askingToken = false;
  if (!token) return;
  try { sessionStorage.setItem(TOKEN_KEY, token); } catch { /* private mode: this page only */ }
  resync();
  if (source) source.close();
  connectLive();
}

async function fetchJson(path, signal) {
  const sent = Date.now();
  const token = accessToken();
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetch(path, { signal, cache: 'no-store', headers });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'unreachable', 'cannot reach the dashboard API');
  }
  noteServerClock(res.headers.get('Date'), sent, Date.now());
  let body = null;
  try { body = await res.json(); } catch { /* not JSON: reported below */ }
  if (res.status === 401) setTimeout(() => askForToken(Boolean(token)), 0);
  if (!res.ok) {
    const err = body && body.error;
    throw new ApiError(res.status, (err && err.code) || `http_${res.status}`, (err && err.message) || res.statusText || 'request failed');
  }
  if (body === null) throw new ApiError(res.status, 'bad_body', 'the API answered with something that is not JSON');
  return body;
}

function apiOk() {
  $('banner').hidden = true;
  document.body.classList.remove('stale');
  setText($('updated'), `updated ${fmtTime(Date.now())}`);
}

function apiFailed(e) {
  const banner = $('banner');
  if (e.status === 0) {
    document.body.classList.add('stale');
    setText(banner, `Cannot reach the dashboard API; retrying. The figures below are from the last successful update (${$('updated').textContent.replace('updated ', '') || 'none yet'}).`);
  } else {
    setText(banner, `The dashboard API answered ${e.status} (${e.code}): ${e.message}`);
  }
  banner.hidden = false;
}

// ---- summary -----------------------------------------------------------------

async function loadSummary() {
  let s;
  try { s = await fetchJson(`${API}/summary`); } catch (e) { apiFailed(e); return; }
  apiOk();
  for (const key of SUMMARY_KEYS) {
    const n = Number(s[key]) || 0;
    const el = $(`count-${key}`);
    setText(el, String(n));
    setAttr(el.parentElement, 'data-count', n);
  }
  state.fleetTotal = Number(s.total) || 0;
  renderPager();
}
const refreshSummary = singleFlight(loadSummary);
const refreshSummarySoon = debounced(refreshSummary, 250, 1000);

// ---- site page -----------------------------------------------------------------

function listQuery() {
  const p = new URLSearchParams();
  if (state.connectivity.size) p.set('connectivity', CONNECTIVITY.filter((c) => state.connectivity.has(c)).join(','));
  if (state.health.size) p.set('health', HEALTH.filter((x) => state.health.has(x)).join(','));
  if (state.search) p.set('search', state.search);
  p.set('sort', state.sort);
  p.set('limit', String(state.limit));
  p.set('offset', String(state.offset));
  return p.toString();
}

let pageAbort = null;

async function loadPage() {
  const query = listQuery();
  const seqAtStart = state.eventSeq;
  pageAbort = new AbortController();
  let page;
  try {
    page = await fetchJson(`${API}/sites?${query}`, pageAbort.signal);
  } catch (e) {
    if (e.name !== 'AbortError') apiFailed(e);
    return;
  }
  if (query !== listQuery()) return; // the view moved on; a newer run is queued
  apiOk();
  const sites = Array.isArray(page.sites) ? page.sites : [];
  const total = Number(page.total) || 0;
  if (sites.length === 0 && total > 0 && state.offset > 0) {
    // Sites went away under us: show the last page that exists.
    state.offset = Math.floor((total - 1) / state.limit) * state.limit;
    saveHash();
    refreshPage();
    return;
  }
  applyPage(sites, total, seqAtStart);
}
const refreshPage = singleFlight(loadPage);
const refreshPageSoon = debounced(refreshPage, 400, 1000);

/** Reconciles the table with `sites`: rows are reused, patched and moved, never rebuilt. */
function applyPage(sites, total, seqAtStart) {
  state.total = total;
  const tbody = $('site-rows');
  const now = serverNow();
  const focused = document.activeElement;
  const focusedIndex = focused && focused.parentElement === tbody ? [...tbody.children].indexOf(focused) : -1;
  const keep = new Set(sites.map((s) => s.site_id));
  for (const [id, row] of rows) {
    if (!keep.has(id)) { row.tr.remove(); rows.delete(id); }
  }
  let next = tbody.firstElementChild;
  for (const site of sites) {
    let row = rows.get(site.site_id);
    if (!row) {
      row = createRow(site.site_id);
      rows.set(site.site_id, row);
    }
    // A status event newer than this fetch wins over the fetched status.
    const merged = row.eventSeq > seqAtStart && row.site
      ? { ...site, connectivity: row.site.connectivity, health: row.site.health, reasons: row.site.reasons, status_since_ms: row.site.status_since_ms }
      : site;
    updateRow(row, merged, now);
    if (row.tr === next) next = next.nextElementSibling;
    else tbody.insertBefore(row.tr, next);
  }
  syncCursor();
  if (focusedIndex >= 0 && document.activeElement !== focused) {
    // Moving (or dropping) a row loses its focus; keep the keyboard where it was.
    const target = focused.isConnected ? focused : tbody.children[Math.min(focusedIndex, tbody.children.length - 1)];
    if (target) { setCursor(target.dataset.siteId); target.focus({ preventScroll: true }); }
  }
  markSelected();
  renderPager();
  renderEmpty();
}

function renderPager() {
  const { total, offset, limit } = state;
  let info;
  if (total === null) info = 'loading…';
  else if (total === 0) info = '0 sites';
  else info = `${fmtInt(offset + 1)}–${fmtInt(Math.min(offset + limit, total))} of ${fmtInt(total)}`;
  const filtered = state.connectivity.size || state.health.size || state.search;
  if (total !== null && filtered && state.fleetTotal !== null) info += ` matching (fleet: ${fmtInt(state.fleetTotal)})`;
  setText($('page-info'), info);
  $('page-first').disabled = offset === 0;
  $('page-prev').disabled = offset === 0;
  $('page-next').disabled = total === null || offset + limit >= total;
}

function renderEmpty() {
  const empty = $('empty');
  if (state.total !== 0) { empty.hidden = true; return; }
  const filtered = state.connectivity.size || state.health.size || state.search;
  setText(empty, filtered
    ? 'No site matches these filters.'
    : 'No site has reported yet. Sites appear here after their first health report.');
  empty.hidden = false;
}

// ---- rows: selection and keyboard -------------------------------------------

function setCursor(id) {
  const old = state.cursor && rows.get(state.cursor);
  if (old) old.tr.tabIndex = -1;
  state.cursor = id;
  const row = id && rows.get(id);
  if (row) row.tr.tabIndex = 0;
}

function syncCursor() {
  if (!state.cursor || !rows.has(state.cursor)) {
    const first = $('site-rows').firstElementChild;
    state.cursor = first ? first.dataset.siteId : null;
  }
  for (const [id, row] of rows) {
    const want = id === state.cursor ? 0 : -1;
    if (row.tr.tabIndex !== want) row.tr.tabIndex = want;
  }
}

function markSelected() {
  for (const [id, row] of rows) setAttr(row.tr, 'aria-current', id === state.selected ? 'true' : null);
}

function focusRow(tr) {
  if (!tr) return;
  setCursor(tr.dataset.siteId);
  tr.focus();
  if (state.selected) followSoon();
}
// With the panel open, moving through rows shows each site, without a fetch per keypress.
const followSoon = debounced(() => {
  if (state.selected && state.cursor && state.cursor !== state.selected) openDetail(state.cursor);
}, 150, 400);

function onRowsKey(ev) {
  const tr = ev.target.closest('tr[data-site-id]');
  if (!tr) return;
  const all = $('site-rows').children;
  const index = [...all].indexOf(tr);
  const move = { ArrowDown: 1, ArrowUp: -1, PageDown: 20, PageUp: -20 }[ev.key];
  if (move) {
    ev.preventDefault();
    focusRow(all[Math.max(0, Math.min(all.length - 1, index + move))]);
  } else if (ev.key === 'Home' || ev.key === 'End') {
    ev.preventDefault();
    focusRow(ev.key === 'Home' ? all[0] : all[all.length - 1]);
  } else if (ev.key === 'Enter' || ev.key === ' ') {
    ev.preventDefault();
    openDetail(tr.dataset.siteId);
  }
}

function onRowsClick(ev) {
  const tr = ev.target.closest('tr[data-site-id]');
  if (!tr) return;
  setCursor(tr.dataset.siteId);
  openDetail(tr.dataset.siteId);
}

// ---- detail panel ------------------------------------------------------------

const panel = () => $('site-detail');
/** What the panel shows now, to skip rebuilding it for an identical answer. */
let detailKey = '';

function openDetail(id) {
  if (!id) return;
  if (state.selected !== id) {
    state.selected = id;
    detailKey = '';
    const p = panel();
    p.replaceChildren(detailHead(id, () => closeDetail(true)), h('div', { class: 'detail-body', id: 'detail-body' }, h('p', { class: 'muted' }, 'Loading…')));
    p.setAttribute('data-site-id', id);
    p.hidden = false;
    document.body.classList.add('with-detail');
    markSelected();
    saveHash();
  }
  refreshDetail();
}

function closeDetail(restoreFocus) {
  if (!state.selected) return;
  const p = panel();
  const hadFocus = p.contains(document.activeElement);
  state.selected = null;
  p.hidden = true;
  p.replaceChildren();
  p.removeAttribute('data-site-id');
  document.body.classList.remove('with-detail');
  markSelected();
  saveHash();
  if (restoreFocus || hadFocus) {
    const row = state.cursor && rows.get(state.cursor);
    if (row) row.tr.focus({ preventScroll: true });
  }
}

async function loadDetail() {
  const id = state.selected;
  if (!id) return;
  let d;
  try {
    d = await fetchJson(`${API}/sites/${encodeURIComponent(id)}`);
  } catch (e) {
    if (id !== state.selected) return;
    if (e.status === 404) {
      apiOk();
      renderDetailMessage(panel(), `The aggregator does not know site "${id}" (never seen, or forgotten).`);
    } else {
      apiFailed(e);
    }
    return;
  }
  if (id !== state.selected) return;
  apiOk();
  const list = changes.get(id);
  const key = `${JSON.stringify(d)}|${list ? list.length : 0}|${state.gaps}`;
  // Rebuilding would drop a text selection (say, a collector id being copied);
  // the next refresh catches up once it is gone.
  const selection = document.getSelection();
  const selecting = selection && !selection.isCollapsed && panel().contains(selection.anchorNode);
  if (key === detailKey || selecting) return;
  detailKey = key;
  renderDetail(panel(), d, list, { openedAt: state.openedAt, gaps: state.gaps });
  tickAll(panel(), serverNow());
}
const refreshDetail = singleFlight(loadDetail);
const refreshDetailSoon = debounced(refreshDetail, 200, 1000);

// ---- live events ---------------------------------------------------------------

let flashColor = '';
const reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)');

function readFlashColor() {
  flashColor = getComputedStyle(document.documentElement).getPropertyValue('--flash').trim();
}

function onStatus(msg) {
  let e;
  try { e = JSON.parse(msg.data); } catch { return; }
  if (!e || typeof e.site_id !== 'string') return;
  state.eventSeq += 1;
  let list = changes.get(e.site_id);
  if (!list) { list = []; changes.set(e.site_id, list); }
  list.push(e);
  if (list.length > CHANGES_PER_SITE) list.shift();

  const row = rows.get(e.site_id);
  if (row && row.site) {
    const site = {
      ...row.site,
      connectivity: e.connectivity,
      health: e.health,
      reasons: Array.isArray(e.reasons) ? e.reasons : [],
      status_since_ms: e.at_ms,
    };
    if (e.last_report_ms !== undefined) site.last_report_ms = e.last_report_ms;
    row.eventSeq = state.eventSeq;
    updateRow(row, site, serverNow());
    if (flashColor && !reducedMotion.matches) {
      row.tr.animate([{ backgroundColor: flashColor }], { duration: 1600, easing: 'ease-out' });
    }
  }
  if (e.site_id === state.selected) refreshDetailSoon();
  refreshSummarySoon();
  refreshPageSoon();
}

function resync() {
  refreshSummary();
  refreshPage();
  refreshDetail();
}

function setLive(live) {
  state.live = live;
  const el = $('live-status');
  setText(el, live);
  setAttr(el, 'data-state', live);
}

let source = null;
let retryDelay = 1000;
let retryTimer = null;

function connectLive() {
  clearTimeout(retryTimer);
  // EventSource cannot send headers: the API takes the token in the query on this route only.
  const token = accessToken();
  source = new EventSource(`${API}/events${token ? `?access_token=${encodeURIComponent(token)}` : ''}`);
  source.addEventListener('open', () => {
    retryDelay = 1000;
    setLive('live');
    resync(); // whatever changed while we were away
  });
  source.addEventListener('status', onStatus);
  source.addEventListener('lagged', resync);
  source.addEventListener('error', () => {
    if (state.live === 'live') state.gaps += 1;
    setLive('reconnecting');
    // The browser retries dropped streams itself; a refused one (e.g. 502 from
    // a proxy while the API restarts) is closed for good, so start over.
    if (source.readyState === EventSource.CLOSED) {
      source.close();
      retryTimer = setTimeout(connectLive, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 15000);
    }
  });
}

// ---- view state <-> controls and URL ---------------------------------------------

function saveHash() {
  const p = new URLSearchParams();
  if (state.connectivity.size) p.set('connectivity', CONNECTIVITY.filter((c) => state.connectivity.has(c)).join(','));
  if (state.health.size) p.set('health', HEALTH.filter((x) => state.health.has(x)).join(','));
  if (state.search) p.set('q', state.search);
  if (state.sort !== 'severity') p.set('sort', state.sort);
  if (state.limit !== DEFAULT_LIMIT) p.set('limit', String(state.limit));
  if (state.offset) p.set('offset', String(state.offset));
  if (state.selected) p.set('site', state.selected);
  const hash = p.toString();
  if (`#${hash}` !== (location.hash || '#')) {
    history.replaceState(null, '', hash ? `#${hash}` : location.pathname + location.search);
  }
}

function loadHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  const pick = (key, allowed) => new Set((p.get(key) || '').split(',').filter((v) => allowed.includes(v)));
  state.connectivity = pick('connectivity', CONNECTIVITY);
  state.health = pick('health', HEALTH);
  state.search = (p.get('q') || '').trim();
  state.sort = p.get('sort') === 'site_id' ? 'site_id' : 'severity';
  const limit = Number(p.get('limit'));
  state.limit = PAGE_SIZES.includes(limit) ? limit : DEFAULT_LIMIT;
  const offset = Number(p.get('offset'));
  state.offset = Number.isInteger(offset) && offset > 0 ? offset : 0;
  return p.get('site') || null;
}

function syncControls() {
  for (const input of document.querySelectorAll('#filters input[type=checkbox]')) {
    input.checked = (input.name === 'connectivity' ? state.connectivity : state.health).has(input.value);
  }
  const search = $('search');
  if (document.activeElement !== search) search.value = state.search;
  $('sort').value = state.sort;
  $('page-size').value = String(state.limit);
  for (const btn of document.querySelectorAll('.counter')) {
    const kind = btn.dataset.filterKind;
    const only = (set, other) => set.size === 1 && set.has(btn.dataset.filterValue) && other.size === 0;
    const pressed = kind === 'all'
      ? state.connectivity.size === 0 && state.health.size === 0
      : kind === 'connectivity' ? only(state.connectivity, state.health) : only(state.health, state.connectivity);
    btn.setAttribute('aria-pressed', String(pressed));
  }
}

/** After any filter/sort/page change: reflect it everywhere and fetch the new page now. */
function viewChanged({ resetOffset = true } = {}) {
  if (resetOffset) state.offset = 0;
  syncControls();
  saveHash();
  renderPager();
  if (pageAbort) pageAbort.abort();
  refreshPage();
  $('table-wrap').scrollTop = 0;
}

function wireControls() {
  $('filters').addEventListener('submit', (ev) => ev.preventDefault());
  $('filters').addEventListener('change', (ev) => {
    const t = ev.target;
    if (t.type === 'checkbox') {
      const set = t.name === 'connectivity' ? state.connectivity : state.health;
      if (t.checked) set.add(t.value); else set.delete(t.value);
      viewChanged();
    }
  });
  $('sort').addEventListener('change', (ev) => {
    state.sort = ev.target.value === 'site_id' ? 'site_id' : 'severity';
    viewChanged();
  });
  const onSearch = debounced(() => {
    const value = $('search').value.trim();
    if (value === state.search) return;
    state.search = value;
    viewChanged();
  }, 200, 600);
  $('search').addEventListener('input', onSearch);
  $('search').addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && $('search').value) { ev.stopPropagation(); $('search').value = ''; onSearch(); }
  });
  $('clear-filters').addEventListener('click', () => {
    state.connectivity.clear();
    state.health.clear();
    state.search = '';
    $('search').value = '';
    viewChanged();
  });
  for (const btn of document.querySelectorAll('.counter')) {
    btn.addEventListener('click', () => {
      const { filterKind: kind, filterValue: value } = btn.dataset;
      const wasPressed = btn.getAttribute('aria-pressed') === 'true';
      state.connectivity.clear();
      state.health.clear();
      if (kind !== 'all' && !wasPressed) (kind === 'connectivity' ? state.connectivity : state.health).add(value);
      viewChanged();
    });
  }
  $('page-size').addEventListener('change', (ev) => {
    const limit = Number(ev.target.value);
    state.limit = PAGE_SIZES.includes(limit) ? limit : DEFAULT_LIMIT;
    viewChanged();
  });
  $('page-first').addEventListener('click', () => { state.offset = 0; viewChanged({ resetOffset: false }); });
  $('page-prev').addEventListener('click', () => { state.offset = Math.max(0, state.offset - state.limit); viewChanged({ resetOffset: false }); });
  $('page-next').addEventListener('click', () => {
    if (state.total !== null && state.offset + state.limit < state.total) state.offset += state.limit;
    viewChanged({ resetOffset: false });
  });

  const tbody = $('site-rows');
  tbody.addEventListener('click', onRowsClick);
  tbody.addEventListener('keydown', onRowsKey);
  tbody.addEventListener('focusin', (ev) => {
    const tr = ev.target.closest('tr[data-site-id]');
    if (tr && tr.dataset.siteId !== state.cursor) setCursor(tr.dataset.siteId);
  });

  document.addEventListener('keydown', (ev) => {
    const typing = ev.target.closest('input, select, textarea');
    if (ev.key === '/' && !typing) { ev.preventDefault(); $('search').focus(); $('search').select(); }
    if (ev.key === 'Escape' && state.selected) closeDetail(false);
  });

  window.addEventListener('hashchange', () => {
    const site = loadHash();
    syncControls();
    if (site) openDetail(site); else closeDetail(false);
    refreshPage();
  });
}

// ---- theme -------------------------------------------------------------------

function applyTheme(theme) {
  if (theme === 'auto') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
  setText($('theme-toggle'), `theme: ${theme}`);
  readFlashColor();
}

function wireTheme() {
  let theme = 'auto';
  try { theme = localStorage.getItem('healthmon.theme') || 'auto'; } catch { /* storage disabled */ }
  if (!THEMES.includes(theme)) theme = 'auto';
  applyTheme(theme);
  $('theme-toggle').addEventListener('click', () => {
    theme = THEMES[(THEMES.indexOf(theme) + 1) % THEMES.length];
    try { localStorage.setItem('healthmon.theme', theme); } catch { /* storage disabled */ }
    applyTheme(theme);
  });
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', readFlashColor);
}

// ---- start -------------------------------------------------------------------

function tick() {
  if (document.hidden) return;
  const now = serverNow();
  for (const row of rows.values()) tickRow(row, now);
  if (state.selected) tickAll(panel(), now);
}

function start() {
  wireTheme();
  const site = loadHash();
  syncControls();
  wireControls();
  renderPager();
  setLive('connecting');
  connectLive();
  resync();
  if (site) openDetail(site);
  setInterval(tick, TICK_MS);
  setInterval(() => { if (!document.hidden) resync(); }, REFRESH_MS);
  document.addEventListener('visibilitychange', () => { if (!document.hidden) resync(); });
}

start();
