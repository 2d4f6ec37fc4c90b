// The extension's service worker (an event page in Firefox): clips tabs, keeps and resends what the
// server could not take, and keeps the toolbar icon up to date. Handlers are also put on `self`
// (clipTab, captureTab, flushQueue, tabStatus) so tests can call exactly what the toolbar calls.
import { ext } from "./lib/browser.js";
import { setQueueBadge, setTabBadge } from "./lib/badge.js";
import { capturePage, hasSelection, showToast } from "./lib/capture.js";
import { dequeue, enqueue, listQueue, noteAttempt, readPage, sweepOrphans } from "./lib/queue.js";
import { describeResult } from "./lib/report.js";
import { findClip, postClip, ServerError } from "./lib/server.js";
import { loadSettings, reviewUrl } from "./lib/settings.js";

const RETRY_ALARM = "tidyclip-retry";
// Backoff between delivery attempts: 30 s, 1, 2, 4 ... minutes, at most every 30 minutes.
const FIRST_RETRY_MINUTES = 0.5;
const MAX_RETRY_MINUTES = 30;
// Pages the server refused for good, shown in the popup until dismissed.
const REFUSED_KEY = "refused";
const REFUSED_KEPT = 5;

// Tabs being clipped right now: the "already clipped" check must not paint over "working".
const clipping = new Set();
// Queue entries clipTab is sending right now: a flush meanwhile leaves them to it.
const sending = new Set();

/**
 * Clip a tab, as the toolbar popup, the context menu and the shortcut do.
 * @param {number} tabId
 * @param {{selection?: boolean, toast?: boolean}} options selection: only the selected part;
 *   toast: also show the outcome in the page (when no popup is open to show it)
 */
async function clipTab(tabId, { selection = false, toast = false } = {}) {
  clipping.add(tabId);
  try {
    await setTabBadge(tabId, "working");
    const result = await captureAndSend(tabId, selection).catch((error) => ({
      ok: false,
      reason: `the extension hit a problem it did not expect (${error?.message ?? error})`,
    }));
    await setTabBadge(tabId, badgeFor(result), result.ok ? result.title : result.reason);
    if (toast) await toastInTab(tabId, describeResult(result));
    return result;
  } finally {
    clipping.delete(tabId);
  }
}

