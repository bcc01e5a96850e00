// The content script Chrome injects. MV3 content scripts cannot be ES modules, so this
// classic script only loads the panel's modules (web-accessible to LinkedIn pages only);
// they run here, in the content script's isolated world.

(() => {
  if (globalThis.itrisSyncLoaded) {
    return; // injected twice (an extension reload): the first copy is in charge
  }
  globalThis.itrisSyncLoaded = true;
  import(chrome.runtime.getURL("extension/content/main.js")).catch((error) => {
    console.error("itris-sync: the profile panel could not be loaded", error);
  });
})();
