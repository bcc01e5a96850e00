// The backend URL: its default, how a typed value is cleaned up, and the host permission it needs.
// Shared by the options page and the service worker, so both agree on one spelling of a URL.

export const DEFAULT_BACKEND_URL = "http://127.0.0.1:5000";

/** Return the backend URL the user typed as `origin + path`, without a trailing slash. */
export function normalizeBackendUrl(value) {
  const text = String(value ?? "").trim();
  let url;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`"${text}" is not a URL; enter one like ${DEFAULT_BACKEND_URL}.`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error("The backend URL must start with http:// or https://.");
  }
  if (url.username || url.password) {
    throw new Error("Leave the user name and password out of the backend URL.");
  }
  if (url.search || url.hash) {
    throw new Error("The backend URL cannot have a query (?…) or a fragment (#…).");
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

/** Return the host permission pattern that lets the extension reach a backend (any port). */
export function hostPermissionPattern(backendUrl) {
  const { protocol, hostname } = new URL(backendUrl);
  return `${protocol}//${hostname}/*`;
}
