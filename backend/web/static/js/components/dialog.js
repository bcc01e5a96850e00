/**
 * Modal dialogs on the native <dialog>: focus moves in on open, stays inside (showModal makes
 * the rest of the page inert), Escape closes, and focus returns to what opened it.
 */

import { h, uid } from '../dom.js';
import { icon } from '../icons.js';

/**
 * Open a modal. `build(close)` returns the dialog's content; `close(result)` ends it.
 * Resolves with the result (undefined when dismissed with Escape or the close button).
 */
export function openModal({ title, build, testid, initialFocus, className = '' }) {
  const opener = document.activeElement;
  const titleId = uid('dialog-title');
  const dialog = h('dialog', {
    class: ['modal', className],
    'aria-labelledby': titleId,
    'data-testid': testid,
  });
  return new Promise((resolve) => {
    let result;
    const close = (value) => {
      result = value;
      dialog.close();
    };
    dialog.addEventListener('close', () => {
      dialog.remove();
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
      resolve(result);
    });
    // A click on the backdrop (the dialog box itself, outside its content) dismisses it.
    dialog.addEventListener('click', (event) => {
      if (event.target === dialog) close(undefined);
    });
    dialog.append(
      h(
        'div',
        { class: 'modal-body' },
        h(
          'header',
          { class: 'modal-header' },
          h('h2', { id: titleId }, title),
          h(
            'button',
            {
              type: 'button',
              class: 'icon-button',
              'aria-label': 'Close',
              onClick: () => close(undefined),
            },
            icon('close'),
          ),
        ),
        build(close),
      ),
    );
    document.body.append(dialog);
    dialog.showModal();
    const target =
      (initialFocus && dialog.querySelector(initialFocus)) ||
      dialog.querySelector('input, select, textarea, button:not(.icon-button)');
    target?.focus();
  });
}

/** Ask a yes/no question; resolves true when confirmed. Focus starts on the safe answer. */
export function confirmDialog({ title, message, confirmLabel = 'Confirm', danger = false }) {
  return openModal({
    title,
    testid: 'confirm-dialog',
    className: 'modal-small',
    initialFocus: '[data-testid="confirm-cancel"]',
    build: (close) =>
      h(
        'div',
        {},
        h('p', { class: 'modal-message' }, message),
        h(
          'div',
          { class: 'modal-actions' },
          h(
            'button',
            {
              type: 'button',
              class: 'button secondary',
              'data-testid': 'confirm-cancel',
              onClick: () => close(false),
            },
            'Cancel',
          ),
          h(
            'button',
            {
              type: 'button',
              class: ['button', danger ? 'danger' : 'primary'],
              'data-testid': 'confirm-ok',
              onClick: () => close(true),
            },
            confirmLabel,
          ),
        ),
      ),
  }).then((answer) => answer === true);
}
