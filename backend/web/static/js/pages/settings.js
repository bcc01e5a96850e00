/**
 * Settings: the team's integration settings (admins, with locks) or a user's own defaults.
 *
 * Grouped as the reference product groups them. A per-type section shows Applicants /
 * Contacts tabs and renders only the chosen type's controls, so each `setting-<key>` is
 * unique in the page. Edits go into a draft; Save sends it whole and the server validates it;
 * its field errors are shown beside the settings they name.
 */

import { api, ApiError } from '../api.js';
import { announce } from '../components/announce.js';
import { confirmDialog } from '../components/dialog.js';
import { errorBox, loading, messagesOf, pageHeader, select } from '../components/form.js';
import { tagEditor } from '../components/tags.js';
import { h, idPart, replaceKeepingFocus } from '../dom.js';
import { humanize } from '../format.js';
import { icon } from '../icons.js';
import {
  SYNC_AS,
  clone,
  deletePath,
  errorsByPath,
  expandLocks,
  getPath,
  hasPath,
  isLocked,
  sameValue,
  setPath,
  splitPath,
  withoutLocked,
} from '../settings-model.js';

const SETTINGS_URL = '/api/integrations/itris/settings';
const MINE_URL = '/api/me/settings';

// --- Words ------------------------------------------------------------------------------------
const TYPE_LABEL = { applicant: 'Applicants', contact: 'Contacts' };
const TYPE_SINGULAR = { applicant: 'applicant', contact: 'contact' };

const ADD_RULE_LABEL = {
  on_campaign_add: 'When added to a campaign',
  on_reply: 'When they reply',
  on_interested: 'When marked as interested',
  never: 'Never automatically (push by hand)',
};
const ACTIVITY_LABEL = {
  email_sent: 'Email sent',
  email_opened: 'Email opened',
  email_clicked: 'Email link clicked',
  email_replied: 'Email reply',
  email_bounced: 'Email bounced',
  linkedin_connection_sent: 'LinkedIn connection request',
  linkedin_message_sent: 'LinkedIn message',
  linkedin_inmail_sent: 'LinkedIn InMail',
  linkedin_replied: 'LinkedIn reply',
  call_logged: 'Call logged',
  sms_sent: 'SMS sent',
  sms_replied: 'SMS reply',
  marked_interested: 'Marked as interested',
  marked_not_interested: 'Marked as not interested',
  meeting_booked: 'Meeting booked',
};
const CHANNEL_LABEL = { email: 'Email', linkedin: 'LinkedIn', call: 'Calls', sms: 'SMS' };
const VARIABLE_LABEL = {
  first_name: 'First name',
  last_name: 'Last name',
  full_name: 'Full name',
  email: 'Email',
  phone: 'Phone',
  title: 'Job title',
  company: 'Company',
  location: 'Location',
  linkedin_url: 'LinkedIn URL',
  headline: 'Headline',
};
const COMPANY_INFO_LABEL = {
  status: 'Status',
  owner: 'Owner',
  contact_count: 'Number of contacts',
  location: 'Location',
  website: 'Website',
  last_updated: 'Last updated',
};
const COMPANY_WARNING_LABEL = {
  duplicates_and_similar: 'Warn about duplicates and similar names',
  duplicates_only: 'Warn about exact duplicates only',
  off: 'Don’t warn',
};
const WARNING_DETAIL_LABEL = {
  location: 'Location',
  website: 'Website',
  contact_count: 'Number of contacts',
  owner: 'Owner',
  id: 'itris id',
};
const POLICY_LABEL = { if_blank: 'Only fill if blank', always: 'Always overwrite' };
const FIELD_LABEL = {
  emailAddress: 'Email address',
  webAddress: 'Web address (LinkedIn)',
  postalCode: 'Postcode',
};

const options = (values, labels) => values.map((value) => ({ value, label: labels[value] || humanize(value) }));

