/** Sync log: every push with its outcome and reason, a status filter, Retry, and a daily chart. */

import { api, query } from '../api.js';
import { announce } from '../components/announce.js';
import { outcomeChart } from '../components/chart.js';
import { errorBox, loading, pageHeader, select } from '../components/form.js';
import { h } from '../dom.js';
import { formatDateTime, formatRelative, humanize, plural } from '../format.js';
import { icon } from '../icons.js';

const STATUS = {
  queued: { label: 'Queued', pill: 'pill-info' },
  running: { label: 'Running', pill: 'pill-info' },
  succeeded: { label: 'Succeeded', pill: 'pill-success' },
  failed: { label: 'Failed', pill: 'pill-danger' },
  needs_review: { label: 'Needs review', pill: 'pill-warning' },
  skipped: { label: 'Skipped', pill: 'pill-neutral' },
};
const RECORD_TYPE = { applicant: 'Applicant', contact: 'Contact' };
const TRIGGER = {
  push: 'Pushed by hand',
  campaign_add: 'Added to a campaign',
  activity: 'Outreach activity',
  manual_update: 'Details edited',
  cv: 'CV attached',
  link: 'Match chosen',
  company: 'Company chosen',
};
const MATCHED_BY = {
  email: 'email',
  linkedin: 'LinkedIn profile',
  linked: 'the stored link',
  created: 'creation',
  name_company: 'name and company',
};
const SERIES = [
  { key: 'succeeded', label: 'Succeeded', className: 'series-success' },
  { key: 'failed', label: 'Failed', className: 'series-danger' },
  { key: 'needs_review', label: 'Needs review', className: 'series-warning' },
  { key: 'skipped', label: 'Skipped', className: 'series-neutral' },
  { key: 'pending', label: 'In progress', className: 'series-info' },
];
const CHART_DAYS = 14;
const TABLE_LIMIT = 100;
const POLL_MS = 1500;

export async function render(container, ctx) {
  const state = {
    status: '',
    pushes: [],
    chartDays: [],
    timer: null,
  };
  ctx.onCleanup(() => clearTimeout(state.timer));

  const filter = select({
    id: 'sync-log-filter',
    'data-testid': 'sync-log-filter',
    options: [
      { value: '', label: 'All statuses' },
      ...ctx.vocabulary.push_statuses.map((value) => ({ value, label: STATUS[value]?.label || humanize(value) })),
    ],
    value: '',
  });
  const refreshButton = h(
    'button',
    { type: 'button', class: 'button secondary', 'data-testid': 'sync-log-refresh' },
    icon('retry'),
    'Refresh',
  );
  const chartSlot = h('section', { class: 'card chart-card', 'aria-labelledby': 'chart-heading' }, loading());
  const notice = h('div', { class: 'form-alert', role: 'alert' });
  const tableSlot = h('div', { class: 'card table-card' }, loading('Loading pushes…'));
  const countLine = h('p', { class: 'muted count-line', role: 'status' });

  container.append(
    pageHeader(
      'Sync log',
      'Every push of a person to itris, what happened and why. Failed pushes can be retried.',
      refreshButton,
    ),
    chartSlot,
    h(
      'div',
      { class: 'toolbar' },
      h('div', { class: 'inline-field' }, h('label', { htmlFor: 'sync-log-filter' }, 'Status'), filter),
      countLine,
    ),
    notice,
    tableSlot,
  );

  const schedule = () => {
    clearTimeout(state.timer);
    const pending =
      state.pushes.some((push) => ['queued', 'running'].includes(push.status)) ||
      state.chartDays.some((day) => day.pending);
    if (pending && ctx.active()) state.timer = setTimeout(() => refresh({ quiet: true }), POLL_MS);
  };

  async function refresh({ quiet = false, focusPush = null } = {}) {
    clearTimeout(state.timer);
    try {
      const days = dayQuery(
        CHART_DAYS,
        Intl.DateTimeFormat().resolvedOptions().timeZone,
        -new Date().getTimezoneOffset(),
      );
      const [pushes, summary] = await Promise.all([
        api.get(`/api/pushes${query({ status: state.status, limit: TABLE_LIMIT })}`),
        api.get(`/api/pushes/summary${query(days)}`),
      ]);
      // Newest first by when they were made (ids order them too, except for imported rows).
      state.pushes = [...pushes].sort(
        (a, b) => new Date(b.created_at) - new Date(a.created_at) || b.id - a.id,
      );
      state.chartDays = summary.days;
      if (!ctx.active()) return;
      renderChart(chartSlot, summary.days);
      renderTable(tableSlot, state, retry);
      countLine.textContent = countText(state);
      if (focusPush) document.getElementById(`push-${focusPush}-status`)?.focus();
      if (!quiet) notice.replaceChildren();
    } catch (error) {
      if (!ctx.active()) return;
      notice.className = 'form-alert';
      notice.replaceChildren(errorBox(error, { title: 'The sync log could not be loaded' }));
    }
    schedule();
  }

  async function retry(push, button) {
    button.disabled = true;
    try {
      await api.post(`/api/pushes/${push.id}/retry`);
      announce(`Retrying the push for ${personName(push)}.`);
      await refresh({ focusPush: push.id });
    } catch (error) {
      button.disabled = false;
      notice.replaceChildren(errorBox(error, { title: 'The push could not be retried' }));
      announce(error.message);
    }
  }

  filter.addEventListener('change', () => {
    state.status = filter.value;
    refresh();
  });
  refreshButton.addEventListener('click', async () => {
    await refresh();
    announce('Sync log refreshed.');
  });
  await refresh();
}

