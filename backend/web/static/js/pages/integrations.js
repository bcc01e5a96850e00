/** Integrations: the itris tile — its state, Activate, disconnect, and the webhook to paste. */

import { api } from '../api.js';
import { announce } from '../components/announce.js';
import { confirmDialog } from '../components/dialog.js';
import { errorBox, field, loading, messagesOf, pageHeader } from '../components/form.js';
import { h } from '../dom.js';
import { formatDateTime, formatRelative } from '../format.js';
import { icon } from '../icons.js';

const STATES = {
  connected: { label: 'Connected', pill: 'pill-success' },
  error: { label: 'Error', pill: 'pill-danger' },
  disconnected: { label: 'Not connected', pill: 'pill-neutral' },
};

export async function render(container, ctx) {
  const tile = h('section', { class: 'card tile', 'aria-labelledby': 'itris-tile-title' }, loading());
  container.append(
    pageHeader(
      'Integrations',
      'Connect itris-sync to your team’s itris CRM so recruiters can push people into it as applicants or contacts.',
    ),
    tile,
  );
  const status = await api.get('/api/integrations/itris');
  if (ctx.active()) renderTile(tile, status, ctx);
}

function renderTile(tile, status, ctx) {
  const connected = status.status !== 'disconnected';
  const parts = [
    h(
      'div',
      { class: 'tile-head' },
      h('div', { class: 'tile-logo', 'aria-hidden': 'true' }, 'itris'),
      h(
        'div',
        { class: 'tile-title' },
        h('h2', { id: 'itris-tile-title' }, 'itris'),
        h('p', { class: 'muted' }, 'UK recruitment CRM — applicants, contacts, tags and activity notes.'),
      ),
    ),
    statusBlock(status, ctx),
    status.status === 'error'
      ? h(
          'div',
          { class: 'alert alert-error', role: 'alert', 'data-testid': 'itris-last-error' },
          icon('alert'),
          h(
            'div',
            {},
            h('strong', {}, 'itris is not answering as it should'),
            h('p', {}, status.last_error || 'The last request to itris failed.'),
            h('p', { class: 'muted' }, 'Pushes wait and retry. Check the details below and press Activate again.'),
          ),
        )
      : null,
    ctx.isAdmin
      ? setupForm(tile, status, ctx)
      : h(
          'p',
          { class: 'muted tile-note' },
          connected
            ? 'Only a team admin can change the itris connection.'
            : 'Ask your team admin to connect itris.',
        ),
    ctx.isAdmin && connected && status.webhook_url ? webhookBlock(status) : null,
  ];
  tile.replaceChildren(...parts.filter(Boolean));
}

function statusBlock(status, ctx) {
  const state = STATES[status.status] || STATES.disconnected;
  const details = [];
  if (status.status === 'disconnected') {
    details.push(
      h(
        'p',
        { class: 'status-detail' },
        ctx.isAdmin
          ? 'Enter the itris API user’s details below and press Activate.'
          : 'itris-sync is not connected to itris yet.',
      ),
    );
  } else {
    details.push(
      h(
        'p',
        { class: 'status-detail' },
        status.status === 'connected' ? 'as ' : 'Account ',
        h('strong', {}, status.username || '—'),
        status.connected_at ? ` since ${formatDateTime(status.connected_at)}` : '',
      ),
      h(
        'dl',
        { class: 'facts' },
        h('div', {}, h('dt', {}, 'itris address'), h('dd', {}, status.base_url || status.subdomain || '—')),
        h(
          'div',
          {},
          h('dt', {}, 'Last checked'),
          h('dd', { title: formatDateTime(status.last_checked_at) }, formatRelative(status.last_checked_at)),
        ),
      ),
    );
  }
  return h(
    'div',
    {
      class: ['status-block', `status-${status.status}`],
      'data-testid': 'itris-status',
      'data-state': status.status,
      tabIndex: -1,
    },
    h('span', { class: ['pill', state.pill] }, h('span', { class: 'dot', 'aria-hidden': 'true' }), state.label),
    details,
  );
}