// --- Every setting: its label, help and kind of control ------------------------------------------
// kind: toggle (checkbox) | select | checks (one checkbox per choice) | tags | mapping (a select
// per item). `choices(view, syncAs)` gives [{value, label}]; `items` the rows of a mapping.
const DEFS = {
  sync_manual_updates: {
    label: 'Sync manual updates',
    help: 'When someone edits a person’s details (name, company, role, location…), the change is pushed to their itris record field by field, under each field’s update policy.',
    kind: 'toggle',
  },
  block_off_limits_emails: {
    label: 'Block emails to off-limits people',
    help: 'The email check says “blocked” for anyone whose itris record — or any record with their email address — is off-limits or opted out of email.',
    kind: 'toggle',
  },
  add_to_itris: {
    label: 'Add to itris',
    help: (syncAs) => `When a person is created in, or linked to, itris as ${article(syncAs)}.`,
    kind: 'select',
    choices: (view) => options(view.vocabulary.add_rules, ADD_RULE_LABEL),
  },
  only_notes_to_synced: {
    label: 'Only write notes once synced',
    help: 'With “when they reply” or “when marked as interested”: no notes go to an already-existing itris record until the person has replied or is interested.',
    kind: 'toggle',
  },
  backfill_notes: {
    label: 'Backfill earlier notes',
    help: 'When a person becomes synced, their earlier qualifying activities are written as notes then.',
    kind: 'toggle',
  },
  displayed_fields: {
    label: 'Displayed fields',
    help: 'The itris fields a recruiter can fill in in the extension before pushing.',
    kind: 'checks',
    choices: (view, syncAs) => fieldChoices(view, syncAs),
  },
  mandatory_fields: {
    label: 'Mandatory fields',
    help: 'A push is refused until these have values. A mandatory field must also be displayed.',
    kind: 'checks',
    choices: (view, syncAs) => fieldChoices(view, syncAs),
  },
  update_policy: {
    label: 'Update policy',
    help: 'When the person is already in itris: overwrite each field, or only write into an empty one.',
    kind: 'mapping',
    columns: ['itris field', 'When updating'],
    items: (view, syncAs) => fieldChoices(view, syncAs),
    choices: (view) => options(view.vocabulary.update_policies, POLICY_LABEL),
    empty: null,
    defaultValue: (view) => view.vocabulary.default_update_policy,
  },
  default_status_id: {
    label: 'Status for new records',
    help: (syncAs) => `The itris status a new ${TYPE_SINGULAR[syncAs]} record starts with.`,
    kind: 'select',
    numeric: true,
    choices: (view, syncAs, value) =>
      withCurrent(
        [{ value: '', label: 'No status (itris default)' }, ...listChoices(view.options?.statuses?.[syncAs])],
        value,
        'Status',
      ),
  },
  default_contact_type_id: {
    label: 'Contact type for new contacts',
    help: 'The itris contact type a new contact record gets.',
    kind: 'select',
    numeric: true,
    choices: (view, _syncAs, value) =>
      withCurrent(
        [{ value: '', label: 'No contact type (itris default)' }, ...listChoices(view.options?.contact_types)],
        value,
        'Contact type',
      ),
  },
  note_activities: {
    label: 'Activities that create notes',
    help: 'Which outreach events are written into itris as notes.',
    kind: 'checks',
    choices: (view) => options(view.vocabulary.activity_types, ACTIVITY_LABEL),
  },
  note_channels: {
    label: 'Create new notes from',
    help: 'Activities on a channel left unticked never make notes.',
    kind: 'checks',
    choices: (view) => options(view.vocabulary.channels, CHANNEL_LABEL),
  },
  note_type_mapping: {
    label: 'Note mapping',
    help: 'The itris comment category each activity’s note is filed under. An unmapped activity makes a note without a category.',
    kind: 'mapping',
    numeric: true,
    columns: ['Activity', 'itris comment category'],
    items: (view) => options(view.vocabulary.activity_types, ACTIVITY_LABEL),
    choices: (view, _syncAs, value) =>
      withCurrent(
        [{ value: '', label: 'No category' }, ...listChoices(view.options?.comment_categories)],
        Object.values(value || {}),
        'Category',
      ),
    empty: '',
  },
  field_mapping: {
    label: 'Field mapping',
    help: 'Which of a person’s details fills each itris field when they are pushed.',
    kind: 'mapping',
    columns: ['itris field', 'itris-sync value'],
    items: (view, syncAs) => fieldChoices(view, syncAs),
    choices: (view) => [{ value: '', label: 'Not mapped' }, ...options(view.vocabulary.variables, VARIABLE_LABEL)],
    empty: '',
  },
  displayed_company_info: {
    label: 'Company info shown in the extension',
    help: 'Which itris facts about a person’s company the extension shows on a profile.',
    kind: 'checks',
    choices: (view) => options(view.vocabulary.company_info, COMPANY_INFO_LABEL),
  },
  company_warning: {
    label: 'Company warning',
    help: 'Before a contact is pushed, warn when itris already has companies with the same or a similar name, so no duplicate company is made.',
    kind: 'select',
    choices: (view) => options(view.vocabulary.company_warnings, COMPANY_WARNING_LABEL),
  },
  company_warning_detail: {
    label: 'Detail shown beside each company',
    help: 'The attribute that tells the candidate companies in a warning apart.',
    kind: 'select',
    choices: (view) => options(view.vocabulary.company_warning_details, WARNING_DETAIL_LABEL),
  },
  default_sync_as: {
    label: 'Sync new campaigns as',
    help: 'What a new campaign’s people become in itris unless its creator chooses otherwise.',
    kind: 'select',
    choices: (view) => options(view.vocabulary.sync_as, { applicant: 'Applicant', contact: 'Contact' }),
  },
  default_tags: {
    label: 'Default sync options (tags)',
    help: 'The tags a new campaign starts with; they are added to each person’s itris record as keywords.',
    kind: 'tags',
  },
  dont_overwrite_cv: {
    label: 'Don’t overwrite an existing CV',
    help: 'If the itris record already has a CV, no new CV is uploaded.',
    kind: 'toggle',
  },
};

