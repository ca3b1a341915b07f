// One site's row in the fleet table: built once, then patched cell by cell
// and only where a value's text changes, so a refresh of the visible page
// or a burst of status events costs almost nothing. Beside its health a row
// is marked `maintenance` or `ack` (acknowledged), `flapping` or
// `recovering` (see judgement.js); its labels are the site
// id's tooltip (the detail panel lists them), so the row's width stays
// with status, since and reason.
//
// Each cell carries `data-priority` (1 = always shown): on narrower screens
// style.css hides the lower priorities, and below 600 px turns rows into
// cards, so Site, status, since and reason stay visible at every width.

import { badge, h, setAttr, setText } from './dom.js';
import { judgementBadges, updateJudgementBadges } from './judgement.js';
import {
  band, fmtAge, fmtInt, fmtRate, fmtTime, healthIsLastKnown, liveReason, num,
} from './format.js';

/** [key, class, priority, card label] of every column, in table order. */
const COLUMNS = [
  ['site_id', 'site', 1, null],
  ['connectivity', 'status', 1, null],
  ['health', 'status health', 1, null],
  ['since', 'num age', 1, 'for'],
  ['reason', 'reason', 1, null],
  ['last_report', 'num age', 2, 'last report'],
  ['active_node', 'node', 3, 'active'],
  ['connections', 'num', 3, 'conns'],
  ['script_errors', 'num', 4, 'script err/min'],
  ['alarm_errors', 'num', 4, 'alarm err/min'],
  ['sf_buffer', 'num', 4, 's&f'],
];

/** A table row for one site; `updateRow` fills it. */
export function createRow(siteId) {
  const tr = h('tr', { 'data-site-id': siteId, tabindex: -1, role: 'row' });
  const cells = {};
  for (const [col, cls, priority, label] of COLUMNS) {
    const td = h('td', { 'data-col': col, class: cls, 'data-priority': priority, 'data-label': label, role: 'cell' });
    cells[col] = td;
    tr.append(td);
  }
  cells.connectivity.append(badge('unknown'));
  const health = badge('unknown');
  // An admin's maintenance flag: shown beside the real health, which the
  // assessor keeps judging, so the operator sees both.
  const maintenance = badge('maintenance');
  maintenance.hidden = true;
  // Someone is on its problem: who, when and why are in the detail panel.
  const ack = badge('acknowledged', 'ack');
  ack.hidden = true;
  setAttr(ack, 'title', 'Acknowledged: someone is on it (open the site for who, when and the note)');
  const asOf = h('span', { class: 'as-of' });
  const judged = judgementBadges();
  cells.health.append(health, ' ', maintenance, ' ', ack, ' ', judged.flapping, ' ', judged.recovering, ' ', asOf);
  const reasonText = h('span', { class: 'reason-text' });
  const more = h('span', { class: 'more' });
  cells.reason.append(reasonText, more);
  return { tr, cells, health, reasonText, more, maintenance, ack, asOf, judged, site: null };
}

/** A site's labels as one line of text (`region=eu-west · tier=gold`), '' for none. */
function labelLine(site) {
  const labels = site.labels && typeof site.labels === 'object' ? site.labels : {};
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(' · ');
}

function setBadge(b, status) {
  setAttr(b, 'data-status', status);
  setText(b, status);
}

function reported(site) {
  return Number.isFinite(num(site.last_report_ms));
}

