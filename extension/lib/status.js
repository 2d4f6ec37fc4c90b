// Tab status: what the popup shows for a tab, and the already-clipped mark on the icon.
import { ext } from "./browser.js";
import { setTabBadge } from "./badge.js";
import { hasSelection } from "./capture.js";
import { listRefused, waitingEntries } from "./delivery.js";
import { findClip, ServerError } from "./server.js";
import { loadSettings, reviewUrl } from "./settings.js";

// Tabs being clipped right now, and how many clips each tab has had: the "already clipped" check must
// not paint over "working", nor over the outcome of a clip that ended while the check asked the server.
const clipping = new Set();
const clipsOf = new Map();

/** Run `work` (a function returning a promise) with the tab marked as being clipped. */
export async function whileClipping(tabId, work) {
  clipping.add(tabId);
  clipsOf.set(tabId, (clipsOf.get(tabId) ?? 0) + 1);
  try {
    return await work();
  } finally {
    clipping.delete(tabId);
  }
}

/**
 * What the popup shows for a tab: pairing, the waiting clips, refused ones, and whether the tab's
 * page is already clipped (which also goes on the icon).
 */
export async function tabStatus(tabId, url) {
  const settings = await loadSettings();
  const status = {
    paired: Boolean(settings.token),
    serverUrl: settings.serverUrl,
    waiting: await waitingEntries(),
    refused: await listRefused(),
    clipped: null,
    problem: null,
    hasSelection: tabId === undefined ? null : await selectionIn(tabId),
  };
  if (!settings.token || !isWebPage(url)) return status;
  try {
    const found = await markClipped(settings, tabId, url);
    if (found) status.clipped = { id: found.id, title: found.title, link: reviewUrl(settings.serverUrl, found.id) };
  } catch (error) {
    if (!(error instanceof ServerError)) throw error;
    status.problem = error.message;
  }
  return status;
}

/** Mark the icon when a page that is already clipped is opened (needs the tab's URL: see README). */
export async function markIfClipped(tabId, url) {
  if (!isWebPage(url) || clipping.has(tabId)) return;
  const settings = await loadSettings();
  if (!settings.token) return;
  try {
    await markClipped(settings, tabId, url);
  } catch {
    // Not running or not paired: the popup says why when opened; the icon stays quiet.
  }
}

/** true / false, or null when the browser does not let the extension look. */
async function selectionIn(tabId) {
  try {
    const [injection] = await ext.scripting.executeScript({ target: { tabId }, func: hasSelection });
    return injection.result;
  } catch {
    return null;
  }
}

function isWebPage(url) {
  return typeof url === "string" && /^https?:\/\//.test(url);
}

/** The stored clip of the tab's page, or null; shown on the icon too. Throws ServerError. */
async function markClipped(settings, tabId, url) {
  const clipsBefore = clipsOf.get(tabId) ?? 0;
  const found = await findClip(settings, url);
  if (!clipping.has(tabId) && (clipsOf.get(tabId) ?? 0) === clipsBefore) {
    await setTabBadge(tabId, found ? "clipped" : "none", found?.title);
  }
  return found;
}
