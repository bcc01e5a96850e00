/**
 * Pure helpers over settings documents: dotted paths ("company_warning",
 * "applicant.add_to_itris"), locks, and the server's nested field errors.
 */

export const SYNC_AS = ['applicant', 'contact'];

export function splitPath(path) {
  const [head, tail] = path.split('.');
  return tail === undefined ? { syncAs: null, key: head } : { syncAs: head, key: tail };
}

export function getPath(doc, path) {
  const { syncAs, key } = splitPath(path);
  return syncAs ? doc?.[syncAs]?.[key] : doc?.[key];
}

export function hasPath(doc, path) {
  const { syncAs, key } = splitPath(path);
  const holder = syncAs ? doc?.[syncAs] : doc;
  return !!holder && Object.prototype.hasOwnProperty.call(holder, key);
}

export function setPath(doc, path, value) {
  const { syncAs, key } = splitPath(path);
  if (syncAs) {
    doc[syncAs] = doc[syncAs] || {};
    doc[syncAs][key] = value;
  } else {
    doc[key] = value;
  }
}

export function deletePath(doc, path) {
  const { syncAs, key } = splitPath(path);
  if (!syncAs) {
    delete doc[key];
    return;
  }
  if (!doc[syncAs]) return;
  delete doc[syncAs][key];
  if (!Object.keys(doc[syncAs]).length) delete doc[syncAs];
}

export function clone(value) {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

/** Whether `locks` forbid overriding `path` (its own lock, or its whole type's). */
export function isLocked(locks, path) {
  const { syncAs } = splitPath(path);
  return locks.has(path) || (syncAs !== null && locks.has(syncAs));
}

/** Locks with any whole-type lock ("applicant") spelled out key by key. */
export function expandLocks(locks, sectionKeys) {
  const expanded = new Set();
  for (const lock of locks) {
    if (sectionKeys[lock]) {
      for (const key of sectionKeys[lock]) expanded.add(`${lock}.${key}`);
    } else {
      expanded.add(lock);
    }
  }
  return expanded;
}

/** A personal overrides document without the keys `locks` forbid. */
export function withoutLocked(doc, locks) {
  const result = {};
  for (const [key, value] of Object.entries(doc)) {
    if (SYNC_AS.includes(key) && value && typeof value === 'object') {
      const section = {};
      for (const [name, item] of Object.entries(value)) {
        if (!isLocked(locks, `${key}.${name}`)) section[name] = item;
      }
      if (Object.keys(section).length) result[key] = section;
    } else if (!locks.has(key)) {
      result[key] = value;
    }
  }
  return result;
}

/**
 * The server's nested errors ({applicant: {mandatory_fields: [...]}, company_warning: [...]})
 * as a Map from setting path to its raw error value.
 */
export function errorsByPath(errors) {
  const found = new Map();
  for (const [key, value] of Object.entries(errors || {})) {
    if (SYNC_AS.includes(key) && value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [name, inner] of Object.entries(value)) found.set(`${key}.${name}`, inner);
    } else {
      found.set(key, value);
    }
  }
  return found;
}

/** Two values the same as JSON (key order aside for plain objects). */
export function sameValue(a, b) {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys(value[key])]),
    );
  }
  return value;
}
