// Formatting and DOM building for the fleet page: no fetching, no timers.
//
// Everything from the API is put into the DOM with textContent/setAttribute
// (never innerHTML), so a site id or reason cannot inject markup. Rows are
// patched cell by cell and only when a value's text changes, so a refresh of
// the visible page or a burst of status events costs almost nothing.

export const CONNECTIVITY = ['offline', 'late', 'online', 'unknown'];
export const HEALTH = ['critical', 'degraded', 'healthy', 'unknown'];

/** Worst-first rank, the same as `healthmon_proto::status::severity_rank`. */
export function severityRank(connectivity, health) {
  if (connectivity === 'offline') return 0;
  if (health === 'critical') return 1;
  if (connectivity === 'late') return 2;
  if (health === 'degraded') return 3;
  if (connectivity !== 'online' || health !== 'healthy') return 4;
  return 5;
}

// ---- formatting -----------------------------------------------------------

const intFmt = new Intl.NumberFormat('en-US');
const pad2 = (n) => String(n).padStart(2, '0');

export function fmtInt(n) {
  return Number.isFinite(n) ? intFmt.format(n) : '–';
}

/** Compact elapsed time: `9s`, `4m 05s`, `2h 13m`, `3d 04h`. */
export function fmtAge(ms) {
  if (!Number.isFinite(ms)) return '–';
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${pad2(s % 60)}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${pad2(m % 60)}m`;
  return `${Math.floor(h / 24)}d ${pad2(h % 24)}h`;
}

/** Errors per minute: exact zero stays `0` so any non-zero rate stands out. */
export function fmtRate(x) {
  if (!Number.isFinite(x)) return '–';
  if (x === 0) return '0';
  if (x < 0.1) return '<0.1';
  if (x < 10) return x.toFixed(1);
  if (x < 10000) return String(Math.round(x));
  return `${(x / 1000).toFixed(0)}k`;
}

export function fmtBytes(n) {
  if (!Number.isFinite(n)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i += 1; }
  return `${n < 10 && i > 0 ? n.toFixed(1) : Math.round(n)} ${units[i]}`;
}

export function fmtPct(x) {
  return Number.isFinite(x) ? `${x < 10 ? x.toFixed(1) : Math.round(x)}%` : '–';
}

/** Local wall-clock time; the date is added when it is not today. */
export function fmtTime(ms) {
  if (!Number.isFinite(ms)) return '–';
  const d = new Date(ms);
  const t = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  const today = new Date();
  if (d.toDateString() === today.toDateString()) return t;
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${t}`;
}

