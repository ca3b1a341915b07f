// The colour theme: follows the system unless the toggle pins dark or light
// (style.css picks every colour through `color-scheme` and light-dark()).

import { $, setText } from './dom.js';

const THEMES = ['auto', 'dark', 'light'];
let flashColor = '';

/** The colour a row flashes with when a live event changes it ('' for none):
 *  `--flash`, a light-dark() pair the row resolves in the theme it is shown in. */
export function flash() {
  flashColor ||= getComputedStyle(document.documentElement).getPropertyValue('--flash').trim();
  return flashColor;
}

function applyTheme(theme) {
  if (theme === 'auto') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
  setText($('theme-toggle'), `theme: ${theme}`);
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
}
