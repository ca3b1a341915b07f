// Building blocks of the site detail panel: a titled section, a key/value
// list, and times that tick (elapsed since, or left until), which
// `detail.js`'s tick keeps current.

import { h } from './dom.js';

export function section(title, extra, ...body) {
  return h('section', { class: 'detail-section' }, h('h3', {}, title, extra ? h('span', { class: 'h-extra' }, extra) : null), ...body);
}

/** `[key, value, metric?, attrs?]` rows; falsy rows are left out. */
export function kv(rows, attrs) {
  return h('dl', { class: 'kv', ...(attrs || {}) }, rows.filter(Boolean).map(([k, v, metric, more]) => [
    h('dt', {}, k),
    h('dd', { 'data-metric': metric, ...(more || {}) }, v),
  ]));
}

/** An element showing the time elapsed since `ms` (unix). */
export function ticking(ms) {
  return h('span', { 'data-tick-from': ms }, '');
}

/** An element showing the time left until `ms` (unix). */
export function countdown(ms) {
  return h('span', { 'data-tick-to': ms }, '');
}