/** Patches `row` to show `site` (a SiteSummary); only changed cells are touched. */
export function updateRow(row, site, nowMs) {
  row.site = site;
  const { tr, cells } = row;
  const connectivity = String(site.connectivity || 'unknown');
  const health = String(site.health || 'unknown');
  setAttr(tr, 'data-connectivity', connectivity);
  setAttr(tr, 'data-health', health);
  setAttr(tr, 'data-band', band(connectivity, health));
  setText(cells.site_id, site.site_id);
  // Labels are what a site is, not how it is: the tooltip and the detail
  // panel carry them, so the row's width stays with status and reason.
  const labels = labelLine(site);
  setAttr(cells.site_id, 'title', labels ? `${site.site_id}\n${labels}` : site.site_id);
  setBadge(cells.connectivity.firstElementChild, connectivity);
  setBadge(row.health, health);
  row.maintenance.hidden = !site.maintenance;
  setAttr(tr, 'data-maintenance', site.maintenance ? 'true' : null);
  row.ack.hidden = !site.acknowledged;
  setAttr(tr, 'data-acknowledged', site.acknowledged ? 'true' : null);
  updateJudgementBadges(row.judged, site);

  // A silent site's health is what it was when it last reported: greyed,
  // and said to be as of that report.
  const lastKnown = healthIsLastKnown(connectivity, health);
  const has = reported(site);
  setAttr(row.health, 'data-last-known', lastKnown ? 'true' : null);
  setText(row.asOf, lastKnown ? (has ? `as of ${fmtTime(site.last_report_ms)}` : 'last known') : '');
  setAttr(cells.health, 'title', lastKnown
    ? `Last known health: the site has sent nothing since ${has ? fmtTime(site.last_report_ms) : 'it was first seen'}`
    : null);

  setText(cells.active_node, site.active_node || (has ? 'none' : '–'));
  setAttr(cells.active_node, 'data-warn', has && !site.active_node ? 'true' : null);
  setAttr(cells.active_node, 'title', site.active_node || null);

  const total = num(site.connections_total);
  const up = num(site.connections_up);
  setText(cells.connections, has ? `${fmtInt(up)}/${fmtInt(total)}` : '–');
  setAttr(cells.connections, 'data-warn', up < total ? 'true' : null);

  // Rates are shown, not judged: the assessor's rules decide what is too
  // high and say so in health and reasons. Zero is dimmed so activity shows.
  for (const [col, value] of [
    ['script_errors', num(site.script_errors_per_min)],
    ['alarm_errors', num(site.alarm_errors_per_min)],
    ['sf_buffer', num(site.sf_buffer_total)],
  ]) {
    setText(cells[col], has ? (col === 'sf_buffer' ? fmtInt(value) : fmtRate(value)) : '–');
    setAttr(cells[col], 'data-zero', value === 0 ? 'true' : null);
  }

  setAttr(cells.last_report, 'title', has ? `received ${fmtTime(site.last_report_ms)}` : 'no report received');
  const since = num(site.status_since_ms);
  setAttr(cells.since, 'title', Number.isFinite(since) ? `in this state since ${fmtTime(since)}` : null);
  tickRow(row, nowMs);
}

/** Refreshes what changes with time: since, last report, and reasons that count a silence. */
export function tickRow(row, nowMs) {
  const site = row.site;
  if (!site) return;
  const since = num(site.status_since_ms);
  setText(row.cells.since, Number.isFinite(since) ? fmtAge(nowMs - since) : '–');

  const reasons = Array.isArray(site.reasons) ? site.reasons : [];
  const last = num(site.last_report_ms);
  const now = reasons.map((r) => liveReason(r, last, nowMs));
  setText(row.reasonText, now[0] || '');
  setText(row.more, now.length > 1 ? `+${now.length - 1}` : '');
  setAttr(row.cells.reason, 'title', now.length ? now.join('\n') : null);

  const cell = row.cells.last_report;
  if (!Number.isFinite(last)) {
    // "never" only for a site that never reported; one the centre has not
    // heard since it started reported before (its reason says so).
    setText(cell, reasons.includes('never reported') ? 'never' : '–');
    setAttr(cell, 'data-warn', null);
    return;
  }
  const age = nowMs - last;
  setText(cell, fmtAge(age));
  // Past two intervals the row's status will soon say "late"; hint it already.
  const interval = num(site.interval_ms);
  setAttr(cell, 'data-warn', interval > 0 && age > 2 * interval ? 'true' : null);
}
