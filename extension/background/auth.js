// Signing in and out of the itris-sync backend, and the current sign-in state.

import { DEFAULT_BACKEND_URL, normalizeBackendUrl } from "../shared/backend-url.js";
import { callBackend, failure, success } from "./backend.js";
import { clearSession, loadSession, saveSession, saveUser } from "./session.js";

/** Sign in with email and password; store the token and user on success. */
export async function login({ backendUrl, email, password }) {
  let url;
  try {
    url = normalizeBackendUrl(backendUrl ?? DEFAULT_BACKEND_URL);
  } catch (error) {
    return failure(400, error.message);
  }
  if (!email || !password) {
    return failure(400, "Enter your email and password.");
  }
  const current = await loadSession();
  if (current.token) {
    const who = current.user?.email ?? "another user";
    return failure(409, `Already signed in as ${who}; sign out first.`);
  }

  const result = await callBackend({
    backendUrl: url,
    method: "POST",
    path: "/api/auth/login",
    body: { email, password },
  });
  if (!result.ok) {
    return result;
  }
  const { token, user } = result.data ?? {};
  if (typeof token !== "string" || !token || !user) {
    return failure(502, "The backend accepted the sign-in but sent no token.");
  }
  await saveSession({ backendUrl: url, token, user });
  return success({ backendUrl: url, user });
}

/** Revoke the token on the backend and forget it here. */
export async function logout() {
  const { backendUrl = DEFAULT_BACKEND_URL, token } = await loadSession();
  if (!token) {
    return success({ backendUrl, user: null });
  }
  const result = await callBackend({ backendUrl, token, method: "POST", path: "/api/auth/logout" });
  // Signing out of this browser always happens; a token the backend no longer knows (401) is
  // already revoked. Any other failure is reported: the token may still be live on the server.
  await clearSession();
  if (!result.ok && result.status !== 401) {
    const error = `Signed out here, but the backend could not revoke the session: ${result.error}`;
    return { ...failure(result.status, error, result.errors), data: { backendUrl, user: null } };
  }
  return success({ backendUrl, user: null });
}

/** Report `{backendUrl, user}`, checking a stored token with the backend (401 clears it). */
export async function authState() {
  const { backendUrl = DEFAULT_BACKEND_URL, token, user } = await loadSession();
  if (!token) {
    return success({ backendUrl, user: null });
  }
  const result = await callBackend({ backendUrl, token, path: "/api/me" });
  if (result.ok) {
    const fresh = result.data?.user ?? result.data;
    if (fresh?.email) {
      await saveUser(fresh);
      return success({ backendUrl, user: fresh });
    }
    return success({ backendUrl, user });
  }
  if (result.status === 401) {
    await clearSession();
    return success({ backendUrl, user: null, notice: "Your session has ended; sign in again." });
  }
  // The backend is unreachable or failing: keep the session, say what went wrong.
  return { ...result, data: { backendUrl, user } };
}

/** Call the backend API with the stored token; a 401 ends the session here too. */
export async function apiCall({ method, path, body }) {
  const { backendUrl = DEFAULT_BACKEND_URL, token } = await loadSession();
  if (!token) {
    return failure(401, "Not signed in: sign in from the itris-sync options page.");
  }
  const result = await callBackend({ backendUrl, token, method, path, body });
  if (result.status === 401) {
    await clearSession();
  }
  return result;
}
