// The site detail panel: every metric of one site's latest report, its
// reasons, what the fleet registry holds of it (acknowledgement,
// maintenance, labels, with their admin actions: fleet.js), and the status
// changes seen since the page was opened.
//
// The head (site id, close button, status line) stays while the body
// refreshes, so keyboard focus survives a refresh; an identical answer is
// not re-rendered, and neither is a panel whose text is being selected or
// whose form is being filled in.

import { API, fetchJson, serverNow } from './api.js';
import { dataArrived, dataFailed } from './banner.js';
import { $, badge, h, present, setText } from './dom.js';
import { editing, fleetBadges, fleetSections } from './fleet.js';
import {
  fmtAge, fmtBytes, fmtDuration, fmtInt, fmtPct, fmtRate, fmtTime, healthIsLastKnown, liveReason, num,
} from './format.js';
import { detailJudgementBadges, judgementSections } from './judgement.js';
import { noteLabels } from './labels.js';
import { uptimeSection } from './uptime.js';
import { kv, section, ticking } from './sections.js';
import { changes, saveHash, state } from './state.js';
import { focusCursorRow, markSelected } from './table.js';
import { debounced, singleFlight } from './timing.js';

const panel = () => $('site-detail');
/** What the panel shows now, to skip rebuilding it for an identical answer. */
let detailKey = '';
let onLabel = () => {};
let onAction = () => {};

/**
 * `onLabel(pair)`: a label chip was clicked (filter by it); `onAction()`:
 * an admin action was answered (refetch what it may have changed).
 */
export function wireDetail(handlers) {
  onLabel = handlers.onLabel;
  onAction = handlers.onAction;
}

/** After an action: show its outcome now, and the registry's change as it arrives. */
function actionDone() {
  detailKey = '';
  refreshDetail();
  onAction();
}

export function openDetail(id) {
  if (!id) return;
  if (state.selected !== id) {
    state.selected = id;
    detailKey = '';
    const p = panel();
    p.replaceChildren(detailHead(id), h('div', { class: 'detail-body', id: 'detail-body' }, h('p', { class: 'muted' }, 'Loading…')));
    p.setAttribute('data-site-id', id);
    p.hidden = false;
    document.body.classList.add('with-detail');
    markSelected();
    saveHash();
  }
  refreshDetail();
}

export function closeDetail(restoreFocus) {
  if (!state.selected) return;
  const p = panel();
  const hadFocus = p.contains(document.activeElement);
  state.selected = null;
  p.hidden = true;
  p.replaceChildren();
  p.removeAttribute('data-site-id');
  document.body.classList.remove('with-detail');
  markSelected();
  saveHash();
  if (restoreFocus || hadFocus) focusCursorRow();
}

async function loadDetail() {
  const id = state.selected;
  if (!id) return;
  let d;
  try {
    d = await fetchJson(`${API}/sites/${encodeURIComponent(id)}`);
  } catch (e) {
    if (id !== state.selected) return;
    if (e.status === 404) {
      dataArrived();
      renderMessage(`The aggregator does not know site "${id}" (never seen, or forgotten).`);
    } else {
      dataFailed(e);
    }
    return;
  }
  if (id !== state.selected) return;
  dataArrived();
  noteLabels([d]);
  const list = changes.get(id);
  const key = `${JSON.stringify(d)}|${list ? list.length : 0}|${state.gaps}`;
  // Rebuilding would drop a text selection (say, a collector id being copied)
  // or the focus of a field being typed in; the next refresh catches up.
  const selection = document.getSelection();
  const selecting = selection && !selection.isCollapsed && panel().contains(selection.anchorNode);
  if (key === detailKey || selecting || editing(panel())) return;
  detailKey = key;
  render(d, list);
  tickDetail(serverNow());
}
export const refreshDetail = singleFlight(loadDetail);
export const refreshDetailSoon = debounced(refreshDetail, 200, 1000);

/** Refreshes everything in the panel that counts time. */
export function tickDetail(nowMs) {
  const p = panel();
  if (p.hidden) return;
  for (const el of p.querySelectorAll('[data-tick-from]')) {
    setText(el, fmtAge(nowMs - Number(el.getAttribute('data-tick-from'))));
  }
  for (const el of p.querySelectorAll('[data-tick-to]')) {
    setText(el, fmtAge(Number(el.getAttribute('data-tick-to')) - nowMs));
  }
  for (const el of p.querySelectorAll('[data-reason]')) {
    const last = el.getAttribute('data-last-report');
    setText(el, liveReason(el.getAttribute('data-reason'), last === null ? NaN : Number(last), nowMs));
  }
}

// ---- rendering -----------------------------------------------------------------

