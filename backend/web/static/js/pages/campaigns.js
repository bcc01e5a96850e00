/** Campaigns: the list, the new/edit pop-up (name, type, sync as, sync options) and archive. */

import { api, query } from '../api.js';
import { announce } from '../components/announce.js';
import { confirmDialog, openModal } from '../components/dialog.js';
import { errorBox, field, loading, messagesOf, pageHeader, select } from '../components/form.js';
import { tagEditor } from '../components/tags.js';
import { h } from '../dom.js';
import { formatDate } from '../format.js';
import { icon } from '../icons.js';

const TYPE_LABEL = { candidate: 'Candidate outreach', client: 'Client outreach', other: 'Other' };
const SYNC_AS_LABEL = { applicant: 'Applicant', contact: 'Contact' };
// Whom a campaign reaches suggests what its people become in itris.
const SYNC_AS_FOR_TYPE = { candidate: 'applicant', client: 'contact' };

export async function render(container, ctx) {
  const state = { showArchived: false, campaigns: [] };
  const newButton = h(
    'button',
    { type: 'button', class: 'button primary', 'data-testid': 'campaign-new' },
    icon('plus'),
    'New campaign',
  );
  const archivedToggle = h('input', {
    type: 'checkbox',
    id: 'show-archived',
    'data-testid': 'campaign-show-archived',
  });
  const listSlot = h('div', { class: 'card table-card' }, loading('Loading campaigns…'));
  container.append(
    pageHeader(
      'Campaigns',
      'Each campaign says what its people become in itris — applicants or contacts — and which tags go with them.',
      newButton,
    ),
    h(
      'div',
      { class: 'toolbar' },
      h('div', { class: 'check' }, archivedToggle, h('label', { htmlFor: 'show-archived' }, 'Show archived campaigns')),
    ),
    listSlot,
  );

  const refresh = async () => {
    try {
      state.campaigns = await api.get(`/api/campaigns${query({ archived: state.showArchived || undefined })}`);
      if (ctx.active()) renderList(listSlot, state, ctx, refresh, newButton);
    } catch (error) {
      if (ctx.active()) listSlot.replaceChildren(errorBox(error));
    }
  };
  archivedToggle.addEventListener('change', () => {
    state.showArchived = archivedToggle.checked;
    refresh();
  });
  newButton.addEventListener('click', async () => {
    const created = await campaignDialog({ ctx });
    if (!created) return;
    await refresh();
    announce(`Campaign “${created.name}” created.`);
    newButton.focus();
  });
  await refresh();
}