export function fmtDuration(ms) {
  if (!Number.isFinite(ms)) return '–';
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

// ---- DOM helpers ----------------------------------------------------------

/** `h('li', {class: 'x', 'data-a': 1}, 'text', child)`; null/undefined/false attributes are skipped. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    el.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

export function badge(status, text = status) {
  return h('span', { class: 'badge', 'data-status': status }, text);
}

function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

function setAttr(el, name, value) {
  if (value === null || value === undefined) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
  } else if (el.getAttribute(name) !== String(value)) {
    el.setAttribute(name, value);
  }
}

// ---- site rows --------------------------------------------------------------

const COLUMNS = [
  ['site_id', 'site'],
  ['connectivity', 'status'],
  ['health', 'status'],
  ['reason', 'reason'],
  ['last_report', 'num age'],
  ['active_node', 'node'],
  ['connections', 'num'],
  ['script_errors', 'num'],
  ['alarm_errors', 'num'],
  ['sf_buffer', 'num'],
];

/** A table row for one site; `updateRow` fills it. */
export function createRow(siteId) {
  const tr = h('tr', { 'data-site-id': siteId, tabindex: -1 });
  const cells = {};
  for (const [col, cls] of COLUMNS) {
    const td = h('td', { 'data-col': col, class: cls });
    cells[col] = td;
    tr.append(td);
  }
  cells.connectivity.append(badge('unknown'));
  cells.health.append(badge('unknown'));
  // An admin's maintenance flag: shown beside the real health, which the
  // assessor keeps judging, so the operator sees both.
  const maintenance = badge('maintenance');
  maintenance.hidden = true;
  cells.health.append(' ', maintenance);
  const reasonText = h('span', { class: 'reason-text' });
  const more = h('span', { class: 'more' });
  cells.reason.append(reasonText, more);
  return { tr, cells, reasonText, more, maintenance, site: null };
}

function setBadge(cell, status) {
  const b = cell.firstElementChild;
  setAttr(b, 'data-status', status);
  setText(b, status);
}

/** Patches `row` to show `site` (a SiteSummary); only changed cells are touched. */
export function updateRow(row, site, nowMs) {
  row.site = site;
  const { tr, cells } = row;
  setAttr(tr, 'data-connectivity', site.connectivity);
  setAttr(tr, 'data-health', site.health);
  setAttr(tr, 'data-severity', severityRank(site.connectivity, site.health));
  setText(cells.site_id, site.site_id);
  setAttr(cells.site_id, 'title', site.site_id);
  setBadge(cells.connectivity, site.connectivity);
  setBadge(cells.health, site.health);
  row.maintenance.hidden = !site.maintenance;
  setAttr(tr, 'data-maintenance', site.maintenance ? 'true' : null);

  const reasons = site.reasons || [];
  setText(row.reasonText, reasons[0] || '');
  setText(row.more, reasons.length > 1 ? `+${reasons.length - 1}` : '');
  setAttr(cells.reason, 'title', reasons.length ? reasons.join('\n') : null);

  const reported = site.last_report_ms !== null && site.last_report_ms !== undefined;
  setText(cells.active_node, site.active_node || (reported ? 'none' : '–'));
  setAttr(cells.active_node, 'data-warn', reported && !site.active_node ? 'true' : null);
  setAttr(cells.active_node, 'title', site.active_node || null);

  const total = site.connections_total || 0;
  const up = site.connections_up || 0;
  setText(cells.connections, reported ? `${up}/${total}` : '–');
  setAttr(cells.connections, 'data-warn', up < total ? 'true' : null);

  // Rates are shown, not judged: the assessor's rules decide what is too
  // high and say so in health and reasons. Zero is dimmed so activity shows.
  setText(cells.script_errors, reported ? fmtRate(site.script_errors_per_min) : '–');
  setAttr(cells.script_errors, 'data-zero', site.script_errors_per_min === 0 ? 'true' : null);
  setText(cells.alarm_errors, reported ? fmtRate(site.alarm_errors_per_min) : '–');
  setAttr(cells.alarm_errors, 'data-zero', site.alarm_errors_per_min === 0 ? 'true' : null);
  setText(cells.sf_buffer, reported ? fmtInt(site.sf_buffer_total) : '–');
  setAttr(cells.sf_buffer, 'data-zero', site.sf_buffer_total === 0 ? 'true' : null);

  setAttr(cells.last_report, 'title', reported ? `received ${fmtTime(site.last_report_ms)}` : 'no report received');
  tickRow(row, nowMs);
}

/** Refreshes the ticking "time since last report" cell. */
export function tickRow(row, nowMs) {
  const site = row.site;
  const cell = row.cells.last_report;
  if (!site || site.last_report_ms === null || site.last_report_ms === undefined) {
    setText(cell, 'never');
    setAttr(cell, 'data-warn', null);
    return;
  }
  const age = nowMs - site.last_report_ms;
  setText(cell, fmtAge(age));
  // Past two intervals the row's status will soon say "late"; hint it already.
  const overdue = site.interval_ms ? age > 2 * site.interval_ms : false;
  setAttr(cell, 'data-warn', overdue ? 'true' : null);
}

// ---- site detail ------------------------------------------------------------

function section(title, extra, ...body) {
  return h('section', { class: 'detail-section' }, h('h3', {}, title, extra ? h('span', { class: 'h-extra' }, extra) : null), ...body);
}

function kv(rows) {
  return h('dl', { class: 'kv' }, rows.filter(Boolean).map(([k, v, metric, attrs]) => [
    h('dt', {}, k),
    h('dd', { 'data-metric': metric, ...(attrs || {}) }, v),
  ]));
}

/** Elements with `data-tick-from` show the time elapsed since that unix ms. */
function ticking(ms, attrs = {}) {
  return h('span', { 'data-tick-from': ms, ...attrs }, '');
}

function meter(label, pct, text, metric) {
  const level = pct >= 90 ? 'bad' : pct >= 75 ? 'warn' : 'ok';
  const bar = h('span', { class: 'meter-fill', 'data-level': level });
  bar.style.width = `${Math.max(0, Math.min(100, pct || 0))}%`;
  return h('div', { class: 'meter-row' },
    h('span', { class: 'meter-label' }, label),
    h('span', { class: 'meter', role: 'presentation' }, bar),
    h('span', { class: 'meter-value', 'data-metric': metric }, text));
}

/** The fixed head of the panel (kept while its body refreshes, so focus stays on "close"). */
export function detailHead(siteId, onClose) {
  const close = h('button', { type: 'button', class: 'ghost close', id: 'detail-close', 'aria-label': 'Close site detail' }, '✕');
  close.addEventListener('click', onClose);
  return h('header', { class: 'detail-head' },
    h('div', { class: 'detail-title-row' },
      h('h2', { id: 'detail-title', title: siteId }, siteId),
      close),
    h('div', { class: 'detail-status', id: 'detail-status' }));
}

/** Fills the status line and body of the panel from a SiteDetail and the recorded changes. */
export function renderDetail(panel, d, history, meta) {
  const status = panel.querySelector('#detail-status');
  status.replaceChildren(
    h('span', { 'data-field': 'connectivity' }, badge(d.connectivity)),
    h('span', { 'data-field': 'health' }, badge(d.health)),
    d.maintenance ? h('span', { 'data-field': 'maintenance' }, badge('maintenance')) : null,
    d.status_since_ms ? h('span', { class: 'muted' }, 'for ', ticking(d.status_since_ms)) : null,
  );
  panel.querySelector('#detail-body').replaceChildren(...detailSections(d, history, meta));
}

export function renderDetailMessage(panel, message) {
  panel.querySelector('#detail-status').replaceChildren();
  panel.querySelector('#detail-body').replaceChildren(h('p', { class: 'empty' }, message));
}

function detailSections(d, history, meta) {
  const r = d.report;
  const out = [];
  out.push(section('Reasons', null, d.reasons && d.reasons.length
    ? h('ul', { class: 'reasons', id: 'detail-reasons' }, d.reasons.map((x) => h('li', { 'data-reason': x }, x)))
    : h('p', { class: 'muted', id: 'detail-reasons' }, 'No rule is firing.')));

  if (!r) {
    out.push(section('Latest report', null, h('p', { class: 'muted' }, 'No report received from this site yet.')));
  } else {
    const skew = d.last_report_ms ? r.sent_at_ms - d.last_report_ms : null;
    out.push(section('Latest report', null, kv([
      ['received', d.last_report_ms ? h('span', {}, ticking(d.last_report_ms), ' ago · ', fmtTime(d.last_report_ms)) : 'never', 'last_report_ms'],
      ['interval', fmtDuration(r.interval_ms), 'interval_ms'],
      ['sequence', fmtInt(r.seq), 'seq'],
      ['lost reports', fmtInt(d.lost_reports), 'lost_reports', d.lost_reports > 0 ? { 'data-warn': 'true' } : null],
      ['collector', r.instance, 'instance'],
      ['site clock', `${fmtTime(r.sent_at_ms)}${skew !== null && Math.abs(skew) >= 2000 ? ` (${skew > 0 ? '+' : '−'}${fmtAge(Math.abs(skew))} vs central)` : ''}`, 'sent_at_ms'],
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
          h('td', { class: 'num', 'data-metric': 'script_errors.per_min' }, fmtRate(se.per_min)),
          h('td', { class: 'num', 'data-metric': 'script_errors.total' }, fmtInt(se.total))),
        h('tr', {}, h('th', { scope: 'row' }, 'alarm evaluation'),
          h('td', { class: 'num', 'data-metric': 'alarm_errors.per_min' }, fmtRate(ae.per_min)),
          h('td', { class: 'num', 'data-metric': 'alarm_errors.total' }, fmtInt(ae.total)))))));

    const sf = r.sf_buffer || {};
    const sfTotal = (sf.external || 0) + (sf.notification || 0) + (sf.db_write || 0);
    out.push(section('Store-and-forward', `${fmtInt(sfTotal)} pending`, kv([
      ['external', fmtInt(sf.external), 'sf_buffer.external'],
      ['notification', fmtInt(sf.notification), 'sf_buffer.notification'],
      ['db write', fmtInt(sf.db_write), 'sf_buffer.db_write'],
    ])));

    const res = r.resources;
    if (res) {
      const memPct = res.mem_total_bytes ? (100 * res.mem_used_bytes) / res.mem_total_bytes : 0;
      out.push(section('Host resources', null, h('div', { class: 'meters' },
        meter('cpu', res.cpu_pct, fmtPct(res.cpu_pct), 'resources.cpu_pct'),
        meter('memory', memPct, `${fmtBytes(res.mem_used_bytes)} / ${fmtBytes(res.mem_total_bytes)}`, 'resources.mem_used_bytes'),
        meter('disk', res.disk_used_pct, fmtPct(res.disk_used_pct), 'resources.disk_used_pct')),
      kv([['load (1 min)', Number.isFinite(res.load1) ? res.load1.toFixed(2) : '–', 'resources.load1']])));
    }

    const custom = Object.entries(r.custom || {});
    if (custom.length) {
      out.push(section('Custom metrics', null, kv(custom.map(([k, v]) => [k, Number.isInteger(v) ? fmtInt(v) : String(Math.round(v * 1000) / 1000), `custom.${k}`]))));
    }
  }

  out.push(section('Status changes', `since ${fmtTime(meta.openedAt)}`, historyList(history, meta)));
  return out;
}