const SECTIONS = [
  {
    id: 'contact-settings',
    title: 'Contact settings',
    intro: 'How changes made in itris-sync reach itris, and who may be emailed.',
    keys: ['sync_manual_updates', 'block_off_limits_emails'],
  },
  {
    id: 'adding',
    title: 'Adding to itris',
    intro: 'When people are added to itris, and which notes they get.',
    perType: true,
    keys: ['add_to_itris', 'only_notes_to_synced', 'backfill_notes'],
  },
  {
    id: 'fields',
    title: 'Fields',
    intro: 'The itris fields recruiters see and must fill in, and how existing values are updated.',
    perType: true,
    keys: ['displayed_fields', 'mandatory_fields', 'update_policy'],
  },
  {
    id: 'status',
    title: 'Status',
    intro: 'What a new itris record starts as.',
    perType: true,
    keys: ['default_status_id', 'default_contact_type_id'],
  },
  {
    id: 'notes',
    title: 'Activity notes',
    intro: 'Which outreach activities become itris notes, and where they are filed.',
    perType: true,
    keys: ['note_activities', 'note_channels', 'note_type_mapping'],
  },
  {
    id: 'mapping',
    title: 'Contact field mapping',
    intro: 'Which itris field each of a person’s details goes into.',
    perType: true,
    keys: ['field_mapping'],
  },
  {
    id: 'general',
    title: 'General',
    intro: 'Company information and duplicate warnings in the extension, and new campaigns’ defaults.',
    keys: [
      'displayed_company_info',
      'company_warning',
      'company_warning_detail',
      'default_sync_as',
      'default_tags',
    ],
  },
  {
    id: 'advanced',
    title: 'Advanced',
    intro: 'CVs.',
    keys: ['dont_overwrite_cv'],
  },
];

function article(syncAs) {
  return syncAs === 'applicant' ? 'an applicant' : 'a contact';
}

function fieldLabel(view, syncAs, name) {
  const catalogue = view.options?.fields?.[syncAs] || [];
  return catalogue.find((item) => item.name === name)?.label || FIELD_LABEL[name] || humanize(name);
}

function fieldChoices(view, syncAs) {
  return view.vocabulary.person_fields[syncAs].map((name) => ({
    value: name,
    label: fieldLabel(view, syncAs, name),
  }));
}

function listChoices(list) {
  return (list || []).map((item) => ({ value: item.id, label: item.name }));
}

/** Keep ids that are set but missing from itris's lists (or when the lists are unknown). */
function withCurrent(choices, values, noun) {
  const known = new Set(choices.map((choice) => String(choice.value)));
  const extra = [values]
    .flat()
    .filter((value) => value !== null && value !== undefined && value !== '' && !known.has(String(value)))
    .map((value) => ({ value, label: `${noun} #${value}` }));
  return [...choices, ...extra];
}

// --- The page ---------------------------------------------------------------------------------
export async function render(container, ctx) {
  const header = pageHeader(
    'Settings',
    ctx.isAdmin
      ? 'How your team’s people are synced to itris. Lock a setting to stop recruiters changing it for themselves.'
      : 'How the people you add are synced to itris. Your defaults apply to you only; settings your admin locked can’t be changed.',
  );
  const body = h('div', {}, loading('Loading settings…'));
  container.append(header, body);

  const [overview, lists] = await Promise.all([
    api.get(SETTINGS_URL),
    api.get('/api/integrations/itris/options').then(
      (value) => ({ value }),
      (error) => ({ error }),
    ),
  ]);
  if (!ctx.active()) return;
  const page = new SettingsPage(ctx, overview, lists);
  body.replaceWith(page.element);
  const beforeUnload = (event) => {
    if (page.dirty()) event.preventDefault();
  };
  window.addEventListener('beforeunload', beforeUnload);
  ctx.onCleanup(() => window.removeEventListener('beforeunload', beforeUnload));
}

