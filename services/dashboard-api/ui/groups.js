// The summary grouped by one label key (`summary?by=region`): a tile per
// value, worst first as the API orders them (most offline, then critical,
// late, degraded), each with its counts. A tile filters the table to its
// value; clicked again, it stops filtering.

import { $, h, setAttr, setText } from './dom.js';
import { fmtInt } from './format.js';
import { parseLabel, state } from './state.js';

let pick = () => {};

/** What the tile's colour stripe shows: the worst of its counts. */
function worst(c) {
  if (c.offline > 0) return 'offline';
  if (c.critical > 0) return 'critical';
  if (c.late > 0) return 'late';
  if (c.degraded > 0) return 'degraded';
  if (c.unknown > 0) return 'unknown';
  return 'ok';
}

const COUNTS = [
  ['offline', 'offline'], ['critical', 'critical'], ['late', 'late'],
  ['degraded', 'degraded'], ['unknown', 'unknown'], ['maintenance', 'maint.'],
];

function counts(g) {
  const c = {};
  for (const key of ['total', 'online', 'late', 'offline', 'unknown', 'healthy', 'degraded', 'critical', 'maintenance']) {
    c[key] = Number(g[key]) || 0;
  }
  return c;
}

function tile(key, g, filtered) {
  const c = counts(g);
  const value = typeof g.value === 'string' ? g.value : null;
  const pair = value === null ? null : `${key}=${value}`;
  const problems = COUNTS.filter(([k]) => c[k] > 0)
    .map(([k, label]) => h('span', { class: 'tile-count', 'data-status': k }, `${fmtInt(c[k])} ${label}`));
  const body = problems.length ? problems : [h('span', { class: 'tile-count muted' }, c.total ? 'all well' : 'no sites')];
  return h('button', {
    type: 'button',
    class: 'tile',
    'data-value': value === null ? '' : value,
    'data-band': worst(c),
    'aria-pressed': pair !== null && filtered === pair ? 'true' : 'false',
    // Sites without the label cannot be selected by a label filter.
    disabled: value === null,
    title: value === null
      ? `Sites without a ${key} label`
      : `${filtered === pair ? 'Stop showing only' : 'Show only'} sites with ${pair}`,
  },
  h('span', { class: 'tile-head' },
    h('span', { class: 'tile-value' }, value === null ? `no ${key}` : value),
    h('span', { class: 'tile-total' }, fmtInt(c.total))),
  h('span', { class: 'tile-counts' }, body));
}

/** Shows the groups of a `summary?by=` answer; hides the strip when not grouping. */
export function renderGroups(summary) {
  const section = $('groups');
  const key = state.by;
  if (!key || !summary || summary.by !== key) {
    section.hidden = true;
    $('group-tiles').replaceChildren();
    return;
  }
  const groups = Array.isArray(summary.groups) ? summary.groups : [];
  const filtered = state.labels.find((l) => parseLabel(l)[0] === key) || null;
  setText($('groups-title'), `By ${key}`);
  setAttr(section, 'data-by', key);
  $('group-tiles').replaceChildren(...(groups.length
    ? groups.map((g) => tile(key, g, filtered))
    : [h('p', { class: 'muted' }, 'No site to group.')]));
  section.hidden = false;
}

/** `onPick(pair, on)`: a tile was clicked, to filter by `key=value` (on) or stop. */
export function wireGroups({ onPick }) {
  pick = onPick;
  $('group-tiles').addEventListener('click', (ev) => {
    const t = ev.target.closest('.tile');
    if (!t || t.disabled) return;
    pick(`${state.by}=${t.dataset.value}`, t.getAttribute('aria-pressed') !== 'true');
  });
}