function personName(push) {
  return push.contact_name || push.contact_email || `Person #${push.contact_id}`;
}

function countText(state) {
  const shown = state.pushes.length;
  const what = state.status ? `${STATUS[state.status]?.label.toLowerCase() || state.status} ` : '';
  const more = shown >= TABLE_LIMIT ? ` (the latest ${TABLE_LIMIT})` : '';
  return `Showing ${plural(shown, `${what}push`, `${what}pushes`)}${more}.`;
}

/** The chart's query: days as this browser counts them, in its time zone (days of 23 or 25
 * hours where the clocks change), or at today's offset from UTC where it names none. */
export function dayQuery(days, zone, offsetMinutes) {
  if (zone && zone !== 'Etc/Unknown') return { days, time_zone: zone };
  return { days, utc_offset_minutes: offsetMinutes };
}

export function reasonOf(push) {
  const result = push.result || {};
  switch (push.status) {
    case 'failed':
      return push.last_error || 'Failed.';
    case 'skipped':
      return push.skipped_rule ? `Skipped: ${push.skipped_rule}` : 'Skipped by the sync rules.';
    case 'needs_review':
      return push.last_error || 'A possible match in itris needs someone to decide.';
    case 'queued':
      if (push.last_error) return `Will retry: ${push.last_error}`;
      return push.attempts ? 'Waiting to retry.' : 'Waiting to run.';
    case 'running':
      return 'Running now.';
    case 'succeeded': {
      const parts = [];
      if (result.created) parts.push('Created in itris');
      else if (result.matched_by) parts.push(`Matched by ${MATCHED_BY[result.matched_by] || humanize(result.matched_by).toLowerCase()}`);
      else parts.push('Synced');
      if (result.fields_written?.length) parts.push(plural(result.fields_written.length, 'field'));
      if (result.keywords_added?.length) parts.push(plural(result.keywords_added.length, 'tag'));
      if (result.notes_written) parts.push(plural(result.notes_written, 'note'));
      if (result.cv_uploaded) parts.push('CV uploaded');
      return parts.join(' · ');
    }
    default:
      return '';
  }
}

