// DOM helpers: building elements and patching them only where a value changed.
//
// Everything from the API goes into the DOM through textContent and
// setAttribute (never innerHTML), so a site id or a reason cannot inject
// markup; `null`, `undefined` and `false` children or attributes are left
// out rather than written as text.

/** `h('li', {class: 'x', 'data-a': 1}, 'text', child)`. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    el.setAttribute(k, String(v));
  }
  el.append(...present(children));
  return el;
}

/**
 * The children worth adding: flattened, without null/undefined/false.
 * `replaceChildren(null)` would write the text "null"; pass lists through this.
 */
export function present(children) {
  return children.flat(Infinity)
    .filter((c) => c !== null && c !== undefined && c !== false)
    .map((c) => (c instanceof Node ? c : String(c)));
}

/** A status word with its colour dot. */
export function badge(status, text = status) {
  return h('span', { class: 'badge', 'data-status': status }, text);
}

export const $ = (id) => document.getElementById(id);

export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/** Sets, or with null/undefined removes, an attribute; untouched when equal. */
export function setAttr(el, name, value) {
  if (value === null || value === undefined) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
  } else if (el.getAttribute(name) !== String(value)) {
    el.setAttribute(name, value);
  }
}