class SettingsPage {
  constructor(ctx, overview, lists) {
    this.ctx = ctx;
    this.vocabulary = ctx.vocabulary;
    this.options = lists.value || null;
    this.optionsError = lists.error || null;
    this.scope = ctx.isAdmin ? 'team' : 'mine';
    this.tabs = Object.fromEntries(SECTIONS.filter((s) => s.perType).map((s) => [s.id, 'applicant']));
    this.errors = new Map();
    this.rows = new Map();
    this.load(overview);

    this.summary = h('div', {
      class: 'error-summary',
      'data-testid': 'settings-errors',
      tabIndex: -1,
      hidden: true,
    });
    this.sectionsColumn = h('div', { class: 'settings-sections' });
    // Not a live region: it changes with every edit. Save results are announced instead.
    this.saveStatus = h('p', { class: 'savebar-status', 'data-testid': 'settings-save-status' });
    this.scopeNote = h('p', { class: 'scope-note' });
    this.saveButton = h(
      'button',
      { type: 'button', class: 'button primary', 'data-testid': 'settings-save' },
      'Save changes',
    );
    this.discardButton = h(
      'button',
      { type: 'button', class: 'button secondary', 'data-testid': 'settings-discard' },
      'Discard',
    );
    this.saveButton.addEventListener('click', () => this.save());
    this.discardButton.addEventListener('click', () => this.discard());

    this.element = h(
      'div',
      { class: 'settings-page' },
      this.scopeSwitch(),
      this.scopeNote,
      this.optionsNotice(),
      this.summary,
      h('div', { class: 'settings-layout' }, this.toc(), this.sectionsColumn),
      h(
        'div',
        { class: 'savebar', role: 'region', 'aria-label': 'Save settings' },
        h('div', { class: 'savebar-inner' }, this.saveStatus, h('div', { class: 'savebar-actions' }, this.discardButton, this.saveButton)),
      ),
    );
    this.renderAll();
  }

  // --- State -----------------------------------------------------------------------------
  load(overview) {
    this.overview = overview;
    this.draftTeam = clone(overview.team);
    this.draftMine = clone(overview.user || {});
    this.serverLocks = new Set(overview.locks);
    this.draftLocks = expandLocks(overview.locks, this.vocabulary.section_keys);
    this.savedLocks = new Set(this.draftLocks);
  }

  get view() {
    return { vocabulary: this.vocabulary, options: this.options };
  }

  /** The locks that apply to what is being edited. */
  locks() {
    return this.scope === 'team' ? this.draftLocks : this.serverLocks;
  }

  value(path) {
    if (this.scope === 'team') return getPath(this.draftTeam, path);
    if (!isLocked(this.serverLocks, path) && hasPath(this.draftMine, path)) {
      return getPath(this.draftMine, path);
    }
    return getPath(this.overview.team, path);
  }

  overridden(path) {
    return this.scope === 'mine' && !isLocked(this.serverLocks, path) && hasPath(this.draftMine, path);
  }

  setValue(path, value) {
    if (this.scope === 'team') setPath(this.draftTeam, path, value);
    else setPath(this.draftMine, path, value);
    this.errors.delete(path);
    this.refreshRow(path);
    this.updateSaveBar();
  }

  resetToTeam(path) {
    deletePath(this.draftMine, path);
    this.errors.delete(path);
    this.refreshRow(path);
    this.updateSaveBar();
    announce(`${DEFS[splitPath(path).key].label} now follows the team setting.`);
  }

  toggleLock(path, locked) {
    if (locked) this.draftLocks.add(path);
    else this.draftLocks.delete(path);
    this.refreshRow(path);
    this.updateSaveBar();
  }

  dirty() {
    if (this.scope === 'team') {
      const locksChanged =
        this.draftLocks.size !== this.savedLocks.size ||
        [...this.draftLocks].some((lock) => !this.savedLocks.has(lock));
      return locksChanged || !sameValue(this.draftTeam, this.overview.team);
    }
    return !sameValue(this.draftMine, this.overview.user || {});
  }

  // --- Layout ------------------------------------------------------------------------------
  scopeSwitch() {
    if (!this.ctx.isAdmin) return null;
    const choices = [
      { value: 'team', label: 'Team settings', hint: 'Apply to everyone in the team' },
      { value: 'mine', label: 'My defaults', hint: 'Apply to you only' },
    ];
    const group = h(
      'fieldset',
      { class: 'segmented', 'data-testid': 'settings-scope' },
      h('legend', { class: 'sr-only' }, 'Settings to edit'),
      choices.map((choice) => {
        const id = `scope-${choice.value}`;
        const input = h('input', {
          type: 'radio',
          name: 'settings-scope',
          id,
          value: choice.value,
          checked: this.scope === choice.value,
        });
        input.addEventListener('change', () => this.changeScope(choice.value, input));
        return h(
          'div',
          { class: 'segment' },
          input,
          h('label', { htmlFor: id }, h('span', {}, choice.label), h('small', {}, choice.hint)),
        );
      }),
    );
    return group;
  }

  async changeScope(scope, input) {
    if (scope === this.scope) return;
    if (this.dirty()) {
      const discard = await confirmDialog({
        title: 'Discard unsaved changes?',
        message: 'You have changes that are not saved yet.',
        confirmLabel: 'Discard changes',
        danger: true,
      });
      if (!discard) {
        this.element.querySelector(`#scope-${this.scope}`).checked = true;
        return;
      }
    }
    this.scope = scope;
    this.load(this.overview);
    this.errors.clear();
    this.setStatus('', '');
    this.renderAll();
    input.focus();
  }

