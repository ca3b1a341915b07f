// What the assessor judges beyond connectivity and health (a row's or a
// detail's optional `judgement`): flapping and recovering badges, the last
// report's findings shown apart and greyed while the site is silent ("as
// of" that report), and the score with what took points off it. An older
// assessor sends no judgement: everything here then shows nothing.

import { badge, h, setAttr, setText } from './dom.js';
import { fmtDuration, fmtInt, fmtTime, num } from './format.js';
import { kv, section } from './sections.js';

/** The judgement of a row or detail, `{}` when absent. */
export function judgementOf(site) {
  return site && site.judgement && typeof site.judgement === 'object' ? site.judgement : {};
}

/** "recovering: 12,000 pending, 4,000/min, empty in 3m" as a badge title. */
function recoveringTitle(r) {
  const parts = [`recovering: ${fmtInt(num(r.depth))} pending`];
  if (Number.isFinite(num(r.drain_per_min))) parts.push(`draining ${fmtInt(Math.round(num(r.drain_per_min)))}/min`);
  if (Number.isFinite(num(r.empty_in_s))) parts.push(`empty in ~${fmtDuration(num(r.empty_in_s) * 1000)}`);
  return parts.join(', ');
}

function flappingTitle(f) {
  return `flapping: ${fmtInt(num(f.changes))} changes within ${fmtDuration(num(f.window_s) * 1000)} (events keep coming, marked so)`;
}

/** Badges for a row's health cell, hidden until `updateJudgementBadges` shows them. */
export function judgementBadges() {
  const flapping = badge('flapping');
  const recovering = badge('recovering');
  flapping.hidden = true;
  recovering.hidden = true;
  return { flapping, recovering };
}

/** Shows or hides a row's badges for `site`'s judgement. */
export function updateJudgementBadges(b, site) {
  const j = judgementOf(site);
  b.flapping.hidden = !j.flapping;
  setAttr(b.flapping, 'title', j.flapping ? flappingTitle(j.flapping) : null);
  b.recovering.hidden = !j.recovering;
  setAttr(b.recovering, 'title', j.recovering ? recoveringTitle(j.recovering) : null);
  setText(b.recovering, 'recovering');
}

/** The status line's badges in the detail panel. */
export function detailJudgementBadges(d) {
  const j = judgementOf(d);
  return [
    j.flapping ? h('span', { 'data-field': 'flapping', title: flappingTitle(j.flapping) }, badge('flapping')) : null,
    j.recovering ? h('span', { 'data-field': 'recovering', title: recoveringTitle(j.recovering) }, badge('recovering')) : null,
  ];
}

/** Detail sections: the silent site's last findings, recovering, the score. */
export function judgementSections(d) {
  const j = judgementOf(d);
  const out = [];
  const stale = Array.isArray(j.stale_reasons) ? j.stale_reasons : [];
  if (stale.length) {
    const last = num(d.last_report_ms);
    const asOf = Number.isFinite(last) ? `as of ${fmtTime(last)}` : 'last known';
    out.push(section('Last report’s findings', asOf,
      h('ul', { class: 'reasons stale', id: 'detail-stale', title: 'From the last report: nobody has seen the site since, so these may no longer hold' },
        stale.map((x) => h('li', {}, x)))));
  }
  if (j.recovering) {
    const r = j.recovering;
    out.push(section('Recovering', null, kv([
      ['pending', fmtInt(num(r.depth)), 'recovering_depth'],
      ['draining', Number.isFinite(num(r.drain_per_min)) ? `${fmtInt(Math.round(num(r.drain_per_min)))}/min` : 'not yet known', 'drain_per_min'],
      ['empty in', Number.isFinite(num(r.empty_in_s)) ? `~${fmtDuration(num(r.empty_in_s) * 1000)}` : '–', 'empty_in_s'],
    ], { id: 'detail-recovering' })));
  }
  if (Number.isFinite(num(j.score))) {
    const off = Array.isArray(j.score_off) ? j.score_off : [];
    out.push(section('Health score', `${j.score} / 100`,
      off.length
        ? h('ul', { class: 'score-off', id: 'detail-score' }, off.map((x) => h('li', {}, h('span', { class: 'points' }, `−${x.points}`), ' ', x.reason)))
        : h('p', { class: 'muted', id: 'detail-score' }, 'Nothing took points off.')));
  }
  return out;
}
