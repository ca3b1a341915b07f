// The fleet summary in the top bar: one counter per connectivity and health,
// and maintenance, each a button that filters the table. With label
// filters it counts the sites that have those labels; grouped by a label
// key, it also feeds the tiles (groups.js); its open incidents feed the
// incident rows (incidents.js).

import { API, fetchJson } from './api.js';
import { dataArrived, dataFailed } from './banner.js';
import { $, setAttr, setText } from './dom.js';
import { renderGroups } from './groups.js';
import { renderIncidents } from './incidents.js';
import { parseLabel, state } from './state.js';
import { renderPager } from './table.js';
import { debounced, singleFlight } from './timing.js';

const KEYS = ['total', 'online', 'late', 'offline', 'unknown', 'healthy', 'degraded', 'critical', 'maintenance'];

function summaryPath(labels, by) {
  const p = new URLSearchParams();
  for (const pair of labels) p.append('label', pair);
  if (by) p.set('by', by);
  const query = p.toString();
  return `${API}/summary${query ? `?${query}` : ''}`;
}

/**
 * The counters count the sites the label filters select; the tiles count
 * every value of the grouped key, so a filter on that key itself is left
 * out of theirs (the other tiles stay, to pick another value). One request
 * when both are the same.
 */
async function loadSummary() {
  const by = state.by;
  const labels = state.labels;
  const others = labels.filter((l) => parseLabel(l)[0] !== by);
  const single = !by || others.length === labels.length;
  let s;
  let grouped = null;
  try {
    const counts = fetchJson(summaryPath(labels, single ? by : ''));
    const groups = single ? null : fetchJson(summaryPath(others, by));
    [s, grouped] = await Promise.all([counts, groups]);
  } catch (e) {
    dataFailed(e);
    return;
  }
  if (by !== state.by || labels !== state.labels) return; // the view moved on; a newer run is queued
  dataArrived();
  for (const key of KEYS) {
    const n = Number(s[key]) || 0;
    const el = $(`count-${key}`);
    setText(el, String(n));
    setAttr(el.parentElement, 'data-count', n);
  }
  setAttr($('summary'), 'data-labels', labels.length ? labels.join(', ') : null);
  setAttr($('summary'), 'title', labels.length ? `Sites with ${labels.join(' and ')}` : null);
  renderGroups(single ? s : grouped);
  renderIncidents(s);
  state.fleetTotal = Number(s.total) || 0;
  renderPager();
}
export const refreshSummary = singleFlight(loadSummary);
export const refreshSummarySoon = debounced(refreshSummary, 250, 1000);