  optionsNotice() {
    if (this.options) return null;
    const notConnected = this.optionsError instanceof ApiError && this.optionsError.status === 409;
    return h(
      'div',
      { class: 'alert alert-info', 'data-testid': 'settings-options-notice' },
      icon('alert'),
      h(
        'p',
        {},
        notConnected
          ? 'itris is not connected, so its statuses, contact types and comment categories can’t be offered. Connect it on the Integrations page; ids already set are kept.'
          : `itris’s lists could not be loaded: ${this.optionsError?.message || 'unknown error'}. Ids already set are kept.`,
      ),
    );
  }

  toc() {
    return h(
      'nav',
      { class: 'settings-toc', 'aria-label': 'Settings sections' },
      h('p', { class: 'toc-title' }, 'On this page'),
      h(
        'ul',
        {},
        SECTIONS.map((section) =>
          h(
            'li',
            {},
            h(
              'button',
              {
                type: 'button',
                class: 'toc-link',
                onClick: () => {
                  const heading = document.getElementById(`heading-${section.id}`);
                  heading?.scrollIntoView({ behavior: 'smooth', block: 'start' });
                  heading?.focus({ preventScroll: true });
                },
              },
              section.title,
            ),
          ),
        ),
      ),
    );
  }

  renderAll() {
    this.rows.clear();
    this.scopeNote.replaceChildren(
      this.scope === 'team'
        ? 'You are editing the team’s settings. Everyone uses them unless they set their own default for a setting you have not locked.'
        : 'You are editing your own defaults. A setting shows “Team setting” until you change it; locked settings follow the team.',
    );
    this.sectionsColumn.replaceChildren(...SECTIONS.map((section) => this.renderSection(section)));
    this.renderSummary(null);
    this.updateSaveBar();
  }

  renderSection(section) {
    const headingId = `heading-${section.id}`;
    const bodyElement = this.renderSectionBody(section);
    return h(
      'section',
      {
        class: 'card settings-section',
        id: `section-${section.id}`,
        'data-testid': `section-${section.id}`,
        'aria-labelledby': headingId,
      },
      h(
        'header',
        { class: 'section-head' },
        h('div', {}, h('h2', { id: headingId, tabIndex: -1 }, section.title), h('p', { class: 'muted' }, section.intro)),
        section.perType ? this.renderTabs(section) : null,
      ),
      bodyElement,
    );
  }

  renderTabs(section) {
    const tabs = SYNC_AS.map((syncAs) => {
      const selected = this.tabs[section.id] === syncAs;
      const hasErrors = [...this.errors.keys()].some((path) => {
        const { syncAs: type, key } = splitPath(path);
        return type === syncAs && section.keys.includes(key);
      });
      return h(
        'button',
        {
          type: 'button',
          role: 'tab',
          class: ['tab', hasErrors && 'tab-invalid'],
          id: `tab-${section.id}-${syncAs}`,
          'aria-selected': String(selected),
          'aria-controls': `panel-${section.id}`,
          tabIndex: selected ? 0 : -1,
          'data-testid': `tab-${syncAs}`,
          onClick: () => this.selectTab(section, syncAs),
        },
        TYPE_LABEL[syncAs],
        hasErrors ? h('span', { class: 'tab-flag' }, h('span', { 'aria-hidden': 'true' }, ' •'), h('span', { class: 'sr-only' }, ' (has errors)')) : null,
      );
    });
    const list = h('div', { role: 'tablist', class: 'tabs', 'aria-label': `${section.title}: record type` }, tabs);
    list.addEventListener('keydown', (event) => {
      const moves = { ArrowRight: 1, ArrowLeft: -1, Home: -Infinity, End: Infinity };
      if (!(event.key in moves)) return;
      event.preventDefault();
      const index = SYNC_AS.indexOf(this.tabs[section.id]);
      const step = moves[event.key];
      const next = Number.isFinite(step)
        ? SYNC_AS[(index + step + SYNC_AS.length) % SYNC_AS.length]
        : SYNC_AS[step < 0 ? 0 : SYNC_AS.length - 1];
      this.selectTab(section, next);
      document.getElementById(`tab-${section.id}-${next}`)?.focus();
    });
    return list;
  }

  selectTab(section, syncAs) {
    if (this.tabs[section.id] === syncAs) return;
    this.tabs[section.id] = syncAs;
    const old = document.getElementById(`section-${section.id}`);
    const focusedTab = document.activeElement?.getAttribute('role') === 'tab';
    const fresh = this.renderSection(section);
    old.replaceWith(fresh);
    if (focusedTab) document.getElementById(`tab-${section.id}-${syncAs}`)?.focus();
  }

