// The controls above and below the table: search, filter chips, summary
// counters (which filter too), sort, page size and pager, the keyboard
// shortcuts, and following the URL fragment when it changes.

import { closeDetail, openDetail } from './detail.js';
import { $ } from './dom.js';
import {
  DEFAULT_LIMIT, PAGE_SIZES, loadHash, saveHash, state,
} from './state.js';
import { abortPage, refreshPage, renderPager } from './table.js';
import { debounced } from './timing.js';

/** Reflects the view state in every control. */
export function syncControls() {
  for (const input of document.querySelectorAll('#filters input[type=checkbox]')) {
    input.checked = (input.name === 'connectivity' ? state.connectivity : state.health).has(input.value);
  }
  const search = $('search');
  if (document.activeElement !== search) search.value = state.search;
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

/** After any filter/sort/page change: reflect it everywhere and fetch the new page now. */
function viewChanged({ resetOffset = true } = {}) {
  if (resetOffset) state.offset = 0;
  syncControls();
  saveHash();
  renderPager();
  abortPage();
  refreshPage();
  $('table-wrap').scrollTop = 0;
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
  });
}
