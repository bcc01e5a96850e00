// The content script's entry module: shows the panel on LinkedIn profile pages and follows
// the single-page app from one profile to the next. Chrome injects it, with the modules it
// imports, as one classic script: extension/content/bundle.js (tools/bundle_content.py).

import { api, send } from "./messages.js";
import { watchUrl, waitForProfile } from "./navigation.js";
import { PanelController } from "./panel/controller.js";
import { PanelView } from "./panel/view.js";
import { profileSlug } from "./profile.js";

const controller = new PanelController({ send, api, View: PanelView });
let shown = null; // the profile the panel shows
let navigation = 0;

async function show(href) {
  navigation += 1;
  const mine = navigation;
  if (!profileSlug(href) || new URL(href).hostname !== "www.linkedin.com") {
    shown = null;
    controller.hide();
    return;
  }
  controller.mount(document);
  controller.loading();
  const profile = await waitForProfile(window, href, {
    previous: shown,
    isCurrent: () => mine === navigation,
  });
  if (!profile || mine !== navigation) {
    return;
  }
  shown = profile;
  performance.mark("itris-sync:profile-read", { detail: { slug: profile.slug } });
  controller.mount(document); // the page may have replaced <body> meanwhile
  await controller.load(profile);
}

function start() {
  watchUrl(window, show);
  show(location.href);
}

// The bundle runs at document_start; the page is read once it is parsed.
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", start, { once: true });
} else {
  start();
}
