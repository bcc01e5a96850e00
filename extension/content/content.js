// The content script on LinkedIn profile pages. For now it mounts a small placeholder panel
// (in an open shadow root, away from LinkedIn's CSS) saying who is signed in to itris-sync.
// It never calls the backend itself: the service worker owns the token and the fetches.
// Content scripts are classic scripts, hence one self-contained file.

(() => {
  const HOST_ID = "itris-sync-root";
  if (document.getElementById(HOST_ID)) {
    return; // already mounted (the script can be injected twice)
  }

  const STYLES = `
    :host { all: initial; }
    .panel {
      position: fixed; right: 16px; bottom: 16px; z-index: 2147483647;
      max-width: 280px; padding: 10px 14px; border-radius: 8px;
      background: #fff; color: #1d2226; border: 1px solid #d0d5da;
      box-shadow: 0 4px 12px rgb(0 0 0 / 15%);
      font: 13px/1.4 system-ui, sans-serif;
    }
    h2 { margin: 0 0 4px; font-size: 13px; font-weight: 700; }
    p { margin: 0; }
    .error { margin-top: 4px; color: #b3261e; }
  `;

  function element(tag, attributes = {}, text = "") {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      node.setAttribute(name, value);
    }
    node.textContent = text;
    return node;
  }

  function applyStyles(shadow) {
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(STYLES);
      shadow.adoptedStyleSheets = [sheet];
    } catch {
      shadow.append(element("style", {}, STYLES));
    }
  }

  const host = element("div", { id: HOST_ID });
  const shadow = host.attachShadow({ mode: "open" });
  applyStyles(shadow);

  const panel = element("aside", {
    class: "panel",
    "data-testid": "itris-panel",
    "aria-label": "itris-sync",
  });
  const status = element("p", { class: "status" }, "Checking your itris-sync sign-in…");
  const error = element("p", { class: "error", "data-testid": "panel-error", role: "alert" });
  error.hidden = true;
  panel.append(element("h2", {}, "itris-sync"), status, error);
  shadow.append(panel);
  document.body.append(host);

  function showError(message) {
    error.textContent = message;
    error.hidden = !message;
  }

  function render(answer) {
    const user = answer?.data?.user;
    status.textContent = user
      ? `Signed in as ${user.name}`
      : "Sign in from the itris-sync options page";
    showError(answer?.ok ? "" : (answer?.error ?? "The itris-sync service worker did not answer."));
  }

  chrome.runtime
    .sendMessage({ type: "auth:state" })
    .then(render)
    .catch((reason) => {
      status.textContent = "itris-sync is not available on this page.";
      showError(`The itris-sync service worker did not answer: ${reason.message}`);
    });
})();