  renderSectionBody(section) {
    const syncAs = section.perType ? this.tabs[section.id] : null;
    const keys = section.perType
      ? section.keys.filter((key) => this.vocabulary.section_keys[syncAs].includes(key))
      : section.keys;
    const rows = keys.map((key) => this.buildRow(syncAs ? `${syncAs}.${key}` : key));
    const props = { class: 'section-body' };
    if (section.perType) {
      Object.assign(props, {
        role: 'tabpanel',
        id: `panel-${section.id}`,
        'aria-labelledby': `tab-${section.id}-${syncAs}`,
        'data-sync-as': syncAs,
      });
    }
    return h('div', props, rows);
  }

  // --- One setting ---------------------------------------------------------------------------
  buildRow(path) {
    const { syncAs, key } = splitPath(path);
    const def = DEFS[key];
    const id = `s-${idPart(path)}`;
    const labelId = `${id}-label`;
    const helpId = `${id}-help`;
    const errorId = `${id}-error`;
    const locked = isLocked(this.locks(), path);
    const disabled = this.scope === 'mine' && locked;
    const errors = messagesOf(this.errors.get(path));
    const compound = !['toggle', 'select'].includes(def.kind);
    const control = this.buildControl(path, def, {
      id,
      syncAs,
      key,
      labelId,
      describedBy: `${helpId} ${errorId}`,
      disabled,
      invalid: errors.length > 0,
    });
    control.setAttribute('data-testid', `setting-${key}`);
    control.setAttribute('data-setting', path);
    if (disabled) control.setAttribute('data-locked', 'true');

    const label =
      compound
        ? h('span', { class: 'setting-label', id: labelId }, def.label)
        : h('label', { class: 'setting-label', id: labelId, htmlFor: id }, def.label);
    const help = typeof def.help === 'function' ? def.help(syncAs) : def.help;
    const row = h(
      'div',
      {
        class: ['setting', compound ? 'setting-wide' : `setting-${def.kind}`, locked && 'is-locked', errors.length && 'is-invalid'],
        'data-path': path,
      },
      h(
        'div',
        { class: 'setting-text' },
        h('div', { class: 'setting-title' }, label, this.marker(path, locked)),
        h('p', { class: 'hint', id: helpId }, help),
      ),
      h('div', { class: 'setting-side' }, this.side(path, def, locked)),
      h('div', { class: 'setting-control' }, control),
      h(
        'p',
        { class: 'field-error', id: errorId, 'data-testid': `error-${key}`, hidden: errors.length === 0 },
        errors.length ? [icon('alert', 'icon icon-small'), errors.join(' ')] : [],
      ),
    );
    this.rows.set(path, row);
    return row;
  }

  refreshRow(path) {
    const old = this.rows.get(path);
    if (old?.isConnected) replaceKeepingFocus(old, this.buildRow(path));
  }

  marker(path, locked) {
    if (locked) {
      return h(
        'span',
        { class: 'badge badge-lock', 'data-testid': 'locked-badge' },
        icon('lock', 'icon icon-small'),
        this.scope === 'team' ? 'Locked' : 'Locked by your admin',
      );
    }
    if (this.scope !== 'mine') return null;
    return this.overridden(path)
      ? h('span', { class: 'badge badge-mine' }, 'Your default')
      : h('span', { class: 'badge badge-team' }, 'Team setting');
  }

  side(path, def, locked) {
    const { key } = splitPath(path);
    if (this.scope === 'team' && this.ctx.isAdmin) {
      const id = `lock-${idPart(path)}`;
      const input = h('input', {
        type: 'checkbox',
        id,
        checked: locked,
        'data-testid': `lock-${key}`,
        class: 'lock-input',
      });
      input.addEventListener('change', () => this.toggleLock(path, input.checked));
      return h(
        'label',
        { class: 'lock-toggle', htmlFor: id, title: 'Stop recruiters overriding this setting' },
        input,
        icon('lock', 'icon icon-small'),
        h('span', {}, 'Lock'),
        h('span', { class: 'sr-only' }, ` ${def.label}${splitPath(path).syncAs ? ` for ${TYPE_LABEL[splitPath(path).syncAs]}` : ''}`),
      );
    }
    if (this.overridden(path)) {
      return h(
        'button',
        {
          type: 'button',
          class: 'button link small',
          'data-testid': `reset-${key}`,
          onClick: () => this.resetToTeam(path),
        },
        'Use team setting',
        h('span', { class: 'sr-only' }, ` for ${def.label}`),
      );
    }
    return null;
  }

