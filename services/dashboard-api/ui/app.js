// The fleet page's entry point: wires the modules together and runs the
// timers that keep the page current. No build step, no framework: each
// concern is an ES module of its own —
//   api.js      JSON API access, the access token, the central clock
//   live.js     the SSE stream of status events and its live/reconnecting state
//   banner.js   the banner when the API or the aggregator cannot be reached
//   summary.js  the counters in the top bar; groups.js its tiles per label value;
//               incidents.js its open incidents, a row each
//   table.js    the visible page of sites, pager and keyboard; rows.js one row
//   detail.js   the site detail panel; sections.js its building blocks;
//               fleet.js its acknowledgement, maintenance and labels, with
//               the admin actions on them; judgement.js flapping and
//               recovering badges, stale findings, the health score and
//               availability; uptime.js the 24 h sparkline from Prometheus
//   controls.js filters, search, sort, paging; labels.js the label filter
//               and group-by; state.js the view and URL fragment
//   format.js   how values read; dom.js, timing.js small helpers; theme.js
//
// Three things keep the page fresh:
//  - `status` events (SSE) patch a visible row at once, and schedule a
//    debounced refetch of the summary and of the visible page, because a
//    change can move a site into, out of or within the page;
//  - every REFRESH_MS (FAILING_REFRESH_MS while loads fail) the page, the
//    summary and the open site are refetched, because reports (rates,
//    buffers, last report) change without an event;
//  - a one-second tick advances every time shown (since, last report, and
//    reasons that count a silence).

import { onTokenChange, serverNow } from './api.js';
import { isFailing } from './banner.js';
import { filterByLabel, syncControls, wireControls } from './controls.js';
import {
  openDetail, refreshDetail, refreshDetailSoon, tickDetail, wireDetail,
} from './detail.js';
import { wireGroups } from './groups.js';
import { wireIncidents } from './incidents.js';
import { connectLive, reconnectLive } from './live.js';
import { changes, loadHash, state } from './state.js';
import { refreshSummary, refreshSummarySoon } from './summary.js';
import {
  patchRow, refreshPage, refreshPageSoon, renderPager, tickRows, wireTable,
} from './table.js';
import { flash, wireTheme } from './theme.js';

const REFRESH_MS = 5000;
const FAILING_REFRESH_MS = 2000;
const TICK_MS = 1000;
const CHANGES_PER_SITE = 100;

const reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)');

function resync() {
  refreshSummary();
  refreshPage();
  refreshDetail();
}

function onStatus(e) {
  state.eventSeq += 1;
  let list = changes.get(e.site_id);
  if (!list) { list = []; changes.set(e.site_id, list); }
  list.push(e);
  if (list.length > CHANGES_PER_SITE) list.shift();

  const change = {
    connectivity: e.connectivity,
    health: e.health,
    reasons: Array.isArray(e.reasons) ? e.reasons : [],
    judgement: e.judgement && typeof e.judgement === 'object' ? e.judgement : {},
  };
  // Only a new connectivity or health starts a new "since"; an event for
  // changed reasons alone keeps it.
  if (e.connectivity !== e.previous_connectivity || e.health !== e.previous_health) {
    change.status_since_ms = e.at_ms;
    // An acknowledgement holds for the state it was given for only.
    change.acknowledged = false;
  }
  if (e.last_report_ms !== undefined && e.last_report_ms !== null) change.last_report_ms = e.last_report_ms;
  const row = patchRow(e.site_id, change);
  if (row && flash() && !reducedMotion.matches) {
    row.tr.animate([{ backgroundColor: flash() }], { duration: 1600, easing: 'ease-out' });
  }
  if (e.site_id === state.selected) refreshDetailSoon();
  refreshSummarySoon();
  refreshPageSoon();
}

function tick() {
  if (document.hidden) return;
  const now = serverNow();
  tickRows(now);
  if (state.selected) tickDetail(now);
}

/** Refetches everything, sooner while loads fail so the banner clears as soon as data returns. */
function refreshLoop() {
  if (!document.hidden) resync();
  setTimeout(refreshLoop, isFailing() ? FAILING_REFRESH_MS : REFRESH_MS);
}

function start() {
  wireTheme();
  const site = loadHash();
  syncControls();
  wireControls();
  wireTable({ onOpen: openDetail });
  wireGroups({ onPick: filterByLabel });
  wireIncidents({ onPick: filterByLabel });
  // An admin action changes the registry, which every aggregator follows
  // within moments: look again now and once more shortly after.
  wireDetail({
    onLabel: filterByLabel,
    onAction: () => { resync(); setTimeout(resync, 700); },
  });
  renderPager();
  onTokenChange(() => { resync(); reconnectLive(); });
  connectLive({ onStatus, onOpen: resync, onLagged: resync });
  if (site) openDetail(site);
  setInterval(tick, TICK_MS);
  refreshLoop();
  document.addEventListener('visibilitychange', () => { if (!document.hidden) resync(); });
}

start();
