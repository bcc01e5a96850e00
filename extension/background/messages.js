// The message API the options page and content scripts use. Every answer is
//   {ok: true, status, data}  or  {ok: false, status, error, errors}
//
//   {type: "auth:login", backendUrl, email, password} → data {backendUrl, user}        [pages]
//   {type: "auth:logout"}                             → data {backendUrl, user: null}  [pages]
//   {type: "auth:state"}                              → data {backendUrl, user|null, notice?}
//   {type: "api", method, path, body}                 → data = the backend's JSON
//   {type: "prefs:get"}                               → data {campaignId|null}
//   {type: "prefs:set", campaignId}                   → data {campaignId}
//   {type: "draft:get", key}                          → data {sync_as?, tags?, fields?}|null
//   {type: "draft:set", key, draft}                   → data = the draft as stored
//   {type: "draft:clear", key}                        → data null
//   {type: "options:open"}                            → opens the options page
// [pages]: accepted from the extension's own pages (the options page), not content scripts.
// A draft is what a recruiter chose for a person not yet added (key "<slug>@<campaign id>").

import { apiCall, authState, login, logout } from "./auth.js";
import { failure } from "./backend.js";
import { clearDraft, getDraft, getPrefs, openOptions, setDraft, setPrefs } from "./prefs.js";

// `pageOnly` handlers change who is signed in: a LinkedIn page's renderer must not reach them.
const HANDLERS = {
  "auth:login": { run: login, pageOnly: true },
  "auth:logout": { run: logout, pageOnly: true },
  "auth:state": { run: authState, pageOnly: false },
  api: { run: apiCall, pageOnly: false },
  "prefs:get": { run: getPrefs, pageOnly: false },
  "prefs:set": { run: setPrefs, pageOnly: false },
  "draft:get": { run: getDraft, pageOnly: false },
  "draft:set": { run: setDraft, pageOnly: false },
  "draft:clear": { run: clearDraft, pageOnly: false },
  "options:open": { run: openOptions, pageOnly: false },
};

function fromExtensionPage(sender) {
  return typeof sender.url === "string" && sender.url.startsWith(chrome.runtime.getURL(""));
}

/** chrome.runtime.onMessage listener: answer asynchronously, never leave a caller hanging. */
export function handleMessage(message, sender, sendResponse) {
  const handler = HANDLERS[message?.type];
  if (sender.id !== chrome.runtime.id) {
    sendResponse(failure(403, "Messages are accepted from itris-sync only."));
    return false;
  }
  if (!handler) {
    sendResponse(failure(400, `Unknown message type: ${message?.type}`));
    return false;
  }
  if (handler.pageOnly && !fromExtensionPage(sender)) {
    sendResponse(failure(403, `${message.type} is only accepted from the options page.`));
    return false;
  }
  handler
    .run(message)
    .then(sendResponse)
    .catch((error) => {
      console.error(`itris-sync: ${message.type} failed`, error);
      sendResponse(failure(500, `itris-sync failed: ${error.message}`));
    });
  return true; // the answer comes asynchronously
}
