// Clipping a tab: capture the page (or the selection) in the tab, hand it to delivery, and tell the
// outcome on the icon (and in the page when no popup is open to show it).
import { ext } from "./browser.js";
import { setTabBadge } from "./badge.js";
import { capturePage, showToast } from "./capture.js";
import { send } from "./delivery.js";
import { describeResult } from "./report.js";
import { loadSettings } from "./settings.js";
import { whileClipping } from "./status.js";

/**
 * Clip a tab, as the toolbar popup, the context menu and the shortcut do.
 * @param {number} tabId
 * @param {{selection?: boolean, toast?: boolean}} options selection: only the selected part;
 *   toast: also show the outcome in the page (when no popup is open to show it)
 */
export function clipTab(tabId, { selection = false, toast = false } = {}) {
  return whileClipping(tabId, async () => {
    await setTabBadge(tabId, "working");
    const result = await captureAndSend(tabId, selection).catch((error) => ({
      ok: false,
      reason: `the extension hit a problem it did not expect (${error?.message ?? error})`,
    }));
    await setTabBadge(tabId, badgeFor(result), result.ok ? result.title : result.reason);
    if (toast) await toastInTab(tabId, describeResult(result));
    return result;
  });
}

/** The tab's page as clipTab sends it: {url, title, html, selection_html}; null when the browser forbids it. */
export async function captureTab(tabId, { selection = false } = {}) {
  try {
    const [injection] = await ext.scripting.executeScript({ target: { tabId }, func: capturePage, args: [selection] });
    return injection.result;
  } catch {
    return null;
  }
}

async function captureAndSend(tabId, selection) {
  const page = await captureTab(tabId, { selection });
  if (!page) return { ok: false, reason: await unreadableReason(tabId) };
  if (selection && !page.selection_html) {
    return { ok: false, reason: "nothing is selected: select some text on the page first" };
  }
  return send(await loadSettings(), page);
}

async function unreadableReason(tabId) {
  const tab = await ext.tabs.get(tabId).catch(() => null);
  if (tab?.url?.startsWith("file:")) {
    return "the browser keeps files on this computer from extensions: turn on “Allow access to file URLs” in tidyclip's details";
  }
  return "the browser does not let extensions read this page (browser pages, add-on stores, the PDF viewer)";
}

function badgeFor(result) {
  if (result.ok) return "done";
  return result.queued ? "queued" : "failed";
}

async function toastInTab(tabId, message) {
  try {
    await ext.scripting.executeScript({ target: { tabId }, func: showToast, args: [message] });
  } catch {
    // The page went away or cannot be written to: the icon still tells the outcome.
  }
}
