// The options page: choose the backend, sign in and out. All work happens in the service worker;
// this page only sends messages and shows their answers.

import {
  DEFAULT_BACKEND_URL,
  hostPermissionPattern,
  normalizeBackendUrl,
} from "../shared/backend-url.js";

const form = document.getElementById("login-form");
const backendInput = document.getElementById("backend-url");
const emailInput = document.getElementById("login-email");
const passwordInput = document.getElementById("login-password");
const submitButton = document.getElementById("login-submit");
const logoutButton = document.getElementById("logout");
const stateText = document.getElementById("state-text");
const stateError = document.getElementById("state-error");
const backendNote = document.getElementById("backend-note");

const NO_ANSWER = "The itris-sync service worker did not answer";

/** Send a message to the service worker; a missing or failed answer becomes an error result. */
async function send(message) {
  try {
    const answer = await chrome.runtime.sendMessage(message);
    return answer ?? { ok: false, status: 0, error: `${NO_ANSWER}.` };
  } catch (error) {
    return { ok: false, status: 0, error: `${NO_ANSWER}: ${error.message}` };
  }
}

/** Show who is signed in (or not) and an optional error line. */
function render({ backendUrl, user } = {}, error = "") {
  const signedIn = Boolean(user);
  stateText.textContent = signedIn ? `Signed in as ${user.name} (${user.email})` : "Not signed in";
  stateError.textContent = error;
  stateError.hidden = !error;
  backendNote.textContent = signedIn && backendUrl ? `Backend: ${backendUrl}` : "";
  backendNote.hidden = !signedIn;
  form.hidden = signedIn;
  logoutButton.hidden = !signedIn;
  // Keep the field on the backend in use, so signing out offers the same one again.
  if (backendUrl && (signedIn || !backendInput.value)) {
    backendInput.value = backendUrl;
  }
}

function setBusy(busy) {
  submitButton.disabled = busy;
  logoutButton.disabled = busy;
}

async function signIn(event) {
  event.preventDefault();
  let backendUrl;
  try {
    backendUrl = normalizeBackendUrl(backendInput.value);
  } catch (error) {
    render({}, error.message);
    return;
  }
  // Must be the first await: Chrome only shows a permission prompt inside the user's click.
  // Backends on 127.0.0.1/localhost are covered by the manifest and resolve without a prompt.
  const pattern = hostPermissionPattern(backendUrl);
  let granted;
  try {
    granted = await chrome.permissions.request({ origins: [pattern] });
  } catch (error) {
    render({}, `Could not ask for access to ${pattern}: ${error.message}`);
    return;
  }
  if (!granted) {
    render({}, `itris-sync needs your permission to reach ${new URL(backendUrl).origin}.`);
    return;
  }

  setBusy(true);
  const answer = await send({
    type: "auth:login",
    backendUrl,
    email: emailInput.value.trim(),
    password: passwordInput.value,
  });
  setBusy(false);
  if (answer.ok) {
    passwordInput.value = "";
    render(answer.data);
  } else {
    render({ backendUrl }, answer.error);
    passwordInput.select();
  }
}

async function signOut() {
  setBusy(true);
  const answer = await send({ type: "auth:logout" });
  setBusy(false);
  if (answer.data) {
    render(answer.data, answer.ok ? "" : answer.error);
    return;
  }
  // The worker failed before it could say who is signed in now: ask again, keep the error.
  const state = await send({ type: "auth:state" });
  render(state.data ?? {}, answer.error);
}

async function showState() {
  const answer = await send({ type: "auth:state" });
  render(answer.data ?? {}, answer.ok ? (answer.data?.notice ?? "") : answer.error);
  if (!backendInput.value) {
    backendInput.value = DEFAULT_BACKEND_URL;
  }
}

form.addEventListener("submit", signIn);
logoutButton.addEventListener("click", signOut);
showState();