function meter(label, pct, text, metric) {
  const level = pct >= 90 ? 'bad' : pct >= 75 ? 'warn' : 'ok';
  const bar = h('span', { class: 'meter-fill', 'data-level': level });
  bar.style.width = `${Math.max(0, Math.min(100, Number.isFinite(pct) ? pct : 0))}%`;
  return h('div', { class: 'meter-row' },
    h('span', { class: 'meter-label' }, label),
    h('span', { class: 'meter', role: 'presentation' }, bar),
    h('span', { class: 'meter-value', 'data-metric': metric }, text));
}

/** The fixed head of the panel (kept while its body refreshes, so focus stays on "close"). */
function detailHead(siteId) {
  const close = h('button', { type: 'button', class: 'ghost close', id: 'detail-close', 'aria-label': 'Close site detail' }, '✕');
  close.addEventListener('click', () => closeDetail(true));
  return h('header', { class: 'detail-head' },
    h('div', { class: 'detail-title-row' },
      h('h2', { id: 'detail-title', title: siteId }, siteId),
      close),
    h('div', { class: 'detail-status', id: 'detail-status' }));
}

/** Connectivity, health (last known for a silent site), maintenance, acknowledged, and for how long. */
function statusLine(d) {
  const lastKnown = healthIsLastKnown(d.connectivity, d.health);
  const last = num(d.last_report_ms);
  const health = badge(d.health);
  if (lastKnown) health.setAttribute('data-last-known', 'true');
  const since = num(d.status_since_ms);
  return present([
    h('span', { 'data-field': 'connectivity' }, badge(d.connectivity)),
    h('span', { 'data-field': 'health' }, health, ' ',
      lastKnown ? h('span', { class: 'as-of' }, Number.isFinite(last) ? `last known, as of ${fmtTime(last)}` : 'last known') : null),
    fleetBadges(d),
    detailJudgementBadges(d),
    Number.isFinite(since) ? h('span', { class: 'muted', 'data-field': 'since' }, 'for ', ticking(since)) : null,
  ]);
}

/** Fills the status line and body of the panel from a SiteDetail and the recorded changes. */
function render(d, history) {
  const p = panel();
  p.querySelector('#detail-status').replaceChildren(...statusLine(d));
  p.querySelector('#detail-body').replaceChildren(...sections(d, history));
}

function renderMessage(message) {
  const p = panel();
  p.querySelector('#detail-status').replaceChildren();
  p.querySelector('#detail-body').replaceChildren(h('p', { class: 'empty' }, message));
}