function setupForm(tile, status, ctx) {
  const connected = status.status !== 'disconnected';
  const username = field({
    label: 'Username',
    hint: 'The itris API user itris-sync signs in as.',
    name: 'username',
    autocomplete: 'off',
    spellcheck: 'false',
    value: status.username || '',
    testid: 'itris-username',
  });
  const password = field({
    label: 'Password',
    hint: connected
      ? 'Stored encrypted and never shown. Enter it again to re-activate.'
      : 'Stored encrypted and never shown again.',
    type: 'password',
    name: 'password',
    autocomplete: 'new-password',
    value: '',
    testid: 'itris-password',
  });
  const subdomain = field({
    label: 'Subdomain',
    hint: 'The part before .itris.co.uk (e.g. acme for acme.itris.co.uk), or a full https:// address.',
    name: 'subdomain',
    autocomplete: 'off',
    spellcheck: 'false',
    value: status.subdomain || '',
    testid: 'itris-subdomain',
  });
  const fields = { username, password, subdomain };
  const alert = h('div', { class: 'form-alert', role: 'alert', 'data-testid': 'itris-error' });
  const activate = h(
    'button',
    { type: 'submit', class: 'button primary', 'data-testid': 'itris-activate' },
    icon('plug'),
    'Activate',
  );
  const actions = [activate];
  if (connected) {
    const disconnect = h(
      'button',
      { type: 'button', class: 'button danger-outline', 'data-testid': 'itris-disconnect' },
      'Disconnect',
    );
    disconnect.addEventListener('click', async () => {
      const sure = await confirmDialog({
        title: 'Disconnect itris?',
        message:
          'itris-sync forgets the stored credentials. Pushes fail until an admin activates itris again.',
        confirmLabel: 'Disconnect',
        danger: true,
      });
      if (!sure) return;
      try {
        const next = await api.delete('/api/integrations/itris');
        announce('itris is disconnected.');
        renderTile(tile, next, ctx);
        tile.querySelector('[data-testid="itris-status"]')?.focus();
      } catch (error) {
        showAlert(alert, error.message);
      }
    });
    actions.push(disconnect);
  }

  const form = h(
    'form',
    { class: 'setup-form', novalidate: true, 'aria-labelledby': 'itris-setup-title' },
    h('h3', { id: 'itris-setup-title' }, connected ? 'Connection details' : 'Set up itris'),
    h('div', { class: 'form-grid' }, username.element, password.element, subdomain.element),
    alert,
    h('div', { class: 'form-actions' }, actions),
  );

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    showAlert(alert, null);
    for (const item of Object.values(fields)) item.setError(null);
    const body = {
      username: username.input.value.trim(),
      password: password.input.value,
      subdomain: subdomain.input.value.trim(),
    };
    const missing = {
      username: 'Enter the itris API username.',
      password: 'Enter the itris API password.',
      subdomain: 'Enter your itris subdomain or address.',
    };
    const empty = Object.keys(missing).filter((key) => !body[key]);
    if (empty.length) {
      for (const key of empty) fields[key].setError(missing[key]);
      fields[empty[0]].input.focus();
      return;
    }
    activate.disabled = true;
    form.setAttribute('aria-busy', 'true');
    activate.replaceChildren(h('span', { class: 'spinner', 'aria-hidden': 'true' }), 'Activating…');
    announce('Checking the credentials with itris…');
    try {
      const activated = await api.put('/api/integrations/itris', body);
      // The full status adds what only GET gives (the webhook address and secret).
      const next = await api.get('/api/integrations/itris').catch(() => activated);
      announce(`itris is connected as ${next.username}.`);
      renderTile(tile, next, ctx);
      tile.querySelector('[data-testid="itris-status"]')?.focus();
    } catch (error) {
      activate.disabled = false;
      form.removeAttribute('aria-busy');
      activate.replaceChildren(icon('plug'), 'Activate');
      password.input.value = '';
      const advice = {
        422: 'Check the username and password of the itris API user.',
        502: 'Check the subdomain and that itris is up, then try again.',
      }[error.status];
      showAlert(alert, error.message, advice);
      for (const [key, messages] of Object.entries(error.errors || {})) {
        fields[key]?.setError(messagesOf(messages));
      }
      const firstInvalid = Object.keys(error.errors || {}).find((key) => fields[key]);
      (firstInvalid ? fields[firstInvalid].input : password.input).focus();
    }
  });
  return form;
}

function showAlert(slot, message, advice) {
  if (!message) {
    slot.replaceChildren();
    slot.className = 'form-alert';
    return;
  }
  slot.className = 'form-alert alert alert-error';
  slot.replaceChildren(
    icon('alert'),
    h('div', {}, h('p', { class: 'alert-title' }, message), advice && h('p', {}, advice)),
  );
}

function webhookBlock(status) {
  return h(
    'section',
    { class: 'webhook', 'aria-labelledby': 'itris-webhook-title' },
    h('h3', { id: 'itris-webhook-title' }, 'itris webhook'),
    h(
      'p',
      { class: 'muted' },
      'In itris, add a webhook for new Applicant, Company and Contact records with this address and signing secret, so new records reach itris-sync at once.',
    ),
    copyField({ label: 'Webhook URL', value: status.webhook_url, testid: 'itris-webhook-url' }),
    copyField({
      label: 'Signing secret (HMAC-SHA256)',
      value: status.webhook_secret || '',
      testid: 'itris-webhook-secret',
      secret: true,
    }),
  );
}

function copyField({ label, value, testid, secret = false }) {
  const input = h('input', {
    type: secret ? 'password' : 'text',
    readOnly: true,
    value,
    class: 'mono',
    'data-testid': testid,
    spellcheck: 'false',
  });
  const copy = h('button', { type: 'button', class: 'button secondary small' }, icon('copy'), 'Copy');
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(value);
      announce(`${label} copied.`);
    } catch {
      input.type = 'text';
      input.select();
      announce('Press Ctrl+C to copy.');
    }
  });
  const buttons = [copy];
  if (secret) {
    const show = h('button', { type: 'button', class: 'button secondary small', 'aria-pressed': 'false' }, icon('eye'), 'Show');
    show.addEventListener('click', () => {
      const visible = input.type === 'password';
      input.type = visible ? 'text' : 'password';
      show.setAttribute('aria-pressed', String(visible));
      show.lastChild.textContent = visible ? 'Hide' : 'Show';
    });
    buttons.unshift(show);
  }
  const item = field({ label, control: input });
  const row = h('div', { class: 'copy-row' });
  input.replaceWith(row);
  row.append(input, ...buttons);
  item.element.classList.add('copy-field');
  return item.element;
}
