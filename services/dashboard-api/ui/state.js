// The page's view state (filters, labels, grouping, sort, page, open site)
// and its URL fragment.
//
// The fragment (`#connectivity=offline,late&label=region%3Deu&by=region&site=plant-7`)
// holds the view, so a reload or a shared link shows the same filters,
// grouping, page and site.

import { CONNECTIVITY, HEALTH } from './format.js';

export const PAGE_SIZES = [50, 100, 250, 500];
export const DEFAULT_LIMIT = 100;
/** What the `acknowledged` filter may be: any, only acknowledged, only not. */
export const ACK_FILTERS = ['', 'true', 'false'];

/** A label key, as the API's rules have it (`[a-z_][a-z0-9_]{0,31}`, not `site`, not `__…`). */
const LABEL_KEY = /^[a-z_][a-z0-9_]{0,31}$/;
/** A value the label filter can carry: 1–64 characters, no comma, no control character. */
const LABEL_VALUE = /^[^,\u0000-\u001f\u007f-\u009f]{1,64}$/;

export const state = {
  connectivity: new Set(),
  health: new Set(),
  search: '',
  /** Label filters, `key=value`, one per key, all must match. */
  labels: [],
  /** `''`, `'true'` or `'false'`: the acknowledged filter. */
  acknowledged: '',
  /** The label key the summary is grouped by (`''`: not grouped). */
  by: '',
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
  return Boolean(state.connectivity.size || state.health.size || state.search
    || state.labels.length || state.acknowledged);
}

/** The chosen values of a filter, in the vocabulary's order. */
export function ordered(set, vocabulary) {
  return vocabulary.filter((v) => set.has(v)).join(',');
}

export function isLabelKey(key) {
  return typeof key === 'string' && LABEL_KEY.test(key) && key !== 'site' && !key.startsWith('__');
}

/** `key=value` as [key, value] when the label filter can carry it, else null. */
export function parseLabel(pair) {
  if (typeof pair !== 'string') return null;
  const cut = pair.indexOf('=');
  if (cut < 0) return null;
  const key = pair.slice(0, cut);
  const value = pair.slice(cut + 1);
  return isLabelKey(key) && LABEL_VALUE.test(value) ? [key, value] : null;
}

/**
 * Adds the label filter `pair`, replacing one of the same key (a site has
 * one value per key, so two would match nothing). False if it is not a
 * label or already there.
 */
export function addLabel(pair) {
  const parsed = parseLabel(pair);
  if (!parsed) return false;
  const [key, value] = parsed;
  const text = `${key}=${value}`;
  if (state.labels.includes(text)) return false;
  state.labels = [...state.labels.filter((l) => parseLabel(l)[0] !== key), text];
  return true;
}

export function removeLabel(pair) {
  const before = state.labels.length;
  state.labels = state.labels.filter((l) => l !== pair);
  return state.labels.length !== before;
}

/**
 * The filters as parameters, in one order for the API's query and the
 * fragment; `search` and `acknowledged` are the names they take there (the
 * fragment keeps its shorter `q` and `ack`).
 */
export function filterParams(search = 'search', acknowledged = 'acknowledged') {
  const p = new URLSearchParams();
  if (state.connectivity.size) p.set('connectivity', ordered(state.connectivity, CONNECTIVITY));
  if (state.health.size) p.set('health', ordered(state.health, HEALTH));
  if (state.search) p.set(search, state.search);
  for (const pair of state.labels) p.append('label', pair);
  if (state.acknowledged) p.set(acknowledged, state.acknowledged);
  return p;
}

export function saveHash() {
  const p = filterParams('q', 'ack');
  if (state.by) p.set('by', state.by);
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
  state.labels = [];
  for (const pair of p.getAll('label')) addLabel(pair);
  const ack = p.get('ack') || '';
  state.acknowledged = ACK_FILTERS.includes(ack) ? ack : '';
  const by = (p.get('by') || '').trim();
  state.by = isLabelKey(by) ? by : '';
  state.sort = p.get('sort') === 'site_id' ? 'site_id' : 'severity';
  const limit = Number(p.get('limit'));
  state.limit = PAGE_SIZES.includes(limit) ? limit : DEFAULT_LIMIT;
  const offset = Number(p.get('offset'));
  state.offset = Number.isInteger(offset) && offset > 0 ? offset : 0;
  return p.get('site') || null;
}
