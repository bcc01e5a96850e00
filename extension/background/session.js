// The signed-in session, kept in chrome.storage.local: the worker can be evicted at any moment,
// so nothing here lives in a module variable.

const KEYS = ["backendUrl", "token", "user"];

/** Read `{backendUrl, token, user}`; missing values are undefined. */
export async function loadSession() {
  return chrome.storage.local.get(KEYS);
}

/** Store a new session in one write. */
export async function saveSession({ backendUrl, token, user }) {
  await chrome.storage.local.set({ backendUrl, token, user });
}

/** Refresh the stored user (e.g. after the backend renamed them). */
export async function saveUser(user) {
  await chrome.storage.local.set({ user });
}

/** Forget the token, the user and what the panel kept for them (campaign choice, drafts);
 * keep the backend URL so the options page can offer it again. */
export async function clearSession() {
  await chrome.storage.local.remove(["token", "user", "prefs", "drafts"]);
}

/** Keep the token out of content scripts: only extension pages and the worker may read storage. */
export async function restrictStorageToExtension() {
  await chrome.storage.local.setAccessLevel({ accessLevel: "TRUSTED_CONTEXTS" });
}
