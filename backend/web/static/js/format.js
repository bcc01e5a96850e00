/** Dates and words for people. */

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

export function parseDate(value) {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

export function formatDateTime(value) {
  const date = parseDate(value);
  return date ? dateTime.format(date) : '—';
}

export function formatDate(value) {
  const date = parseDate(value);
  return date ? dateOnly.format(date) : '—';
}

/** "3 minutes ago", "yesterday" … for recent times; a date beyond a week. */
export function formatRelative(value, now = new Date()) {
  const date = parseDate(value);
  if (!date) return '—';
  const seconds = Math.round((date.getTime() - now.getTime()) / 1000);
  const steps = [
    [60, 'second'],
    [60, 'minute'],
    [24, 'hour'],
    [7, 'day'],
  ];
  let amount = seconds;
  for (const [size, unit] of steps) {
    if (Math.abs(amount) < size) {
      return unit === 'second' && Math.abs(amount) < 10 ? 'just now' : relative.format(amount, unit);
    }
    amount = Math.round(amount / size);
  }
  return dateTime.format(date);
}

/** "first_name" / "mobileNumber" → "First name" / "Mobile number". */
export function humanize(name) {
  const words = String(name)
    .replace(/_/g, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function plural(count, one, many = `${one}s`) {
  return `${count} ${count === 1 ? one : many}`;
}