  buildControl(path, def, props) {
    const value = this.value(path);
    const onChange = (next) => this.setValue(path, next);
    const common = {
      'aria-describedby': props.describedBy,
      'aria-invalid': props.invalid ? 'true' : null,
    };
    const syncAs = props.syncAs;
    switch (def.kind) {
      case 'toggle': {
        const input = h('input', {
          type: 'checkbox',
          role: 'switch',
          class: 'switch',
          id: props.id,
          checked: value === true,
          disabled: props.disabled,
          ...common,
        });
        input.addEventListener('change', () => onChange(input.checked));
        return input;
      }
      case 'select': {
        const control = select({
          id: props.id,
          options: def.choices(this.view, syncAs, value),
          value: value ?? '',
          disabled: props.disabled,
          ...common,
        });
        control.addEventListener('change', () => {
          const raw = control.value;
          onChange(def.numeric ? (raw === '' ? null : Number(raw)) : raw);
        });
        return control;
      }
      case 'checks':
        return this.checksControl(path, def, value || [], props, common, onChange);
      case 'tags': {
        const editor = tagEditor({
          id: `${props.id}-input`,
          tags: value || [],
          describedBy: props.describedBy,
          onChange: (tags) => onChange(tags),
        });
        return h(
          'fieldset',
          { id: props.id, class: 'plain-fieldset', 'aria-labelledby': props.labelId, disabled: props.disabled, ...common },
          h('label', { class: 'sr-only', htmlFor: `${props.id}-input` }, 'Add a tag'),
          editor.element,
        );
      }
      case 'mapping':
        return this.mappingControl(path, def, value || {}, props, common, onChange);
      default:
        throw new Error(`no control for ${path}`);
    }
  }

  checksControl(path, def, value, props, common, onChange) {
    const { syncAs, key } = splitPath(path);
    const choices = def.choices(this.view, syncAs);
    const chosen = new Set(value);
    const known = new Set(choices.map((c) => c.value));
    const mandatory = key === 'displayed_fields' ? new Set(this.value(`${syncAs}.mandatory_fields`) || []) : null;
    const boxes = choices.map((choice) => {
      const id = `${props.id}-${idPart(choice.value)}`;
      const input = h('input', { type: 'checkbox', id, value: choice.value, checked: chosen.has(choice.value) });
      input.addEventListener('change', () => {
        const next = new Set(this.value(path) || []);
        if (input.checked) next.add(choice.value);
        else next.delete(choice.value);
        const ordered = [...choices.map((c) => c.value).filter((v) => next.has(v)), ...[...next].filter((v) => !known.has(v))];
        onChange(ordered);
        // A field made mandatory is shown to recruiters too, unless that is not ours to change.
        if (key === 'mandatory_fields') {
          if (input.checked) this.ensureDisplayed(syncAs, choice.value);
          else this.refreshRow(`${syncAs}.displayed_fields`);
        }
      });
      return h(
        'div',
        { class: 'check' },
        input,
        h(
          'label',
          { htmlFor: id },
          choice.label,
          mandatory?.has(choice.value) ? h('span', { class: 'tag-mini' }, 'mandatory') : null,
        ),
      );
    });
    return h(
      'fieldset',
      {
        id: props.id,
        class: ['plain-fieldset', 'check-grid', choices.length > 8 && 'check-grid-wide'],
        'aria-labelledby': props.labelId,
        disabled: props.disabled,
        ...common,
      },
      boxes,
    );
  }

  ensureDisplayed(syncAs, field) {
    const path = `${syncAs}.displayed_fields`;
    if (this.scope === 'mine' && isLocked(this.serverLocks, path)) return;
    const displayed = this.value(path) || [];
    if (displayed.includes(field)) {
      this.refreshRow(path);
      return;
    }
    const order = this.vocabulary.person_fields[syncAs];
    const next = new Set([...displayed, field]);
    this.setValue(path, [...order.filter((name) => next.has(name)), ...[...next].filter((name) => !order.includes(name))]);
  }

  mappingControl(path, def, value, props, common, onChange) {
    const { syncAs } = splitPath(path);
    const items = def.items(this.view, syncAs);
    const choices = def.choices(this.view, syncAs, value);
    const fallback = def.defaultValue ? def.defaultValue(this.view) : def.empty;
    const rows = items.map((item) => {
      const id = `${props.id}-${idPart(item.value)}`;
      const current = value[item.value] ?? fallback ?? '';
      const control = select({ id, options: choices, value: current, 'data-item': item.value });
      control.addEventListener('change', () => {
        const next = { ...(this.value(path) || {}) };
        const raw = control.value;
        if (raw === '' || (def.defaultValue && raw === fallback)) delete next[item.value];
        else next[item.value] = def.numeric ? Number(raw) : raw;
        onChange(next);
      });
      return h(
        'div',
        { class: ['mapping-item', current !== fallback && current !== '' && 'is-set'] },
        h('label', { htmlFor: id }, item.label),
        control,
      );
    });
    return h(
      'fieldset',
      { id: props.id, class: 'plain-fieldset', 'aria-labelledby': props.labelId, disabled: props.disabled, ...common },
      h(
        'p',
        { class: 'mapping-head', 'aria-hidden': 'true' },
        h('span', {}, def.columns[0]),
        h('span', { class: 'mapping-arrow' }, '→'),
        h('span', {}, def.columns[1]),
      ),
      h('div', { class: 'mapping-grid' }, rows),
    );
  }

