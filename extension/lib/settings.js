// Where the tidyclip server is and the token that opens its API, kept in storage.local.
import { ext } from "./browser.js";

// The server's documented default (tidyclip config.DEFAULT_PORT).
export const DEFAULT_SERVER_URL = "http://127.0.0.1:7373";
// The host permissions cover only these: tidyclip runs on this machine.
const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost"]);

/** @returns {Promise<{serverUrl: string, token: string}>} */
export async function loadSettings() {
  const stored = await ext.storage.local.get(["serverUrl", "token"]);
  return { serverUrl: stored.serverUrl || DEFAULT_SERVER_URL, token: stored.token || "" };
}

export async function saveSettings({ serverUrl, token }) {
  await ext.storage.local.set({ serverUrl: normalizeServerUrl(serverUrl), token: token.trim() });
}

/**
 * The server URL as the extension uses it (scheme, host and port, no trailing slash).
 * Throws an Error with a plain-words message when it is not a tidyclip address on this machine.
 */
export function normalizeServerUrl(text) {
  let url;
  try {
    url = new URL(text.trim());
  } catch {
    throw new Error(`"${text}" is not an address: use something like ${DEFAULT_SERVER_URL}`);
  }
  if (url.protocol !== "http:" || !LOCAL_HOSTS.has(url.hostname)) {
    throw new Error(`tidyclip runs on this machine: the address must start with http://127.0.0.1: or http://localhost: (like ${DEFAULT_SERVER_URL})`);
  }
  return url.origin;
}

/** The review page of a clip, where the user reads and edits it. */
export function reviewUrl(serverUrl, clipId) {
  return `${serverUrl}/clips/${encodeURIComponent(clipId)}`;
}
