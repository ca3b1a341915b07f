// The detail panel's 24 h sparkline: the share of each 10 minutes the site
// was online, from Prometheus through the dashboard API
// (`/api/v1/sites/{id}/uptime`, only when the API was given
// --prometheus-url; otherwise 404 and no sparkline). Drawn as inline SVG,
// no library. Fetched at most once a minute a site, whatever the panel's
// refresh rate.

import { API, fetchJson } from './api.js';
import { h } from './dom.js';
import { fmtTime } from './format.js';
import { section } from './sections.js';

const FRESH_MS = 60_000;
const DAY_MS = 24 * 3600 * 1000;
const SVG = 'http://www.w3.org/2000/svg';
/** site id → { at, points } (points null: no Prometheus, or no data). */
const cache = new Map();

function svg(tag, attrs) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** The sparkline of `points` ({at_ms, up}), 0 at the bottom, 1 at the top. */
function sparkline(points) {
  const width = 240;
  const height = 32;
  // The whole 24 h across, ending at the newest point: a site Prometheus
  // has known for an hour fills the right end only.
  const end = points[points.length - 1].at_ms;
  const start = end - DAY_MS;
  const xy = points.map((p) => [
    Math.max(0, ((p.at_ms - start) / DAY_MS) * (width - 3)) + 1.5,
    height - 2 - p.up * (height - 4),
  ]);
  const el = svg('svg', { class: 'sparkline', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img' });
  const down = points.filter((p) => p.up < 1).length;
  el.setAttribute('aria-label', `online share per 10 minutes over 24 h; ${down} of ${points.length} not fully online`);
  // The 24 h frame: a faint line where "fully online" would be.
  el.append(svg('line', { class: 'frame', x1: 0, y1: 2, x2: width, y2: 2 }));
  el.append(svg('polyline', { points: xy.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ') }));
  // The newest point, visible even when it is the only one.
  const [x, y] = xy[xy.length - 1];
  el.append(svg('circle', { cx: x.toFixed(1), cy: y.toFixed(1), r: 1.5 }));
  return el;
}

function fill(target, entry) {
  if (!entry.points || !entry.points.length) {
    target.closest('section').hidden = true;
    return;
  }
  const pts = entry.points;
  const avg = pts.reduce((sum, p) => sum + p.up, 0) / pts.length;
  target.replaceChildren(sparkline(pts), h('span', { class: 'muted spark-note', 'data-uptime-avg': avg.toFixed(4) },
    `${(avg * 100).toFixed(1)} % online · ${fmtTime(pts[0].at_ms)}–${fmtTime(pts[pts.length - 1].at_ms)}`));
  target.closest('section').hidden = false;
}

/** A hidden section for `siteId`'s sparkline, shown once there is one to draw. */
export function uptimeSection(siteId) {
  const target = h('div', { id: 'detail-uptime' });
  const s = section('Last 24 h', 'from Prometheus', target);
  s.hidden = true;
  const entry = cache.get(siteId);
  if (entry) fill(target, entry);
  if (!entry || Date.now() - entry.at > FRESH_MS) {
    fetchJson(`${API}/sites/${encodeURIComponent(siteId)}/uptime`)
      .then((u) => ({ at: Date.now(), points: Array.isArray(u.points) ? u.points : null }))
      .catch(() => ({ at: Date.now(), points: null }))
      .then((fetched) => {
        cache.set(siteId, fetched);
        if (target.isConnected) fill(target, fetched);
      });
  }
  return s;
}