/** The tab's page as clipTab sends it: {url, title, html, selection_html}; null when the browser forbids it. */
async function captureTab(tabId, { selection = false } = {}) {
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
  const settings = await loadSettings();
  // Kept while it is sent (written alongside the POST rather than before it, which would add the
  // write to the wait): if the service worker is stopped mid-send, the page is still there to send
  // again, with the retry alarm to do it.
  const kept = enqueue(page, "not sent yet").then(async (entry) => {
    sending.add(entry.id);
    await ensureRetryScheduled();
    return entry;
  });
  const sent = postClip(settings, page);
  sent.catch(() => {}); // awaited below; this keeps an early failure from counting as unhandled
  const entry = await kept;
  try {
    const clip = await sent;
    await dequeue(entry.id);
    // The server answers again: whatever waited can go now.
    flushQueue();
    return { ok: true, status: clip.status, id: clip.id, title: clip.title, link: reviewUrl(settings.serverUrl, clip.id) };
  } catch (error) {
    if (!(error instanceof ServerError)) throw error;
    if (!error.retryable) {
      await dequeue(entry.id);
      return { ok: false, reason: error.message };
    }
    await noteAttempt(entry.id, error.message);
    await ensureRetryScheduled();
    sending.delete(entry.id);
    const waiting = (await waitingEntries()).length;
    await setQueueBadge(waiting);
    return { ok: false, queued: true, waiting, reason: error.message };
  } finally {
    sending.delete(entry.id);
  }
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

let flushing = null;

/** Send every waiting clip, oldest first; one run at a time. Resolves to {delivered, waiting, error?}. */
function flushQueue() {
  flushing ??= deliverWaiting().finally(() => {
    flushing = null;
  });
  return flushing;
}

async function deliverWaiting() {
  const settings = await loadSettings();
  const tried = new Set();
  let delivered = 0;
  // Loop until nothing new is left: a clip may be queued while this run is sending others.
  for (let batch = await untried(tried); batch.length; batch = await untried(tried)) {
    for (const entry of batch) {
      tried.add(entry.id);
      const page = await readPage(entry);
      if (!page) {
        await dequeue(entry.id);
        continue;
      }
      try {
        // A retry after a success whose answer was lost is harmless: the server keeps one clip per URL.
        await postClip(settings, page);
        await dequeue(entry.id);
        delivered += 1;
      } catch (error) {
        if (!(error instanceof ServerError)) throw error;
        if (!error.retryable) {
          await dequeue(entry.id);
          await rememberRefused(entry, error.message);
          continue;
        }
        await noteAttempt(entry.id, error.message);
        await scheduleRetry();
        const waiting = (await waitingEntries()).length;
        await setQueueBadge(waiting);
        return { delivered, waiting, error: error.message };
      }
    }
  }
  const waiting = (await waitingEntries()).length;
  if ((await listQueue()).length === 0) {
    await ext.storage.local.set({ retryLevel: 0 });
    await ext.alarms.clear(RETRY_ALARM);
  }
  await setQueueBadge(waiting);
  return { delivered, waiting };
}

/** The queue as the user sees it: what clipTab is sending right now does not wait. */
async function waitingEntries() {
  return (await listQueue()).filter((entry) => !sending.has(entry.id));
}

async function untried(tried) {
  return (await listQueue()).filter((entry) => !tried.has(entry.id) && !sending.has(entry.id));
}

async function scheduleRetry() {
  const { retryLevel = 0 } = await ext.storage.local.get("retryLevel");
  const minutes = Math.min(FIRST_RETRY_MINUTES * 2 ** retryLevel, MAX_RETRY_MINUTES);
  await ext.alarms.create(RETRY_ALARM, { delayInMinutes: minutes });
  await ext.storage.local.set({ retryLevel: Math.min(retryLevel + 1, 10) });
}

async function ensureRetryScheduled() {
  if (!(await ext.alarms.get(RETRY_ALARM))) await scheduleRetry();
}

async function rememberRefused(entry, reason) {
  const { [REFUSED_KEY]: refused = [] } = await ext.storage.local.get(REFUSED_KEY);
  const latest = [{ url: entry.url, title: entry.title, reason, at: Date.now() }, ...refused].slice(0, REFUSED_KEPT);
  await ext.storage.local.set({ [REFUSED_KEY]: latest });
}

/**
 * What the popup shows for a tab: pairing, the waiting clips, refused ones, and whether the tab's
 * page is already clipped (which also goes on the icon).
 */
async function tabStatus(tabId, url) {
  const settings = await loadSettings();
  const { [REFUSED_KEY]: refused = [] } = await ext.storage.local.get(REFUSED_KEY);
  const status = {
    paired: Boolean(settings.token),
    serverUrl: settings.serverUrl,
    waiting: await waitingEntries(),
    refused,
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
  const found = await findClip(settings, url);
  if (!clipping.has(tabId)) await setTabBadge(tabId, found ? "clipped" : "none", found?.title);
  return found;
}

/** Mark the icon when a page that is already clipped is opened (needs the tab's URL: see README). */
async function markIfClipped(tabId, url) {
  if (!isWebPage(url) || clipping.has(tabId)) return;
  const settings = await loadSettings();
  if (!settings.token) return;
  try {
    await markClipped(settings, tabId, url);
  } catch {
    // Not running or not paired: the popup says why when opened; the icon stays quiet.
  }
}

async function activeTabId() {
  const [tab] = await ext.tabs.query({ active: true, currentWindow: true });
  return tab?.id;
}

async function createMenus() {
  await ext.contextMenus.removeAll();
  ext.contextMenus.create({ id: "clip-page", title: "Clip page to tidyclip", contexts: ["page", "frame", "link", "image"] });
  ext.contextMenus.create({ id: "clip-selection", title: "Clip selection to tidyclip", contexts: ["selection"] });
}

async function onStart() {
  await sweepOrphans();
  await setQueueBadge((await listQueue()).length);
  await flushQueue();
}

// Events are registered at the top level, so a restarted service worker hears them.
ext.runtime.onInstalled.addListener(async ({ reason }) => {
  await createMenus();
  // First install: pairing comes first, so show where the token goes.
  if (reason === "install") ext.runtime.openOptionsPage();
  await onStart();
});
ext.runtime.onStartup.addListener(onStart);
ext.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === RETRY_ALARM) flushQueue();
});
ext.contextMenus.onClicked.addListener((info, tab) => {
  if (tab?.id === undefined) return;
  clipTab(tab.id, { selection: info.menuItemId === "clip-selection", toast: true });
});
ext.commands.onCommand.addListener(async (command, tab) => {
  const tabId = tab?.id ?? (await activeTabId());
  if (tabId === undefined) return;
  if (command === "clip-page" || command === "clip-selection") {
    clipTab(tabId, { selection: command === "clip-selection", toast: true });
  }
});
ext.tabs.onUpdated.addListener((tabId, change, tab) => {
  // A loaded page, or a new address without a load (a single-page app moving on).
  if (change.status === "complete" || change.url) markIfClipped(tabId, tab.url);
});
ext.tabs.onActivated.addListener(async ({ tabId }) => {
  const tab = await ext.tabs.get(tabId).catch(() => null);
  if (tab) markIfClipped(tabId, tab.url);
});

const handlers = {
  clip: ({ tabId, selection }) => clipTab(tabId, { selection }),
  status: ({ tabId, url }) => tabStatus(tabId, url),
  flush: () => flushQueue(),
  "dismiss-refused": () => ext.storage.local.set({ [REFUSED_KEY]: [] }),
};

// Messages come from the popup and the options page.
ext.runtime.onMessage.addListener((message, sender, sendResponse) => {
  const handler = handlers[message?.type];
  if (!handler || sender.id !== ext.runtime.id) return false;
  handler(message).then(sendResponse, (error) => sendResponse({ ok: false, reason: String(error?.message ?? error) }));
  return true;
});

Object.assign(self, { clipTab, captureTab, flushQueue, tabStatus, listQueue });