function renderList(slot, state, ctx, refresh, newButton) {
  if (!state.campaigns.length) {
    slot.replaceChildren(
      h(
        'div',
        { class: 'empty' },
        h('h2', {}, state.showArchived ? 'No campaigns' : 'No campaigns yet'),
        h('p', { class: 'muted' }, 'Create one to set whom its people sync as in itris and which tags go with them.'),
      ),
    );
    return;
  }
  const rows = state.campaigns.map((campaign) => {
    const archived = Boolean(campaign.archived_at);
    const edit = h(
      'button',
      {
        type: 'button',
        class: 'button secondary small',
        'data-testid': 'campaign-edit',
        'aria-label': `Edit ${campaign.name}`,
      },
      'Edit',
    );
    edit.addEventListener('click', async () => {
      const saved = await campaignDialog({ ctx, campaign });
      if (!saved) return;
      await refresh();
      announce(`Campaign “${saved.name}” saved.`);
      slot.querySelector(`[data-campaign-id="${saved.id}"] [data-testid="campaign-edit"]`)?.focus();
    });
    const actions = [edit];
    if (!archived) {
      const archive = h(
        'button',
        {
          type: 'button',
          class: 'button danger-outline small',
          'data-testid': 'campaign-archive',
          'aria-label': `Archive ${campaign.name}`,
        },
        'Archive',
      );
      archive.addEventListener('click', async () => {
        const sure = await confirmDialog({
          title: `Archive “${campaign.name}”?`,
          message:
            'It leaves the list and the extension’s campaign choice. Its people, their itris records and the sync log are kept.',
          confirmLabel: 'Archive',
          danger: true,
        });
        if (!sure) return;
        try {
          await api.delete(`/api/campaigns/${campaign.id}`);
          await refresh();
          announce(`Campaign “${campaign.name}” archived.`);
          newButton.focus();
        } catch (error) {
          announce(error.message);
          slot.prepend(errorBox(error));
        }
      });
      actions.push(archive);
    }
    return h(
      'tr',
      { 'data-testid': 'campaign-row', 'data-campaign-id': campaign.id, class: archived ? 'is-archived' : null },
      h(
        'th',
        { scope: 'row' },
        h('span', { class: 'campaign-name', 'data-testid': 'campaign-name-cell' }, campaign.name),
        archived ? h('span', { class: 'badge badge-team' }, 'Archived') : null,
      ),
      h('td', {}, TYPE_LABEL[campaign.type] || campaign.type),
      h(
        'td',
        { 'data-testid': 'campaign-sync-as-cell' },
        h('span', { class: ['pill', campaign.sync_as === 'contact' ? 'pill-contact' : 'pill-applicant'] }, SYNC_AS_LABEL[campaign.sync_as] || campaign.sync_as),
      ),
      h(
        'td',
        { 'data-testid': 'campaign-tags-cell' },
        campaign.tags.length
          ? h('ul', { class: 'chips chips-static', 'aria-label': 'Tags' }, campaign.tags.map((tag) => h('li', { class: 'chip' }, tag)))
          : h('span', { class: 'muted' }, 'No tags'),
      ),
      h('td', { class: 'nowrap' }, formatDate(campaign.created_at)),
      h('td', { class: 'actions' }, actions),
    );
  });
  slot.replaceChildren(
    h(
      'table',
      { class: 'data-table', 'data-testid': 'campaign-table' },
      h('caption', { class: 'sr-only' }, 'Campaigns'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Name', 'Type', 'Sync as', 'Sync options', 'Created'].map((title) => h('th', { scope: 'col' }, title)),
          h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')),
        ),
      ),
      h('tbody', {}, rows),
    ),
  );
}

