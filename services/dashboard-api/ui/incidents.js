// Open incidents (sites that fell silent together, from the fleet summary's
// `incidents`): one row each above the table, newest first, saying what was
// lost, how many of its sites are silent and since when. A row's button
// filters the table to the incident's sites (its label=value); the row
// disappears when the assessor closes the incident.

import { $, h, setText } from './dom.js';
import { fmtInt, fmtTime } from './format.js';

let pick = () => {};

function row(i) {
  const pair = `${i.label}=${i.value}`;
  const silent = Number(i.silent) || 0;
  const sites = Number(i.sites) || 0;
  return h('li', { class: 'incident', 'data-id': i.id, 'data-kind': i.kind },
    h('span', { class: 'incident-kind' }, i.kind === 'link' ? 'link lost' : 'group silent'),
    h('span', { class: 'incident-reason' }, i.reason),
    h('span', { class: 'incident-count' }, `${fmtInt(silent)} of ${fmtInt(sites)} silent`),
    h('span', { class: 'incident-since' }, `since ${fmtTime(i.at_ms)}`),
    h('button', { type: 'button', class: 'ghost incident-show', 'data-pair': pair, title: `Show only sites with ${pair}` }, 'show sites'));
}

/** Shows the open incidents of a summary answer; hides the strip when none. */
export function renderIncidents(summary) {
  const list = Array.isArray(summary?.incidents) ? summary.incidents : [];
  const section = $('incidents');
  setText($('incidents-title'), list.length === 1 ? '1 open incident' : `${list.length} open incidents`);
  $('incident-list').replaceChildren(...list.map(row));
  section.hidden = list.length === 0;
}

/** `onPick(pair)`: a row's button asked to show the incident's sites. */
export function wireIncidents({ onPick }) {
  pick = onPick;
  $('incident-list').addEventListener('click', (ev) => {
    const b = ev.target.closest('.incident-show');
    if (b) pick(b.dataset.pair, true);
  });
}
