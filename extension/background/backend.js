// One HTTP call to the itris-sync backend. Every outcome becomes a plain result object:
//   {ok: true, status, data}  or  {ok: false, status, error, errors}
// status 0 means the backend never answered (network error, timeout).

const TIMEOUT_MS = 30_000;
const METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE"]);
const API_PATH = /^\/api\/[^\s?#]*(\?[^\s#]*)?$/; // "/api/…" with an optional query

/** Build a failure result, the shape every error path returns. */
export function failure(status, error, errors = {}) {
  return { ok: false, status, error, errors };
}

/** Build a success result. */
export function success(data, status = 200) {
  return { ok: true, status, data };
}

/** Call `method path` on the backend with an optional bearer token and JSON body. */
export async function callBackend({ backendUrl, token, method = "GET", path, body }) {
  const verb = String(method).toUpperCase();
  if (!METHODS.has(verb)) {
    return failure(400, `Unsupported HTTP method: ${method}`);
  }
  // The token goes with the request, so only the backend's own API may be named.
  if (typeof path !== "string" || !API_PATH.test(path) || path.includes("..")) {
    return failure(400, `Not a backend API path: ${path}`);
  }
  const hasBody = body !== undefined && body !== null;
  if (hasBody && verb === "GET") {
    return failure(400, "A GET request cannot carry a body.");
  }
  const headers = { Accept: "application/json" };
  if (token) {
    headers.Authorization = `Bearer ${token}`;
  }
  const init = { method: verb, headers, credentials: "omit", cache: "no-store" };
  if (hasBody) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }

  let response;
  try {
    response = await fetch(`${backendUrl}${path}`, {
      ...init,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    const why =
      error.name === "TimeoutError" ? `no answer within ${TIMEOUT_MS / 1000} s` : error.message;
    return failure(0, `Could not reach the itris-sync backend at ${backendUrl} (${why}).`);
  }

  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      const what = `${response.status} ${response.statusText}`.trim();
      return failure(response.status, `The backend answered ${what} with a body that is not JSON.`);
    }
  }
  if (response.ok) {
    return success(data, response.status);
  }
  // Backend errors are {code, message, errors}; surface the message as it is.
  const message =
    (data && typeof data.message === "string" && data.message) ||
    `The backend answered ${response.status} ${response.statusText}`.trim();
  return failure(response.status, message, (data && data.errors) || {});
}
