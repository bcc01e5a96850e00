// Unit tests of the admin app's pure modules, run by Node's built-in runner
// (e2e/admin/test_admin_js_units.py runs them with the browser tests).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { scale } from '../../../backend/web/static/js/components/chart.js';
import { messagesOf } from '../../../backend/web/static/js/components/form.js';
import { normaliseTags } from '../../../backend/web/static/js/components/tags.js';
import { humanize } from '../../../backend/web/static/js/format.js';
import { dayQuery, reasonOf } from '../../../backend/web/static/js/pages/sync-log.js';
import {
  deletePath,
  errorsByPath,
  expandLocks,
  getPath,
  hasPath,
  isLocked,
  sameValue,
  setPath,
  withoutLocked,
} from '../../../backend/web/static/js/settings-model.js';

test('paths reach general keys and per-type keys', () => {
  const doc = {};
  setPath(doc, 'company_warning', 'off');
  setPath(doc, 'applicant.add_to_itris', 'never');
  assert.deepEqual(doc, { company_warning: 'off', applicant: { add_to_itris: 'never' } });
  assert.equal(getPath(doc, 'applicant.add_to_itris'), 'never');
  assert.equal(hasPath(doc, 'contact.add_to_itris'), false);
  deletePath(doc, 'applicant.add_to_itris');
  assert.deepEqual(doc, { company_warning: 'off' }); // an emptied section goes too
});

test('a whole-type lock locks each of its keys', () => {
  const locks = new Set(['contact', 'company_warning']);
  assert.equal(isLocked(locks, 'contact.add_to_itris'), true);
  assert.equal(isLocked(locks, 'applicant.add_to_itris'), false);
  assert.equal(isLocked(locks, 'company_warning'), true);
  const expanded = expandLocks(['contact'], { contact: ['a', 'b'], applicant: ['a'] });
  assert.deepEqual([...expanded], ['contact.a', 'contact.b']);
});

test('personal overrides lose the keys the admin locked', () => {
  const locks = new Set(['applicant.add_to_itris', 'company_warning']);
  const doc = {
    company_warning: 'off',
    company_warning_detail: 'id',
    applicant: { add_to_itris: 'never' },
    contact: { add_to_itris: 'never' },
  };
  assert.deepEqual(withoutLocked(doc, locks), {
    company_warning_detail: 'id',
    contact: { add_to_itris: 'never' },
  });
});

test("the server's nested errors are keyed by setting path", () => {
  const found = errorsByPath({
    applicant: { mandatory_fields: ['Must be displayed.'] },
    default_tags: { 0: ['Too long.'] },
  });
  assert.deepEqual([...found.keys()], ['applicant.mandatory_fields', 'default_tags']);
  assert.deepEqual(messagesOf(found.get('default_tags')), ['Too long.']);
  assert.deepEqual(messagesOf({ email_replied: { value: ['Unknown category.'] } }), [
    'email_replied: Unknown category.',
  ]);
});

test('values compare regardless of key order', () => {
  assert.equal(sameValue({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 }), true);
  assert.equal(sameValue({ a: [1, 2] }, { a: [2, 1] }), false);
});

test('tags are trimmed and deduplicated without regard to case', () => {
  assert.deepEqual(normaliseTags([' Java ', 'java', '', 'London']), ['Java', 'London']);
});

test('field and variable names read as words', () => {
  assert.equal(humanize('mobileNumber'), 'Mobile number');
  assert.equal(humanize('linkedin_url'), 'Linkedin url');
});

test('the chart scale has round steps and at most five of them', () => {
  for (const [value, expected] of [
    [0, { step: 1, max: 2 }],
    [4, { step: 1, max: 4 }],
    [9, { step: 2, max: 10 }],
    [23, { step: 5, max: 25 }],
    [99, { step: 20, max: 100 }],
  ]) {
    assert.deepEqual(scale(value), expected, `scale(${value})`);
  }
});

test('a push says why it ended as it did', () => {
  assert.equal(
    reasonOf({ status: 'failed', last_error: 'itris answered 500 (gave up after 2 attempts)' }),
    'itris answered 500 (gave up after 2 attempts)',
  );
  assert.equal(reasonOf({ status: 'skipped', skipped_rule: 'missing lastName' }), 'Skipped: missing lastName');
  assert.equal(
    reasonOf({ status: 'succeeded', result: { created: true, fields_written: ['a', 'b'], notes_written: 1 } }),
    'Created in itris · 2 fields · 1 note',
  );
  assert.equal(reasonOf({ status: 'succeeded', result: { matched_by: 'email' } }), 'Matched by email');
  assert.equal(reasonOf({ status: 'queued', attempts: 1, last_error: 'timeout' }), 'Will retry: timeout');
});

test('the chart counts days in the browser\'s time zone, or at its offset where it names none', () => {
  assert.deepEqual(dayQuery(14, 'Europe/London', 60), { days: 14, time_zone: 'Europe/London' });
  assert.deepEqual(dayQuery(14, undefined, -300), { days: 14, utc_offset_minutes: -300 });
  assert.deepEqual(dayQuery(14, 'Etc/Unknown', 0), { days: 14, utc_offset_minutes: 0 });
});
