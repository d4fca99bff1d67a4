// Orbital Prep's session: the access token in memory, the refresh token in this browser's storage so a shift does not
// need the password twice; an expired access token is renewed once per request and the request sent again. "Sign out"
// revokes the refresh token, which a shared tablet needs.
"use strict";

const session = { accessToken: null, me: null, refreshing: null };
const refreshKey = "orbital.prep.refreshToken";

/** A problem the API answered (RFC 9457), or the network failing, in words a cook can act on. */
class ApiProblem extends Error {
  /**
   * fields: what is wrong with each field ({ quantity: ["…"] }) to show next to it; rows: the bad rows of a file
   * ([{ row, message }]) to name each one.
   */
  constructor(status, title, detail, { fields = {}, rows = [], body = {} } = {}) {
    super(detail ? `${title}: ${detail}` : title);
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.fields = fields;
    this.rows = rows;
    this.body = body;
  }
}

async function signIn(username, password) {
  const response = await fetch("/auth/login", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ username, password }),
  }).catch(() => { throw new ApiProblem(0, "No connection", "Check the tablet's Wi-Fi and try again."); });
  if (!response.ok) throw await problemOf(response);
  keep(await response.json());
  await whoAmI();
}

async function resume() {
  if (!localStorage.getItem(refreshKey)) return false;
  try {
    await refresh();
    await whoAmI();
    return true;
  } catch (problem) {
    if (problem.status === 0) throw problem;
    localStorage.removeItem(refreshKey);
    return false;
  }
}

async function signOut() {
  const refreshToken = localStorage.getItem(refreshKey);
  localStorage.removeItem(refreshKey);
  session.accessToken = null;
  session.me = null;
  if (refreshToken) {
    await fetch("/auth/logout", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ refreshToken }) }).catch(() => {});
  }
}

/**
 * Calls the API as the signed-in member of staff; JSON in and out (raw: a body sent as it is, with its Content-Type in
 * headers; as: "blob" for a file), problems thrown as ApiProblem.
 */
async function api(path, { method = "GET", body, raw, headers = {}, as = "json" } = {}) {
  const send = () => fetch(path, {
    method,
    headers: { Accept: as === "json" ? "application/json" : "*/*", ...(body === undefined ? {} : { "Content-Type": "application/json" }), ...headers, Authorization: `Bearer ${session.accessToken}` },
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  let response;
  try {
    response = await send();
    if (response.status === 401 && localStorage.getItem(refreshKey)) {
      await refresh();
      response = await send();
    }
  } catch (error) {
    if (error instanceof ApiProblem) throw error;
    throw new ApiProblem(0, "No connection", "Nothing was saved. Check the tablet's Wi-Fi and try again.");
  }
  if (response.status === 401) {
    window.dispatchEvent(new Event("orbital:signed-out"));
    throw new ApiProblem(401, "Signed out", "Sign in again.");
  }
  if (!response.ok) throw await problemOf(response);
  if (response.status === 204) return null;
  return as === "blob" ? response.blob() : response.json();
}

function refresh() {
  // One refresh at a time: a refresh token is used once, and a second use would end the session.
  session.refreshing ??= (async () => {
    try {
      const response = await fetch("/auth/refresh", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ refreshToken: localStorage.getItem(refreshKey) }),
      }).catch(() => { throw new ApiProblem(0, "No connection", "Check the tablet's Wi-Fi and try again."); });
      if (!response.ok) throw await problemOf(response);
      keep(await response.json());
    } finally {
      session.refreshing = null;
    }
  })();
  return session.refreshing;
}

function keep(tokens) {
  session.accessToken = tokens.accessToken;
  localStorage.setItem(refreshKey, tokens.refreshToken);
}

async function whoAmI() {
  session.me = await api("/auth/me");
}

async function problemOf(response) {
  const problem = await response.json().catch(() => ({}));
  const title = problem.title ?? `The server answered ${response.status}`;
  if (Array.isArray(problem.errors)) return new ApiProblem(response.status, title, problem.detail, { rows: problem.errors, body: problem });
  if (problem.errors && typeof problem.errors === "object") {
    return new ApiProblem(response.status, title, Object.values(problem.errors).flat().join(" "), { fields: problem.errors, body: problem });
  }
  return new ApiProblem(response.status, title, problem.detail, { body: problem });
}
