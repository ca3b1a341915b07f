// The label controls: the label filter (`key=value` chips, all must match;
// the API's `label=`), the "group by" key of the summary (`summary?by=`),
// and the suggestions both offer — the labels of the sites the page has
// shown, so an operator picks rather than remembers them.

import { $, h, setText } from './dom.js';
import {
  addLabel, isLabelKey, parseLabel, removeLabel, state,
} from './state.js';

/** Suggestions kept at most: the page learns them from what it shows. */
const MAX_SUGGESTIONS = 200;
const seenPairs = new Set();
const seenKeys = new Set();

/** Remembers the labels of `sites` (rows or a site detail) as suggestions. */
export function noteLabels(sites) {
  let grew = false;
  for (const site of sites) {
    const labels = site && typeof site.labels === 'object' && site.labels ? site.labels : {};
    for (const [key, value] of Object.entries(labels)) {
      const pair = `${key}=${value}`;
      if (!parseLabel(pair)) continue;
      if (!seenKeys.has(key) && seenKeys.size < MAX_SUGGESTIONS) { seenKeys.add(key); grew = true; }
      if (!seenPairs.has(pair) && seenPairs.size < MAX_SUGGESTIONS) { seenPairs.add(pair); grew = true; }
    }
  }
  if (grew) renderSuggestions();
}

function renderSuggestions() {
  const options = (values) => [...values].sort().map((v) => h('option', { value: v }));
  $('label-pairs').replaceChildren(...options(seenPairs));
  $('label-keys').replaceChildren(...options(seenKeys));
}

/** Reflects the state in the label chips and the group-by field. */
export function syncLabels() {
  $('label-chips').replaceChildren(...state.labels.map((pair) => h('button', {
    type: 'button', class: 'label-chip', 'data-label': pair, title: `Stop filtering by ${pair}`,
  }, h('span', { class: 'label-text' }, pair), h('span', { class: 'chip-x', 'aria-hidden': 'true' }, '×'))));
  const by = $('group-by');
  if (document.activeElement !== by) by.value = state.by;
  setText($('label-error'), '');
}

/** Wires the label input, the chips and the group-by field; `onChange()` after each change. */
export function wireLabels(onChange) {
  const input = $('label-add');
  const add = () => {
    const text = input.value.trim();
    if (!text) return;
    if (!parseLabel(text)) {
      setText($('label-error'), 'Expected key=value: a key of a–z, 0–9 and _, a value of up to 64 characters without a comma.');
      return;
    }
    input.value = '';
    if (addLabel(text)) onChange();
  };
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') { ev.preventDefault(); add(); }
  });
  // Picking a suggestion (or leaving the field) applies what was typed.
  input.addEventListener('change', add);
  input.addEventListener('input', () => setText($('label-error'), ''));
  $('label-chips').addEventListener('click', (ev) => {
    const chip = ev.target.closest('[data-label]');
    if (chip && removeLabel(chip.dataset.label)) onChange();
  });

  const by = $('group-by');
  const setBy = () => {
    const key = by.value.trim();
    const next = isLabelKey(key) ? key : '';
    if (key && !next) {
      setText($('label-error'), 'Group by a label key: a–z, 0–9 and _, starting with a letter or _.');
      return;
    }
    if (next === state.by) return;
    state.by = next;
    onChange({ grouping: true });
  };
  by.addEventListener('change', setBy);
  by.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') { ev.preventDefault(); setBy(); }
    if (ev.key === 'Escape' && by.value) { ev.stopPropagation(); by.value = ''; setBy(); }
  });
}
