// The fleet table: fetching the visible page, reconciling its rows, the
// pager, the empty message, and moving through rows with the keyboard.
//
// The server owns filtering, sorting and paging; the page only ever holds
// the rows it shows (at most one page), so 100,000 sites cost what 100 do.

import { API, fetchJson, serverNow } from './api.js';
import { dataArrived, dataFailed } from './banner.js';
import { $, setAttr, setText } from './dom.js';
import { fmtInt } from './format.js';
import { noteLabels } from './labels.js';
import { createRow, tickRow, updateRow } from './rows.js';
import { filterParams, isFiltered, saveHash, state } from './state.js';
import { debounced, singleFlight } from './timing.js';

/** site id → row view, for the rows currently in the table. */
export const rows = new Map();

let open = () => {};
let pageAbort = null;

function listQuery() {
  const p = filterParams();
  p.set('sort', state.sort);
  p.set('limit', String(state.limit));
  p.set('offset', String(state.offset));
  return p.toString();
}

async function loadPage() {
  const query = listQuery();
  const seqAtStart = state.eventSeq;
  pageAbort = new AbortController();
  let page;
  try {
    page = await fetchJson(`${API}/sites?${query}`, pageAbort.signal);
  } catch (e) {
    if (e.name !== 'AbortError') dataFailed(e);
    return;
  }
  if (query !== listQuery()) return; // the view moved on; a newer run is queued
  dataArrived();
  const sites = Array.isArray(page.sites) ? page.sites : [];
  const total = Number(page.total) || 0;
  noteLabels(sites);
  if (sites.length === 0 && total > 0 && state.offset > 0) {
    // Sites went away under us: show the last page that exists.
    state.offset = Math.floor((total - 1) / state.limit) * state.limit;
    saveHash();
    refreshPage();
    return;
  }
  applyPage(sites, total, seqAtStart);
}
export const refreshPage = singleFlight(loadPage);
export const refreshPageSoon = debounced(refreshPage, 400, 1000);

/** Drops an in-flight page fetch whose view is no longer wanted. */
export function abortPage() {
  if (pageAbort) pageAbort.abort();
}

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
      ? { ...site, connectivity: row.site.connectivity, health: row.site.health, reasons: row.site.reasons, judgement: row.site.judgement, status_since_ms: row.site.status_since_ms }
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

/** Shows a status event on its row at once, if the row is on this page. */
export function patchRow(siteId, change) {
  const row = rows.get(siteId);
  if (!row || !row.site) return null;
  row.eventSeq = state.eventSeq;
  updateRow(row, { ...row.site, ...change }, serverNow());
  return row;
}

export function tickRows(nowMs) {
  for (const row of rows.values()) tickRow(row, nowMs);
}

export function renderPager() {
  const { total, offset, limit } = state;
  let info;
  if (total === null) info = 'loading…';
  else if (total === 0) info = '0 sites';
  else info = `${fmtInt(offset + 1)}–${fmtInt(Math.min(offset + limit, total))} of ${fmtInt(total)}`;
  if (total !== null && state.fleetTotal !== null) {
    // The counters (fleetTotal) count the sites the label filters select.
    const labels = state.labels.join(', ');
    const narrower = state.connectivity.size || state.health.size || state.search || state.acknowledged;
    if (narrower && labels) info += ` matching (${fmtInt(state.fleetTotal)} with ${labels})`;
    else if (narrower) info += ` matching (fleet: ${fmtInt(state.fleetTotal)})`;
    else if (labels) info += ` with ${labels}`;
  } else if (total !== null && isFiltered()) {
    info += ' matching';
  }
  setText($('page-info'), info);
  $('page-first').disabled = offset === 0;
  $('page-prev').disabled = offset === 0;
  $('page-next').disabled = total === null || offset + limit >= total;
}

function renderEmpty() {
  const empty = $('empty');
  if (state.total !== 0) { empty.hidden = true; return; }
  setText(empty, isFiltered()
    ? 'No site matches these filters.'
    : 'No site has reported yet. Sites appear here after their first health report.');
  empty.hidden = false;
}

// ---- selection and keyboard ---------------------------------------------------

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

/** Marks the row of the site shown in the detail panel. */
export function markSelected() {
  for (const [id, row] of rows) setAttr(row.tr, 'aria-current', id === state.selected ? 'true' : null);
}

/** Puts the keyboard back on the current row (after the panel closes). */
export function focusCursorRow() {
  const row = state.cursor && rows.get(state.cursor);
  if (row) row.tr.focus({ preventScroll: true });
}

function focusRow(tr) {
  if (!tr) return;
  setCursor(tr.dataset.siteId);
  tr.focus();
  if (state.selected) followSoon();
}
// With the panel open, moving through rows shows each site, without a fetch per keypress.
const followSoon = debounced(() => {
  if (state.selected && state.cursor && state.cursor !== state.selected) open(state.cursor);
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
    open(tr.dataset.siteId);
  }
}

function onRowsClick(ev) {
  const tr = ev.target.closest('tr[data-site-id]');
  if (!tr) return;
  setCursor(tr.dataset.siteId);
  open(tr.dataset.siteId);
}

/** Wires clicks and keys on rows; `onOpen(siteId)` shows a site's detail. */
export function wireTable({ onOpen }) {
  open = onOpen;
  const tbody = $('site-rows');
  tbody.addEventListener('click', onRowsClick);
  tbody.addEventListener('keydown', onRowsKey);
  tbody.addEventListener('focusin', (ev) => {
    const tr = ev.target.closest('tr[data-site-id]');
    if (tr && tr.dataset.siteId !== state.cursor) setCursor(tr.dataset.siteId);
  });
}