function transition(prev, next) {
  if (!prev || prev === next) return badge(next);
  return h('span', { class: 'transition' }, badge(prev), h('span', { class: 'arrow', 'aria-label': 'to' }, '→'), badge(next));
}

function historyList(history, meta) {
  const items = (history || []).slice().reverse().map((e) => h('li', { 'data-history': e.at_ms },
    h('span', { class: 'when', title: fmtTime(e.at_ms) }, fmtTime(e.at_ms)),
    h('span', { class: 'what' },
      e.previous_connectivity !== e.connectivity ? transition(e.previous_connectivity, e.connectivity) : null,
      e.previous_health !== e.health ? transition(e.previous_health, e.health) : null,
      e.previous_connectivity === e.connectivity && e.previous_health === e.health ? h('span', { class: 'muted' }, 'reasons changed') : null),
    e.reasons && e.reasons.length ? h('span', { class: 'why' }, e.reasons.join('; ')) : null));
  const note = meta.gaps > 0
    ? h('p', { class: 'muted small' }, `The live connection dropped ${meta.gaps} time${meta.gaps > 1 ? 's' : ''}; changes during those gaps are not listed.`)
    : null;
  if (!items.length) return [h('p', { class: 'muted', id: 'detail-history' }, 'No change since the page was opened.'), note];
  return [h('ol', { class: 'history', id: 'detail-history' }, items), note];
}

/** Refreshes every `data-tick-from` element under `root`. */
export function tickAll(root, nowMs) {
  for (const el of root.querySelectorAll('[data-tick-from]')) {
    setText(el, fmtAge(nowMs - Number(el.getAttribute('data-tick-from'))));
  }
}
