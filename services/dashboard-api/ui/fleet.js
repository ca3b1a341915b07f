// The site detail's sections from the fleet registry: its labels, its
// maintenance window (reason, who set it, since when and the time left,
// ticking, or open-ended) and its acknowledgement (who, when, the note),
// with the admin actions on them: acknowledge with a note or withdraw,
// start maintenance for a while with a reason or end it.
//
// The page has no notion of roles: it sends the request, and when the API
// refuses (403 for a viewer, 409, 503 while the registry is unavailable)
// it shows the API's own message where the action was tried. What was
// typed and the last outcome are kept per site, so the panel's periodic
// refresh never wipes them.

import { API, sendJson, serverNow } from './api.js';
import { badge, h } from './dom.js';
import { fmtTime } from './format.js';
import {
  countdown, kv, section, ticking,
} from './sections.js';

/** [label, ms] of the maintenance durations offered; 0 is open-ended. */
const DURATIONS = [
  ['30 minutes', 30 * 60_000], ['1 hour', 3_600_000], ['4 hours', 4 * 3_600_000],
  ['1 day', 86_400_000], ['1 week', 7 * 86_400_000], ['open-ended', 0],
];
const MAX_TEXT = 200;

/** site id → { note, reason, duration, messages: { ack, maintenance } }. */
const drafts = new Map();

function draftOf(siteId) {
  let d = drafts.get(siteId);
  if (!d) {
    d = {
      note: '', reason: '', duration: String(3_600_000), open: false, messages: {},
    };
    drafts.set(siteId, d);
  }
  return d;
}

const has = (obj, key) => Object.prototype.hasOwnProperty.call(obj, key);

/** What an operator reads when an action fails, from the API's answer. */
function failure(e, doing) {
  if (e.status === 403) return `Only an admin can ${doing}. The API said: ${e.message}`;
  if (e.status === 0) return `Could not ${doing}: the dashboard API cannot be reached.`;
  return `Could not ${doing}: ${e.message}`;
}

/** How long a success stays said; a failure stays until the next try. */
const OK_SHOWN_MS = 10_000;

function messageEl(siteId, kind) {
  let m = draftOf(siteId).messages[kind];
  if (m && m.kind === 'ok' && Date.now() - m.at > OK_SHOWN_MS) m = null;
  return h('p', {
    class: 'action-msg',
    'data-action': kind,
    'data-kind': m ? m.kind : null,
    role: m && m.kind === 'error' ? 'alert' : 'status',
  }, m ? m.text : '');
}

/**
 * Runs one admin action from `form`: its buttons are disabled meanwhile,
 * and its outcome is shown in the section's message line (and kept).
 */
async function act(form, { siteId, kind, doing, done, method, path, body, onDone }) {
  const draft = draftOf(siteId);
  const msg = form.closest('.detail-section').querySelector('.action-msg');
  const buttons = [...form.querySelectorAll('button')];
  for (const b of buttons) b.disabled = true;
  let outcome;
  try {
    await sendJson(method, `${API}/sites/${encodeURIComponent(siteId)}/${path}`, body);
    outcome = { kind: 'ok', text: done, at: Date.now() };
    if (kind === 'ack') draft.note = '';
    if (kind === 'maintenance') { draft.reason = ''; draft.open = false; }
  } catch (e) {
    outcome = { kind: 'error', text: failure(e, doing), at: Date.now() };
  }
  draft.messages[kind] = outcome;
  for (const b of buttons) b.disabled = false;
  if (msg) {
    msg.textContent = outcome.text;
    msg.setAttribute('data-kind', outcome.kind);
    msg.setAttribute('role', outcome.kind === 'error' ? 'alert' : 'status');
  }
  onDone();
}

function labelsSection(d, onLabel) {
  const labels = Object.entries(d.labels && typeof d.labels === 'object' ? d.labels : {});
  const declared = (d.registry && d.registry.labels) || {};
  if (!labels.length) return section('Labels', null, h('p', { class: 'muted', id: 'detail-labels' }, 'No labels.'));
  const list = h('ul', { class: 'label-list', id: 'detail-labels' }, labels.map(([k, v]) => {
    const fromSite = !has(declared, k);
    return h('li', {}, h('button', {
      type: 'button',
      class: 'label-chip',
      'data-label': `${k}=${v}`,
      'data-source': fromSite ? 'site' : 'registry',
      title: `Show only sites with ${k}=${v}${fromSite ? ' (sent by the site itself)' : ''}`,
    }, `${k}=${v}`));
  }));
  list.addEventListener('click', (ev) => {
    const chip = ev.target.closest('[data-label]');
    if (chip) onLabel(chip.dataset.label);
  });
  return section('Labels', null, list);
}

