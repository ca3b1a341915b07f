// The connection banner: says, so it cannot be missed, when the dashboard API
// or the aggregator behind it cannot be reached, and greys the figures
// (body.stale) until fresh data arrives.
//
// Every load reports to it: `dataArrived()` on success, `dataFailed(e)` with
// the ApiError otherwise. The newest outcome wins.

import { $, setAttr, setText } from './dom.js';
import { fmtTime } from './format.js';

let lastGood = null; // browser time of the last successful load
let failing = false;

export function isFailing() {
  return failing;
}

/** Lets a full-height detail panel start below the banner (style.css, narrow screens). */
function measure() {
  const banner = $('banner');
  const height = banner.hidden ? 0 : banner.offsetHeight;
  document.documentElement.style.setProperty('--banner-h', `${height}px`);
}
window.addEventListener('resize', measure);

export function dataArrived() {
  failing = false;
  lastGood = Date.now();
  $('banner').hidden = true;
  setAttr($('banner'), 'data-kind', null);
  document.body.classList.remove('stale');
  setText($('updated'), `updated ${fmtTime(lastGood)}`);
  measure();
}

/** What failed, in an operator's words, from the API's answer: [kind, title, detail]. */
function explain(e) {
  const said = `The dashboard API said ${e.status} ${e.code}: ${e.message}.`;
  if (e.status === 0) {
    return ['api', 'Cannot reach the dashboard API.', 'The service may be down or restarting, or the network is cut.'];
  }
  if (e.status === 503 && e.code === 'upstream_unavailable') {
    return ['aggregator', 'The aggregator is not answering.', said];
  }
  if (e.status === 504) {
    return ['aggregator', 'The aggregator is answering too slowly.', said];
  }
  if (e.status === 401) {
    return ['auth', 'This dashboard needs an access token.', said];
  }
  return ['other', 'The dashboard API cannot answer.', said];
}

export function dataFailed(e) {
  failing = true;
  const [kind, title, detail] = explain(e);
  const since = lastGood === null
    ? 'No figures yet; retrying.'
    : `The figures below are from ${fmtTime(lastGood)} and are not current; retrying.`;
  const banner = $('banner');
  setAttr(banner, 'data-kind', kind);
  setText(banner.querySelector('.banner-title'), title);
  setText(banner.querySelector('.banner-detail'), `${detail} ${since}`);
  banner.hidden = false;
  document.body.classList.add('stale');
  measure();
}
