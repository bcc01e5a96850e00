// LinkedIn is a single-page app: it moves between profiles with history.pushState, which a
// content script (in its own JavaScript world) cannot hook. We notice the URL changing
// instead: at once when the <title> changes or on popstate, and by a slow poll otherwise.
// Then we wait for the page to show the new person before reading it.

import { hasProfileMarkup, readProfile } from "./profile.js";

const POLL_MS = 400;

/** Call `onChange(href)` whenever the page's URL changes; returns a function that stops it. */
export function watchUrl(win, onChange) {
  let last = win.location.href;
  const check = () => {
    const href = win.location.href;
    if (href !== last) {
      last = href;
      onChange(href);
    }
  };
  const observer = new win.MutationObserver(check);
  observer.observe(win.document.head ?? win.document.documentElement, {
    subtree: true,
    childList: true,
    characterData: true,
  });
  win.addEventListener("popstate", check);
  const timer = win.setInterval(check, POLL_MS);
  return () => {
    observer.disconnect();
    win.removeEventListener("popstate", check);
    win.clearInterval(timer);
  };
}

/**
 * Read the profile at `href` once the page shows it: its own markup (not just the title)
 * and, after a navigation, a person other than `previous`. Gives up waiting after
 * `timeoutMs` and returns the best reading so far (fallbacks: meta tags, the title).
 * `isCurrent()` going false (another navigation) ends the wait early with null.
 */
export function waitForProfile(win, href, { previous = null, timeoutMs = 1500, isCurrent }) {
  const doc = win.document;
  const ready = (profile) =>
    hasProfileMarkup(profile) && (!previous || profile.name !== previous.name);
  return new Promise((resolve) => {
    let profile = readProfile(doc, href);
    if (ready(profile)) {
      resolve(profile);
      return;
    }
    let settled = false;
    const finish = (value) => {
      if (!settled) {
        settled = true;
        observer.disconnect();
        win.clearTimeout(timer);
        resolve(value);
      }
    };
    const observer = new win.MutationObserver(() => {
      if (isCurrent && !isCurrent()) {
        finish(null);
        return;
      }
      profile = readProfile(doc, href);
      if (ready(profile)) {
        finish(profile);
      }
    });
    observer.observe(doc.documentElement, { subtree: true, childList: true, characterData: true });
    const timer = win.setTimeout(
      () => finish(isCurrent && !isCurrent() ? null : readProfile(doc, href)),
      timeoutMs,
    );
  });
}