/** The new/edit pop-up. Resolves with the saved campaign, or undefined when cancelled. */
async function campaignDialog({ ctx, campaign = null }) {
  let defaults = { default_sync_as: 'applicant', default_tags: [] };
  if (!campaign) {
    try {
      defaults = (await api.get('/api/integrations/itris/settings')).effective;
    } catch {
      // The server applies the defaults itself when these are unknown.
    }
  }
  const editing = Boolean(campaign);
  return openModal({
    title: editing ? 'Edit campaign' : 'New campaign',
    testid: 'campaign-dialog',
    initialFocus: '[data-testid="campaign-name"]',
    build: (close) => {
      let syncAsTouched = editing;
      let tags = [...(campaign?.tags ?? defaults.default_tags ?? [])];
      const name = field({
        label: 'Name',
        name: 'name',
        value: campaign?.name || '',
        autocomplete: 'off',
        maxlength: 200,
        testid: 'campaign-name',
      });
      const type = field({
        label: 'Type',
        hint: 'Whom the campaign reaches.',
        control: select({
          name: 'type',
          options: ctx.vocabulary.campaign_types.map((value) => ({ value, label: TYPE_LABEL[value] || value })),
          value: campaign?.type || 'candidate',
        }),
        testid: 'campaign-type',
      });
      const syncAs = field({
        label: 'Sync as',
        hint: 'What this campaign’s people become in itris. A recruiter can still change it for one person.',
        control: select({
          name: 'sync_as',
          options: ctx.vocabulary.sync_as.map((value) => ({ value, label: SYNC_AS_LABEL[value] || value })),
          value: campaign?.sync_as || defaults.default_sync_as || 'applicant',
        }),
        testid: 'campaign-sync-as',
      });
      syncAs.input.addEventListener('change', () => {
        syncAsTouched = true;
      });
      type.input.addEventListener('change', () => {
        const suggested = SYNC_AS_FOR_TYPE[type.input.value];
        if (!syncAsTouched && suggested) syncAs.input.value = suggested;
      });

      const tagsError = h('p', { class: 'field-error', id: 'campaign-tags-error', hidden: true });
      const editor = tagEditor({
        id: 'campaign-tag-input',
        tags,
        inputTestId: 'campaign-tag-input',
        chipTestId: 'campaign-tag',
        describedBy: 'campaign-tags-hint campaign-tags-error',
        onChange: (next) => {
          tags = next;
          updateToggleCount();
        },
      });
      const optionsPanel = h(
        'div',
        { class: 'disclosure-panel', id: 'campaign-sync-options', hidden: true, 'data-testid': 'campaign-sync-options' },
        h('label', { class: 'field-label', htmlFor: 'campaign-tag-input' }, 'Tags'),
        h(
          'p',
          { class: 'hint', id: 'campaign-tags-hint' },
          'Added as keywords to the itris record of every person pushed from this campaign.',
        ),
        h('div', { 'data-testid': 'campaign-tags' }, editor.element),
        tagsError,
      );
      const countBadge = h('span', { class: 'count-badge' });
      const toggle = h(
        'button',
        {
          type: 'button',
          class: 'disclosure',
          'aria-expanded': 'false',
          'aria-controls': 'campaign-sync-options',
          'data-testid': 'campaign-sync-options-toggle',
        },
        icon('chevron', 'icon disclosure-arrow'),
        'Sync options',
        countBadge,
      );
      function updateToggleCount() {
        countBadge.textContent = tags.length ? `${tags.length} ${tags.length === 1 ? 'tag' : 'tags'}` : '';
      }
      updateToggleCount();
      toggle.addEventListener('click', () => {
        const open = toggle.getAttribute('aria-expanded') !== 'true';
        toggle.setAttribute('aria-expanded', String(open));
        optionsPanel.hidden = !open;
        if (open) editor.input.focus();
      });

      const alert = h('div', { class: 'form-alert', role: 'alert', 'data-testid': 'campaign-error' });
      const save = h(
        'button',
        { type: 'submit', class: 'button primary', 'data-testid': 'campaign-save' },
        editing ? 'Save campaign' : 'Create campaign',
      );
      const cancel = h(
        'button',
        { type: 'button', class: 'button secondary', 'data-testid': 'campaign-cancel', onClick: () => close(undefined) },
        'Cancel',
      );
      const form = h(
        'form',
        { class: 'campaign-form', novalidate: true },
        name.element,
        h('div', { class: 'form-row' }, type.element, syncAs.element),
        h('div', { class: 'sync-options' }, toggle, optionsPanel),
        alert,
        h('div', { class: 'modal-actions' }, cancel, save),
      );

      const showErrors = (errors) => {
        name.setError(errors.name);
        type.setError(errors.type);
        syncAs.setError(errors.sync_as);
        const tagMessages = messagesOf(errors.tags);
        tagsError.replaceChildren(...(tagMessages.length ? [icon('alert', 'icon icon-small'), tagMessages.join(' ')] : []));
        tagsError.hidden = !tagMessages.length;
        if (tagMessages.length) {
          toggle.setAttribute('aria-expanded', 'true');
          optionsPanel.hidden = false;
        }
      };

      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        editor.commit(); // a tag typed but not yet entered still counts
        alert.replaceChildren();
        alert.className = 'form-alert';
        showErrors({});
        if (!name.input.value.trim()) {
          name.setError('Give the campaign a name.');
          name.input.focus();
          return;
        }
        const body = {
          name: name.input.value.trim(),
          type: type.input.value,
          sync_as: syncAs.input.value,
          tags,
        };
        save.disabled = true;
        try {
          const saved = editing
            ? await api.patch(`/api/campaigns/${campaign.id}`, body)
            : await api.post('/api/campaigns', body);
          close(saved);
        } catch (error) {
          save.disabled = false;
          alert.className = 'form-alert alert alert-error';
          const fieldErrors = error.status === 400 && Object.keys(error.errors || {}).length;
          alert.replaceChildren(
            icon('alert'),
            h('p', {}, fieldErrors ? 'The campaign was not saved: check the fields marked below.' : error.message),
          );
          showErrors(error.errors || {});
          const first = ['name', 'type', 'sync_as'].find((key) => error.errors?.[key]);
          if (first === 'name') name.input.focus();
          else if (first === 'type') type.input.focus();
          else if (first === 'sync_as') syncAs.input.focus();
          else if (error.errors?.tags) editor.input.focus();
        }
      });
      return form;
    },
  });
}
