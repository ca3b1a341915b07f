// What the assessor judges beyond connectivity and health (a row's or a
// detail's optional `judgement`): flapping and recovering badges, the last
// report's findings shown apart and greyed while the site is silent ("as
// of" that report), the score with what took points off it, and the
// availability since the assessor started (judged time only). An older
// assessor sends no judgement: everything here then shows nothing.

import { serverNow } from './api.js';
import { badge, h, setAttr, setText } from './dom.js';
import { fmtAge, fmtDuration, fmtInt, fmtTime, num } from './format.js';
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
  const a = j.availability;
  if (a && Number.isFinite(num(a.judged_ms))) {
    // The figures are as of the last event; the time since counts as the
    // site's state now (online: both grow; late or offline: judged only).
    const later = Math.max(0, serverNow() - num(a.as_of_ms));
    const judged = num(a.judged_ms) + (d.connectivity === 'unknown' ? 0 : later);
    const online = num(a.online_ms) + (d.connectivity === 'online' ? later : 0);
    const share = judged > 0 ? `${(Math.floor((online / judged) * 1000) / 10).toFixed(1)} %` : '–';
    out.push(section('Availability', `since ${fmtTime(num(a.since_ms))}`, kv([
      ['online', share, 'availability'],
      ['judged for', judged > 0 ? fmtAge(judged) : '–', 'judged_ms', { title: 'Time the centre could judge the site: not blind, not suspecting itself' }],
    ], { id: 'detail-availability' })));
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
