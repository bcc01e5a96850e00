// Talking to the service worker, which owns the token and every backend call.
// Every answer is {ok: true, status, data} or {ok: false, status, error, errors}.

const NO_ANSWER = "The itris-sync service worker did not answer";

/** Send a message to the worker; a missing answer or a dead extension becomes an error. */
export async function send(message) {
  try {
    const answer = await chrome.runtime.sendMessage(message);
    return answer ?? { ok: false, status: 0, error: `${NO_ANSWER}.`, errors: {} };
  } catch (error) {
    const reloaded = /context invalidated/i.test(error.message);
    return {
      ok: false,
      status: 0,
      error: reloaded
        ? "itris-sync was updated or reloaded: refresh this page to use it again."
        : `${NO_ANSWER}: ${error.message}`,
      errors: {},
    };
  }
}

/** Call the backend API through the worker. */
export function api(method, path, body) {
  return send({ type: "api", method, path, body });
}
