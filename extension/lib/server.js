// The tidyclip server's API, and every way a call can fail, told in plain words.

// Extraction of a big page can take a while (about 40 s for a 20 MB page). Both browsers stop an idle
// background after 30 s even with a fetch in flight, so uploads keep it alive (lib/keepalive.js); what
// bounds the wait is this, kept well under the 5 minutes Chromium gives one event (the popup's
// message). Past it the clip is kept and sent again later.
const CLIP_TIMEOUT_MS = 120_000;
// Health and look-ups are cheap: an answer slower than this means something is wrong.
const QUICK_TIMEOUT_MS = 5_000;

export const NOT_RUNNING =
  "tidyclip is not running: start it with `tidyclip serve`, or run `tidyclip service install` once to have it start whenever you log in";
export const WRONG_TOKEN = "the token is wrong: paste it again in Options";
export const NOT_PAIRED = "tidyclip is not paired yet: paste the token in Options";

/**
 * A failed call. `kind` says what the caller can do about it:
 * "offline" (no answer: keep the clip and retry), "auth" (token missing or wrong: keep the clip
 * until it is fixed), "busy" (server trouble: retry later), "rejected" (the server refused this
 * page for good: retrying will not help).
 */
export class ServerError extends Error {
  constructor(kind, message, status = 0) {
    super(message);
    this.kind = kind;
    this.status = status;
  }

  get retryable() {
    return this.kind !== "rejected";
  }
}

/** GET /api/health, no token: {status, version}. */
export async function health(serverUrl) {
  const data = await call(serverUrl, "", "/api/health", { auth: false });
  if (!data || typeof data.version !== "string") {
    throw new ServerError("rejected", `something other than tidyclip answers at ${serverUrl}: check the address`);
  }
  return data;
}

/** POST /api/clips: the stored clip plus status "created" | "updated". */
export function postClip({ serverUrl, token }, page) {
  const body = { url: page.url, html: page.html, title: page.title };
  if (page.selection_html) body.selection_html = page.selection_html;
  return call(serverUrl, token, "/api/clips", { method: "POST", body, timeoutMs: CLIP_TIMEOUT_MS });
}

/** The stored clip for this URL (a summary), or null. */
export async function findClip({ serverUrl, token }, url) {
  const query = new URLSearchParams({ url, limit: "1" });
  const data = await call(serverUrl, token, `/api/clips?${query}`);
  return data?.items?.[0] ?? null;
}

/** Any authenticated call that proves the token works. */
export async function checkToken({ serverUrl, token }) {
  await call(serverUrl, token, "/api/clips?limit=1");
}

async function call(serverUrl, token, path, { method = "GET", body, auth = true, timeoutMs = QUICK_TIMEOUT_MS } = {}) {
  if (auth && !token) throw new ServerError("auth", NOT_PAIRED);
  const headers = { Accept: "application/json" };
  if (auth) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(serverUrl + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
      credentials: "omit",
      cache: "no-store",
    });
  } catch (error) {
    if (error.name === "TimeoutError") {
      throw new ServerError("offline", `tidyclip did not answer within ${timeoutMs / 1000} seconds`);
    }
    throw new ServerError("offline", NOT_RUNNING);
  }
  const data = await response.json().catch(() => null);
  if (response.ok) return data;
  throw errorFor(response.status, data?.error?.message);
}

function errorFor(status, serverMessage) {
  if (status === 401) return new ServerError("auth", WRONG_TOKEN, status);
  const detail = serverMessage ? `: ${serverMessage}` : ` (HTTP ${status})`;
  // Passing trouble (store busy, server starting or overloaded): worth another try. A 500 is a bug
  // on this page that a retry would only repeat.
  if ([409, 429, 502, 503, 504].includes(status)) {
    return new ServerError("busy", `tidyclip could not take the clip right now${detail}`, status);
  }
  return new ServerError("rejected", `tidyclip refused the page${detail}`, status);
}