  // --- Saving ----------------------------------------------------------------------------------
  updateSaveBar() {
    const dirty = this.dirty();
    this.saveButton.disabled = !dirty;
    this.discardButton.disabled = !dirty;
    this.element?.classList.toggle('is-dirty', dirty);
    if (dirty) this.setStatus('You have unsaved changes.', 'pending');
    else if (!this.saveStatus.dataset.kind || this.saveStatus.dataset.kind === 'pending') this.setStatus('', '');
  }

  setStatus(text, kind) {
    this.saveStatus.dataset.kind = kind;
    this.saveStatus.replaceChildren(...(kind === 'saved' ? [icon('check'), text] : [text]));
  }

  discard() {
    this.load(this.overview);
    this.errors.clear();
    this.renderAll();
    this.setStatus('Changes discarded.', 'info');
    announce('Changes discarded.');
  }

  async save() {
    this.saveButton.disabled = true;
    this.setStatus('Saving…', 'busy');
    try {
      const overview =
        this.scope === 'team'
          ? await api.put(SETTINGS_URL, {
              team: this.draftTeam,
              locks: this.vocabulary.lockable_keys.filter((lock) => this.draftLocks.has(lock)),
            })
          : await api.put(MINE_URL, withoutLocked(this.draftMine, this.serverLocks));
      this.load(overview);
      this.errors.clear();
      this.renderAll();
      this.setStatus('All changes saved.', 'saved');
      announce('Settings saved.');
    } catch (error) {
      if (!(error instanceof ApiError) || error.status === 401) {
        this.updateSaveBar();
        this.setStatus(error.message, 'error');
        return;
      }
      const nested = this.scope === 'team' ? error.errors.team || {} : error.errors;
      this.errors = errorsByPath(nested);
      const general = this.scope === 'team' && error.errors.locks ? messagesOf(error.errors.locks) : [];
      if (error.status === 403) {
        // An admin locked something meanwhile: show the locks as they are now.
        try {
          const fresh = await api.get(SETTINGS_URL);
          this.overview = { ...this.overview, team: fresh.team, locks: fresh.locks };
          this.serverLocks = new Set(fresh.locks);
        } catch {
          // The error itself is still shown.
        }
      }
      this.showErrorTabs();
      this.renderAllKeepingDraft();
      // A refused body's own message only names the parts ("Invalid request: team"); the
      // list below says what is wrong where.
      const message =
        error.status === 400 && this.errors.size
          ? 'Correct the settings below, then save again.'
          : error.message;
      this.renderSummary(message, general);
      this.updateSaveBar();
      this.setStatus('Not saved: see the errors above.', 'error');
      announce(`Not saved. ${error.message}`);
    }
  }

  /** Switch a section's tab to the type with errors when the shown type has none. */
  showErrorTabs() {
    for (const section of SECTIONS.filter((s) => s.perType)) {
      const typesWithErrors = SYNC_AS.filter((syncAs) =>
        section.keys.some((key) => this.errors.has(`${syncAs}.${key}`)),
      );
      if (typesWithErrors.length && !typesWithErrors.includes(this.tabs[section.id])) {
        this.tabs[section.id] = typesWithErrors[0];
      }
    }
  }

  renderAllKeepingDraft() {
    this.rows.clear();
    this.sectionsColumn.replaceChildren(...SECTIONS.map((section) => this.renderSection(section)));
  }

  renderSummary(message, general = []) {
    if (!message) {
      this.summary.hidden = true;
      this.summary.replaceChildren();
      return;
    }
    const items = [...this.errors.entries()].map(([path, raw]) => {
      const { syncAs, key } = splitPath(path);
      const def = DEFS[key];
      const section = SECTIONS.find((s) => s.keys.includes(key));
      const where = [section?.title, syncAs && TYPE_LABEL[syncAs], def?.label || key].filter(Boolean).join(' › ');
      return h(
        'li',
        {},
        h(
          'button',
          { type: 'button', class: 'button link', onClick: () => this.focusSetting(path) },
          where,
        ),
        `: ${messagesOf(raw).join(' ')}`,
      );
    });
    this.summary.hidden = false;
    this.summary.className = 'error-summary alert alert-error';
    this.summary.replaceChildren(
      icon('alert'),
      h(
        'div',
        {},
        h('h2', { class: 'alert-title' }, 'These settings were not saved'),
        h('p', {}, message),
        general.length ? h('p', {}, general.join(' ')) : null,
        items.length ? h('ul', {}, items) : null,
      ),
    );
    this.summary.focus();
  }

  focusSetting(path) {
    const { syncAs, key } = splitPath(path);
    const section = SECTIONS.find((s) => s.keys.includes(key));
    if (section?.perType && syncAs) this.selectTab(section, syncAs);
    const control = document.getElementById(`s-${idPart(path)}`);
    if (!control) return;
    const target = control.matches('fieldset') ? control.querySelector('input, select, button') : control;
    control.closest('.setting')?.scrollIntoView({ block: 'center' });
    target?.focus({ preventScroll: true });
  }
}
