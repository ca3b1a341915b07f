// The fleet summary in the top bar: one counter per connectivity and health,
// and maintenance, each a button that filters the table.

import { API, fetchJson } from './api.js';
import { dataArrived, dataFailed } from './banner.js';
import { $, setAttr, setText } from './dom.js';
import { state } from './state.js';
import { renderPager } from './table.js';
import { debounced, singleFlight } from './timing.js';

const KEYS = ['total', 'online', 'late', 'offline', 'unknown', 'healthy', 'degraded', 'critical', 'maintenance'];

async function loadSummary() {
  let s;
  try { s = await fetchJson(`${API}/summary`); } catch (e) { dataFailed(e); return; }
  dataArrived();
  for (const key of KEYS) {
    const n = Number(s[key]) || 0;
    const el = $(`count-${key}`);
    setText(el, String(n));
    setAttr(el.parentElement, 'data-count', n);
  }
  state.fleetTotal = Number(s.total) || 0;
  renderPager();
}
export const refreshSummary = singleFlight(loadSummary);
export const refreshSummarySoon = debounced(refreshSummary, 250, 1000);
