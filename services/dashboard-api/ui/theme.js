// The colour theme: follows the system unless the toggle pins dark or light.
// Also keeps the colour rows flash with on a live change in step with it.

import { $, setText } from './dom.js';

const THEMES = ['auto', 'dark', 'light'];
let flashColor = '';

/** The colour a row flashes with when a live event changes it ('' for none). */
export function flash() {
  return flashColor;
}

function readFlashColor() {
  flashColor = getComputedStyle(document.documentElement).getPropertyValue('--flash').trim();
}

function applyTheme(theme) {
  if (theme === 'auto') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
  setText($('theme-toggle'), `theme: ${theme}`);
  readFlashColor();
}

export function wireTheme() {
  let theme = 'auto';
  try { theme = localStorage.getItem('healthmon.theme') || 'auto'; } catch { /* storage disabled */ }
  if (!THEMES.includes(theme)) theme = 'auto';
  applyTheme(theme);
  $('theme-toggle').addEventListener('click', () => {
    theme = THEMES[(THEMES.indexOf(theme) + 1) % THEMES.length];
    try { localStorage.setItem('healthmon.theme', theme); } catch { /* storage disabled */ }
    applyTheme(theme);
  });
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', readFlashColor);
}
