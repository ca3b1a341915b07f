// The page's view state (filters, sort, page, open site) and its URL fragment.
//
// The fragment (`#connectivity=offline,late&site=plant-7`) holds the view,
// so a reload or a shared link shows the same filters, page and site.

import { CONNECTIVITY, HEALTH } from './format.js';

export const PAGE_SIZES = [50, 100, 250, 500];
export const DEFAULT_LIMIT = 100;

export const state = {
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
  eventSeq: 0,
};

/** site id → status events seen since the page was opened (oldest first). */
export const changes = new Map();

export function isFiltered() {
  return Boolean(state.connectivity.size || state.health.size || state.search);
}

/** The chosen values of a filter, in the vocabulary's order. */
export function ordered(set, vocabulary) {
  return vocabulary.filter((v) => set.has(v)).join(',');
}

export function saveHash() {
  const p = new URLSearchParams();
  if (state.connectivity.size) p.set('connectivity', ordered(state.connectivity, CONNECTIVITY));
  if (state.health.size) p.set('health', ordered(state.health, HEALTH));
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

/** Reads the view from the fragment; returns the site to open, if any. */
export function loadHash() {
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