function sections(d, history) {
  const r = d.report;
  const out = [];
  const reasons = Array.isArray(d.reasons) ? d.reasons : [];
  out.push(section('Reasons', null, reasons.length
    ? h('ul', { class: 'reasons', id: 'detail-reasons' }, reasons.map((x) => h('li', { 'data-reason': x, 'data-last-report': d.last_report_ms }, x)))
    : h('p', { class: 'muted', id: 'detail-reasons' }, 'No rule is firing.')));
  out.push(...judgementSections(d));
  out.push(uptimeSection(d.site_id));
  out.push(...present(fleetSections(d, { onLabel: (pair) => onLabel(pair), onDone: actionDone })));

  if (!r) {
    const never = Array.isArray(d.reasons) && d.reasons.includes('never reported');
    const none = never ? 'This site has never reported.' : 'No report from this site since the central services started.';
    out.push(section('Latest report', null, h('p', { class: 'muted' }, none)));
  } else {
    const last = num(d.last_report_ms);
    const skew = Number.isFinite(last) ? num(r.sent_at_ms) - last : NaN;
    out.push(section('Latest report', null, kv([
      ['received', Number.isFinite(last) ? h('span', {}, ticking(last), ' ago · ', fmtTime(last)) : 'never', 'last_report_ms'],
      ['interval', fmtDuration(num(r.interval_ms)), 'interval_ms'],
      ['sequence', fmtInt(num(r.seq)), 'seq'],
      ['lost reports', fmtInt(num(d.lost_reports)), 'lost_reports', d.lost_reports > 0 ? { 'data-warn': 'true' } : null],
      ['collector', r.instance || '–', 'instance'],
      ['site clock', `${fmtTime(num(r.sent_at_ms))}${Math.abs(skew) >= 2000 ? ` (${skew > 0 ? '+' : '−'}${fmtAge(Math.abs(skew))} vs central)` : ''}`, 'sent_at_ms'],
    ])));

    const nodes = r.nodes || [];
    out.push(section('Nodes', nodes.some((n) => n.role === 'active') ? null : 'no active node',
      nodes.length
        ? h('ul', { class: 'items', id: 'detail-nodes' }, nodes.map((n) => h('li', { 'data-node': n.name, 'data-role': n.role },
          h('span', { class: 'item-name' }, n.name), h('span', { class: 'role', 'data-role': n.role }, n.role))))
        : h('p', { class: 'muted' }, 'No nodes reported.')));

    const conns = [...(r.connections || [])].sort((a, b) => (a.connected - b.connected) || a.name.localeCompare(b.name));
    const up = conns.filter((c) => c.connected).length;
    out.push(section('Data connections', conns.length ? `${up}/${conns.length} up` : null,
      conns.length
        ? h('ul', { class: 'items', id: 'detail-connections' }, conns.map((c) => h('li', { 'data-connection': c.name, 'data-connected': String(c.connected) },
          h('span', { class: 'item-name' }, c.name), badge(c.connected ? 'connected' : 'disconnected'))))
        : h('p', { class: 'muted' }, 'No data connections reported.')));

    const se = r.script_errors || {};
    const ae = r.alarm_errors || {};
    out.push(section('Errors', null, h('table', { class: 'mini' },
      h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', { class: 'num' }, 'per min'), h('th', { class: 'num' }, 'total'))),
      h('tbody', {},
        h('tr', {}, h('th', { scope: 'row' }, 'script'),
          h('td', { class: 'num', 'data-metric': 'script_errors.per_min' }, fmtRate(num(se.per_min))),
          h('td', { class: 'num', 'data-metric': 'script_errors.total' }, fmtInt(num(se.total)))),
        h('tr', {}, h('th', { scope: 'row' }, 'alarm evaluation'),
          h('td', { class: 'num', 'data-metric': 'alarm_errors.per_min' }, fmtRate(num(ae.per_min))),
          h('td', { class: 'num', 'data-metric': 'alarm_errors.total' }, fmtInt(num(ae.total))))))));

    const sf = r.sf_buffer || {};
    const sfTotal = (num(sf.external) || 0) + (num(sf.notification) || 0) + (num(sf.db_write) || 0);
    out.push(section('Store-and-forward', `${fmtInt(sfTotal)} pending`, kv([
      ['external', fmtInt(num(sf.external)), 'sf_buffer.external'],
      ['notification', fmtInt(num(sf.notification)), 'sf_buffer.notification'],
      ['db write', fmtInt(num(sf.db_write)), 'sf_buffer.db_write'],
    ])));

    const res = r.resources;
    if (res) {
      const memPct = res.mem_total_bytes ? (100 * num(res.mem_used_bytes)) / res.mem_total_bytes : 0;
      out.push(section('Host resources', null, h('div', { class: 'meters' },
        meter('cpu', num(res.cpu_pct), fmtPct(num(res.cpu_pct)), 'resources.cpu_pct'),
        meter('memory', memPct, `${fmtBytes(num(res.mem_used_bytes))} / ${fmtBytes(num(res.mem_total_bytes))}`, 'resources.mem_used_bytes'),
        meter('disk', num(res.disk_used_pct), fmtPct(num(res.disk_used_pct)), 'resources.disk_used_pct')),
      kv([['load (1 min)', Number.isFinite(num(res.load1)) ? res.load1.toFixed(2) : '–', 'resources.load1']])));
    }

    const custom = Object.entries(r.custom || {});
    if (custom.length) {
      out.push(section('Custom metrics', null, kv(custom.map(([k, v]) => [k, Number.isInteger(v) ? fmtInt(v) : fmtRate3(v), `custom.${k}`]))));
    }
  }

  out.push(section('Status changes', `since ${fmtTime(state.openedAt)}`, historyList(history)));
  return out;
}

/** A custom gauge to three decimals at most. */
function fmtRate3(v) {
  return Number.isFinite(v) ? String(Math.round(v * 1000) / 1000) : '–';
}

function transition(prev, next) {
  if (!prev || prev === next) return badge(next);
  return h('span', { class: 'transition' }, badge(prev), h('span', { class: 'arrow', 'aria-label': 'to' }, '→'), badge(next));
}

function historyList(history) {
  const items = (history || []).slice().reverse().map((e) => h('li', { 'data-history': e.at_ms },
    h('span', { class: 'when', title: fmtTime(e.at_ms) }, fmtTime(e.at_ms)),
    h('span', { class: 'what' },
      e.previous_connectivity !== e.connectivity ? transition(e.previous_connectivity, e.connectivity) : null,
      e.previous_health !== e.health ? transition(e.previous_health, e.health) : null,
      e.previous_connectivity === e.connectivity && e.previous_health === e.health ? h('span', { class: 'muted' }, 'reasons changed') : null),
    e.reasons && e.reasons.length ? h('span', { class: 'why' }, e.reasons.join('; ')) : null));
  const note = state.gaps > 0
    ? h('p', { class: 'muted small' }, `The live connection dropped ${state.gaps} time${state.gaps > 1 ? 's' : ''}; changes during those gaps are not listed.`)
    : null;
  if (!items.length) return present([h('p', { class: 'muted', id: 'detail-history' }, 'No change since the page was opened.'), note]);
  return present([h('ol', { class: 'history', id: 'detail-history' }, items), note]);
}
