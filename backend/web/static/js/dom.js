/**
 * Build DOM without HTML strings: text is only ever set through text nodes / textContent.
 *
 * h('p', {class: 'x', 'data-testid': 'y', onClick: fn}, 'text', child) → <p>.
 */

// Set as DOM properties (live state) rather than attributes.
const PROPERTIES = new Set([
  'value', 'checked', 'disabled', 'hidden', 'selected', 'textContent', 'htmlFor', 'tabIndex',
  'readOnly', 'required', 'indeterminate', 'open',
]);

function applyProps(el, props) {
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') {
      el.setAttribute('class', Array.isArray(value) ? value.filter(Boolean).join(' ') : value);
    } else if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (PROPERTIES.has(key)) {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** An HTML element. */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  applyProps(el, props);
  return append(el, children);
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element (attributes only). */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.setAttribute('class', Array.isArray(value) ? value.filter(Boolean).join(' ') : value);
    else el.setAttribute(key, String(value));
  }
  return append(el, children);
}

let counter = 0;
/** A page-unique id with a readable prefix. */
export function uid(prefix = 'id') {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** Turn any string into something safe inside an id. */
export function idPart(text) {
  return String(text).replace(/[^A-Za-z0-9_-]+/g, '-');
}

/**
 * Replace `oldEl` with `newEl`, keeping keyboard focus on the control with the same id.
 */
export function replaceKeepingFocus(oldEl, newEl) {
  const active = document.activeElement;
  const focusedId = active && oldEl.contains(active) ? active.id : null;
  oldEl.replaceWith(newEl);
  if (focusedId) document.getElementById(focusedId)?.focus();
  return newEl;
}
