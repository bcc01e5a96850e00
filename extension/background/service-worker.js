// The extension's service worker: owns the token and every call to the backend.
// Listeners are registered at the top level so a worker woken by a message finds them.

import { handleMessage } from "./messages.js";
import { restrictStorageToExtension } from "./session.js";

chrome.runtime.onMessage.addListener(handleMessage);

restrictStorageToExtension().catch((error) => {
  console.error("itris-sync: could not restrict storage to extension pages", error);
});
