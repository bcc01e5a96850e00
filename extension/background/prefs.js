// What the panel remembers between pages, in chrome.storage.local (the worker may be evicted
// at any moment): the campaign last chosen, and drafts — the "sync as", tags and typed fields
// a recruiter chose for a person before adding them to a campaign, applied when they are.

import { failure, success } from "./backend.js";

const MAX_DRAFTS = 200;
const MAX_KEY_LENGTH = 600;
const MAX_TAGS = 50;
const MAX_FIELDS = 50;
const MAX_TEXT = 1000;
const SYNC_AS = new Set(["applicant", "contact"]);

/** `{campaignId}`: the campaign the recruiter works in (null before the first choice). */
export async function getPrefs() {
  const { prefs } = await chrome.storage.local.get("prefs");
  return success({ campaignId: prefs?.campaignId ?? null });
}

export async function setPrefs({ campaignId }) {
  if (campaignId !== null && !(Number.isInteger(campaignId) && campaignId > 0)) {
    return failure(400, "campaignId must be a campaign id or null.");
  }
  await chrome.storage.local.set({ prefs: { campaignId } });
  return success({ campaignId });
}

function checkKey(key) {
  return typeof key === "string" && key.length > 0 && key.length <= MAX_KEY_LENGTH;
}

function isText(value) {
  return typeof value === "string" && value.length <= MAX_TEXT;
}

/** A draft as stored: only known keys, bounded sizes; null if anything is malformed. */
export function cleanDraft(draft) {
  if (!draft || typeof draft !== "object" || Array.isArray(draft)) {
    return null;
  }
  const clean = {};
  if (draft.sync_as !== undefined) {
    if (!SYNC_AS.has(draft.sync_as)) {
      return null;
    }
    clean.sync_as = draft.sync_as;
  }
  if (draft.tags !== undefined) {
    const { tags } = draft;
    if (!Array.isArray(tags) || tags.length > MAX_TAGS || !tags.every(isText)) {
      return null;
    }
    clean.tags = [...tags];
  }
  if (draft.fields !== undefined) {
    const entries = Object.entries(draft.fields ?? {});
    if (entries.length > MAX_FIELDS || !entries.every(([k, v]) => isText(k) && isText(v))) {
      return null;
    }
    clean.fields = Object.fromEntries(entries);
  }
  return clean;
}

async function loadDrafts() {
  const { drafts } = await chrome.storage.local.get("drafts");
  return drafts && typeof drafts === "object" ? drafts : {};
}

export async function getDraft({ key }) {
  if (!checkKey(key)) {
    return failure(400, "A draft needs a key.");
  }
  const drafts = await loadDrafts();
  return success(drafts[key]?.draft ?? null);
}

export async function setDraft({ key, draft }) {
  const clean = cleanDraft(draft);
  if (!checkKey(key) || clean === null) {
    return failure(400, "Not a valid draft.");
  }
  const drafts = await loadDrafts();
  drafts[key] = { draft: clean, savedAt: Date.now() };
  // Keep the newest drafts only: they are for people looked at recently.
  const keep = Object.entries(drafts)
    .sort(([, a], [, b]) => b.savedAt - a.savedAt)
    .slice(0, MAX_DRAFTS);
  await chrome.storage.local.set({ drafts: Object.fromEntries(keep) });
  return success(clean);
}

export async function clearDraft({ key }) {
  if (!checkKey(key)) {
    return failure(400, "A draft needs a key.");
  }
  const drafts = await loadDrafts();
  if (key in drafts) {
    delete drafts[key];
    await chrome.storage.local.set({ drafts });
  }
  return success(null);
}

/** Open the options page (content scripts cannot do it themselves). */
export async function openOptions() {
  await chrome.runtime.openOptionsPage();
  return success(null);
}