function renderTable(slot, state, retry) {
  if (!state.pushes.length) {
    slot.replaceChildren(
      h(
        'div',
        { class: 'empty' },
        h('h2', {}, state.status ? `No ${STATUS[state.status]?.label.toLowerCase() || state.status} pushes` : 'Nothing pushed yet'),
        h(
          'p',
          { class: 'muted' },
          state.status
            ? 'Choose “All statuses” to see every push.'
            : 'Pushes appear here when people are added to campaigns or pushed from the extension.',
        ),
      ),
    );
    return;
  }
  const rows = state.pushes.map((push) => {
    const status = STATUS[push.status] || { label: humanize(push.status), pill: 'pill-neutral' };
    const secondary = push.campaign_name ? `in ${push.campaign_name}` : push.contact_email;
    const action =
      push.status === 'failed'
        ? h(
            'button',
            {
              type: 'button',
              class: 'button secondary small',
              'data-testid': 'push-retry',
              'aria-label': `Retry the push for ${personName(push)}`,
            },
            icon('retry'),
            'Retry',
          )
        : null;
    action?.addEventListener('click', () => retry(push, action));
    const recordId = push.result?.record_id;
    return h(
      'tr',
      { 'data-testid': 'push-row', 'data-push-id': push.id, 'data-status': push.status, class: `row-${push.status}` },
      h(
        'td',
        { class: 'nowrap' },
        h('span', { title: formatDateTime(push.created_at) }, formatRelative(push.created_at)),
        h('span', { class: 'cell-sub' }, TRIGGER[push.trigger] || humanize(push.trigger || '')),
      ),
      h(
        'th',
        { scope: 'row', class: 'person', 'data-testid': 'push-person' },
        h('span', { class: 'person-name' }, personName(push)),
        secondary ? h('span', { class: 'cell-sub' }, secondary) : null,
      ),
      h(
        'td',
        { 'data-testid': 'push-record-type' },
        RECORD_TYPE[push.sync_as] || humanize(push.sync_as),
        recordId ? h('span', { class: 'cell-sub' }, `itris #${recordId}`) : null,
      ),
      h(
        'td',
        {},
        h(
          'span',
          { class: ['pill', status.pill], 'data-testid': 'push-status', id: `push-${push.id}-status`, tabIndex: -1 },
          h('span', { class: 'dot', 'aria-hidden': 'true' }),
          status.label,
        ),
      ),
      h(
        'td',
        { class: 'reason', 'data-testid': 'push-reason' },
        reasonOf(push),
        push.attempts > 1 ? h('span', { class: 'cell-sub' }, `${push.attempts} attempts`) : null,
      ),
      h('td', { class: 'actions' }, action),
    );
  });
  slot.replaceChildren(
    h(
      'table',
      { class: 'data-table sync-table', 'data-testid': 'sync-log' },
      h('caption', { class: 'sr-only' }, 'Pushes to itris, newest first'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['When', 'Person', 'Record type', 'Status', 'Reason'].map((title) => h('th', { scope: 'col' }, title)),
          h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')),
        ),
      ),
      h('tbody', {}, rows),
    ),
  );
}

/** The chart's days from GET /api/pushes/summary: `{date: "YYYY-MM-DD", <outcome>: n}`. */
function renderChart(slot, summaryDays) {
  const days = summaryDays.map(({ date, ...counts }) => {
    const [year, month, day] = date.split('-').map(Number);
    return { date: new Date(year, month - 1, day), counts };
  });
  const total = (key, list = days) => list.reduce((sum, day) => sum + (day.counts[key] || 0), 0);
  const lastWeek = days.slice(-7);
  const ok = total('succeeded', lastWeek);
  const failed = total('failed', lastWeek);
  const finished = ok + failed;
  const rate = finished ? Math.round((ok / finished) * 100) : null;
  const health =
    rate === null
      ? { label: 'No recent pushes', pill: 'pill-neutral', text: 'Nothing finished in the last 7 days.' }
      : rate >= 95
        ? { label: 'Healthy', pill: 'pill-success' }
        : rate >= 75
          ? { label: 'Some failures', pill: 'pill-warning' }
          : { label: 'Failing', pill: 'pill-danger' };
  const summaryText =
    rate === null
      ? health.text
      : `${rate}% of finished pushes succeeded in the last 7 days (${ok} of ${finished}).`;
  const series = SERIES.map((part) => ({ ...part, label: `${part.label} (${total(part.key)})` }));
  const description = `${CHART_DAYS} days: ${SERIES.map((part) => `${total(part.key)} ${part.label.toLowerCase()}`).join(', ')}.`;
  slot.replaceChildren(
    h(
      'div',
      { class: 'chart-head' },
      h('div', {}, h('h2', { id: 'chart-heading' }, 'Outcomes per day'), h('p', { class: 'muted' }, `The last ${CHART_DAYS} days, by the day each push was made.`)),
      h(
        'div',
        { class: 'health', 'data-testid': 'sync-health' },
        h('span', { class: ['pill', health.pill] }, h('span', { class: 'dot', 'aria-hidden': 'true' }), health.label),
        h('span', { class: 'health-text' }, summaryText),
      ),
    ),
    outcomeChart({ days, series, title: 'Push outcomes per day', summary: `${description} ${summaryText}` }),
  );
}
