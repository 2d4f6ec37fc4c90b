// The extension's background (a service worker in Chromium, an event page in Firefox): wiring only.
// It hears the browser's events and the popup's messages and hands them to lib/clip.js (clipping),
// lib/delivery.js (the queue, retries) and lib/status.js (the popup's status, the icon's mark).
// The handlers are also put on `self` so tests call exactly what the toolbar, the menu and the
// alarm call.
import { ext } from "./lib/browser.js";
import { setQueueBadge } from "./lib/badge.js";
import { captureTab, clipTab } from "./lib/clip.js";
import { dismissRefused, flushQueue, RETRY_ALARM } from "./lib/delivery.js";
import { keepingAlive } from "./lib/keepalive.js";
import { listQueue, sweepOrphans } from "./lib/queue.js";
import { markIfClipped, tabStatus } from "./lib/status.js";

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

function onMenuClicked(info, tab) {
  if (tab?.id === undefined) return undefined;
  return clipTab(tab.id, { selection: info.menuItemId === "clip-selection", toast: true });
}

// Events are registered at the top level, so a restarted background hears them.
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
ext.contextMenus.onClicked.addListener(onMenuClicked);
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
  "dismiss-refused": () => dismissRefused(),
};

// Messages come from the popup and the options page.
ext.runtime.onMessage.addListener((message, sender, sendResponse) => {
  const handler = handlers[message?.type];
  if (!handler || sender.id !== ext.runtime.id) return false;
  handler(message).then(sendResponse, (error) => sendResponse({ ok: false, reason: String(error?.message ?? error) }));
  return true;
});

Object.assign(self, { clipTab, captureTab, flushQueue, tabStatus, listQueue, onMenuClicked, keepingAlive });
