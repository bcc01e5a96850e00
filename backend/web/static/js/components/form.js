/** Labelled form fields with a hint and an error slot, and error display helpers. */

import { h, uid } from '../dom.js';
import { icon } from '../icons.js';

/**
 * A labelled <input> (or the `control` given) with an optional hint and an error message slot.
 * Returns {element, input, setError(messages)}.
 */
export function field({ label, hint, control, id = uid('field'), testid, ...inputProps }) {
  const hintId = hint ? `${id}-hint` : null;
  const errorId = `${id}-error`;
  const input =
    control ||
    h('input', {
      id,
      'data-testid': testid,
      'aria-describedby': [hintId, errorId].filter(Boolean).join(' '),
      ...inputProps,
    });
  if (control) {
    input.id = input.id || id;
    input.setAttribute('aria-describedby', [hintId, errorId].filter(Boolean).join(' '));
    if (testid) input.setAttribute('data-testid', testid);
  }
  const error = h('p', { class: 'field-error', id: errorId, hidden: true });
  const element = h(
    'div',
    { class: 'field' },
    h('label', { htmlFor: input.id, class: 'field-label' }, label),
    input,
    hint && h('p', { class: 'hint', id: hintId }, hint),
    error,
  );
  return {
    element,
    input,
    setError(messages) {
      const list = messagesOf(messages);
      error.replaceChildren(...(list.length ? [icon('alert', 'icon icon-small'), list.join(' ')] : []));
      error.hidden = list.length === 0;
      if (list.length) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    },
  };
}

/** A <select> from [{value, label}]; `value` picks the selected option. */
export function select({ options, value, ...props }) {
  return h(
    'select',
    props,
    options.map((option) =>
      h(
        'option',
        { value: String(option.value), selected: String(option.value) === String(value ?? '') },
        option.label,
      ),
    ),
  );
}

/** Every message in a marshmallow-style error value (list, string, or nested object). */
export function messagesOf(value, prefix = '') {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [prefix ? `${prefix}: ${value}` : value];
  if (Array.isArray(value)) return value.flatMap((item) => messagesOf(item, prefix));
  if (typeof value === 'object') {
    return Object.entries(value).flatMap(([key, inner]) => {
      // marshmallow wraps a dict's errors as {key: {value: [...]}} and a list's by index.
      const label = key === 'value' || key === 'key' || key === '_schema' ? prefix : key;
      return messagesOf(inner, /^\d+$/.test(key) ? prefix : label);
    });
  }
  return [String(value)];
}

/** An alert box for an error (an ApiError or any Error). */
export function errorBox(error, { testid, title } = {}) {
  return h(
    'div',
    { class: 'alert alert-error', role: 'alert', 'data-testid': testid },
    icon('alert'),
    h('div', {}, title && h('strong', {}, title), h('p', {}, error.message || String(error))),
  );
}

/** Fill an alert slot with a message, or empty it. */
export function setAlert(slot, message, kind = 'error') {
  if (!message) {
    slot.replaceChildren();
    slot.hidden = true;
    return;
  }
  slot.hidden = false;
  slot.className = `alert alert-${kind}`;
  slot.replaceChildren(icon(kind === 'error' ? 'alert' : 'check'), h('p', {}, message));
}

/** A page's heading block; the <h1> takes focus when the page changes. */
export function pageHeader(title, lead, ...actions) {
  return h(
    'div',
    { class: 'page-header' },
    h('div', {}, h('h1', { tabIndex: -1 }, title), lead && h('p', { class: 'lead' }, lead)),
    actions.length ? h('div', { class: 'page-actions' }, actions) : null,
  );
}

export function loading(text = 'Loading…') {
  return h('p', { class: 'loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), text);
}