function maintenanceSection(d, onDone) {
  const siteId = d.site_id;
  const w = d.maintenance_window;
  const msg = messageEl(siteId, 'maintenance');
  if (w && typeof w === 'object') {
    const until = typeof w.until_ms === 'number' ? w.until_ms : null;
    const end = h('form', { class: 'action' }, h('button', { type: 'submit', class: 'ghost', id: 'maintenance-end' }, 'end maintenance'));
    end.addEventListener('submit', (ev) => {
      ev.preventDefault();
      act(end, {
        siteId, kind: 'maintenance', doing: 'end maintenance', done: 'Maintenance ended.', method: 'DELETE', path: 'maintenance', onDone,
      });
    });
    return section('Maintenance', until === null ? 'open-ended' : h('span', {}, 'ends in ', countdown(until)),
      kv([
        ['reason', w.reason || 'none given', 'maintenance.reason'],
        ['set by', w.by || '–', 'maintenance.by'],
        ['since', typeof w.since_ms === 'number' ? h('span', {}, fmtTime(w.since_ms), ' · ', ticking(w.since_ms), ' ago') : '–', 'maintenance.since_ms'],
        ['until', until === null ? 'open-ended: until an admin ends it' : h('span', {}, fmtTime(until), ' · in ', countdown(until)), 'maintenance.until_ms'],
      ], { id: 'detail-maintenance' }),
      end, msg);
  }
  const draft = draftOf(siteId);
  const duration = h('select', { id: 'maintenance-duration', 'aria-label': 'For how long' },
    DURATIONS.map(([label, ms]) => h('option', { value: String(ms), selected: String(ms) === draft.duration }, label)));
  duration.addEventListener('change', () => { draft.duration = duration.value; });
  const reason = h('input', {
    type: 'text', id: 'maintenance-reason', maxlength: MAX_TEXT, placeholder: 'reason, e.g. firmware upgrade', 'aria-label': 'Reason', value: draft.reason,
  });
  reason.addEventListener('input', () => { draft.reason = reason.value; });
  const form = h('form', { class: 'action', id: 'maintenance-form' },
    h('label', { class: 'select' }, h('span', {}, 'for'), duration), reason,
    h('button', { type: 'submit', class: 'ghost', id: 'maintenance-start' }, 'start maintenance'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const ms = Number(duration.value);
    const body = {};
    if (ms > 0) body.until_ms = serverNow() + ms;
    if (reason.value.trim()) body.reason = reason.value.trim();
    act(form, {
      siteId, kind: 'maintenance', doing: 'start maintenance', done: 'In maintenance.', method: 'PUT', path: 'maintenance', body, onDone,
    });
  });
  const more = h('details', { class: 'admin', open: draft.open }, h('summary', {}, 'Start maintenance…'), form);
  more.addEventListener('toggle', () => { draft.open = more.open; });
  return section('Maintenance', null,
    h('p', { class: 'muted', id: 'detail-maintenance' }, 'Not in maintenance.'),
    more, msg);
}

function ackSection(d, onDone) {
  const siteId = d.site_id;
  const a = d.ack;
  const msg = messageEl(siteId, 'ack');
  if (a && typeof a === 'object') {
    const withdraw = h('form', { class: 'action' }, h('button', { type: 'submit', class: 'ghost', id: 'ack-withdraw' }, 'withdraw'));
    withdraw.addEventListener('submit', (ev) => {
      ev.preventDefault();
      act(withdraw, {
        siteId, kind: 'ack', doing: 'withdraw the acknowledgement', done: 'Acknowledgement withdrawn.', method: 'DELETE', path: 'ack', onDone,
      });
    });
    return section('Acknowledged', h('span', {}, 'by ', a.by || '–'),
      kv([
        ['by', a.by || '–', 'ack.by'],
        ['when', typeof a.at_ms === 'number' ? h('span', {}, fmtTime(a.at_ms), ' · ', ticking(a.at_ms), ' ago') : '–', 'ack.at_ms'],
        ['note', a.note || 'none', 'ack.note'],
      ], { id: 'detail-ack' }),
      h('p', { class: 'muted small' }, 'It clears by itself when the site\'s state changes.'),
      withdraw, msg);
  }
  if (d.connectivity === 'online' && d.health === 'healthy') return null; // nothing to acknowledge
  const draft = draftOf(siteId);
  const note = h('input', {
    type: 'text', id: 'ack-note', maxlength: MAX_TEXT, placeholder: 'note, e.g. technician on the way', 'aria-label': 'Note', value: draft.note,
  });
  note.addEventListener('input', () => { draft.note = note.value; });
  const form = h('form', { class: 'action', id: 'ack-form' }, note,
    h('button', { type: 'submit', class: 'ghost', id: 'ack-submit' }, 'acknowledge'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    act(form, {
      siteId, kind: 'ack', doing: 'acknowledge', done: 'Acknowledged.', method: 'PUT', path: 'ack', body: { note: note.value.trim() }, onDone,
    });
  });
  return section('Acknowledgement', 'none',
    h('p', { class: 'muted', id: 'detail-ack' }, 'Nobody has acknowledged this problem. An acknowledged problem sorts below the others of its rank.'),
    form, msg);
}

/**
 * The registry's sections of a SiteDetail: `onLabel(pair)` filters by a
 * label chip; `onDone()` after an action, to refetch.
 */
export function fleetSections(d, { onLabel, onDone }) {
  return [ackSection(d, onDone), maintenanceSection(d, onDone), labelsSection(d, onLabel)];
}

/** The status line's marks: acknowledged (with who) and maintenance. */
export function fleetBadges(d) {
  return [
    d.maintenance ? h('span', { 'data-field': 'maintenance' }, badge('maintenance')) : null,
    d.ack && typeof d.ack === 'object'
      ? h('span', { 'data-field': 'ack', title: `Acknowledged by ${d.ack.by || '–'}` }, badge('acknowledged')) : null,
  ];
}

/** Whether the user is at one of the panel's forms (a refresh must wait). */
export function editing(panel) {
  const el = document.activeElement;
  return Boolean(el && panel.contains(el) && el.closest('form.action, details.admin')
    && el.matches('input, select, summary'));
}
