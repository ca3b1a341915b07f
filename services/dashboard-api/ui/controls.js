// The controls above and below the table: search, filter chips, the
// acknowledged filter, the label filter and group-by (labels.js), summary
// counters (which filter too), sort, page size and pager, the keyboard
// shortcuts, and following the URL fragment when it changes.

import { closeDetail, openDetail } from './detail.js';
import { $ } from './dom.js';
import { syncLabels, wireLabels } from './labels.js';
import {
  ACK_FILTERS, DEFAULT_LIMIT, PAGE_SIZES, addLabel, loadHash, removeLabel, saveHash, state,
} from './state.js';
import { refreshSummary } from './summary.js';
import { abortPage, refreshPage, renderPager } from './table.js';
import { debounced } from './timing.js';

/** Reflects the view state in every control. */
export function syncControls() {
  for (const input of document.querySelectorAll('#filters input[type=checkbox]')) {
    input.checked = (input.name === 'connectivity' ? state.connectivity : state.health).has(input.value);
  }
  const search = $('search');
  if (document.activeElement !== search) search.value = state.search;
  $('filter-ack').value = state.acknowledged;
  syncLabels();
  $('sort').value = state.sort;
  $('page-size').value = String(state.limit);
  for (const btn of document.querySelectorAll('.counter[data-filter-kind]')) {
    const kind = btn.dataset.filterKind;
    const only = (set, other) => set.size === 1 && set.has(btn.dataset.filterValue) && other.size === 0;
    const pressed = kind === 'all'
      ? state.connectivity.size === 0 && state.health.size === 0
      : kind === 'connectivity' ? only(state.connectivity, state.health) : only(state.health, state.connectivity);
    btn.setAttribute('aria-pressed', String(pressed));
  }
}

/**
 * After any filter/sort/page change: reflect it everywhere and fetch the
 * new page now; label filters and grouping change the summary too.
 */
function viewChanged({ resetOffset = true, summary = false } = {}) {
  if (resetOffset) state.offset = 0;
  syncControls();
  saveHash();
  renderPager();
  abortPage();
  refreshPage();
  if (summary) refreshSummary();
  $('table-wrap').scrollTop = 0;
}

/** Filters by the label `key=value` (`on`), or stops (a tile or a label chip asked). */
export function filterByLabel(pair, on = true) {
  const changed = on ? addLabel(pair) : removeLabel(pair);
  if (changed) viewChanged({ summary: true });
}

export function wireControls() {
  $('filters').addEventListener('submit', (ev) => ev.preventDefault());
  $('filters').addEventListener('change', (ev) => {
    const t = ev.target;
    if (t.type === 'checkbox') {
      const set = t.name === 'connectivity' ? state.connectivity : state.health;
      if (t.checked) set.add(t.value); else set.delete(t.value);
      viewChanged();
    }
  });
  $('filter-ack').addEventListener('change', (ev) => {
    state.acknowledged = ACK_FILTERS.includes(ev.target.value) ? ev.target.value : '';
    viewChanged();
  });
  wireLabels(({ grouping = false } = {}) => {
    if (grouping) { syncControls(); saveHash(); refreshSummary(); } else viewChanged({ summary: true });
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
    const labels = state.labels.length > 0;
    state.connectivity.clear();
    state.health.clear();
    state.search = '';
    state.acknowledged = '';
    state.labels = [];
    $('search').value = '';
    viewChanged({ summary: labels });
  });
  for (const btn of document.querySelectorAll('.counter[data-filter-kind]')) {
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
    refreshSummary();
  });
}
