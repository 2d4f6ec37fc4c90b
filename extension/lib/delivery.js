// Delivery: every page goes to the server through here, kept in the queue until the server has it.
// What could not be sent waits and is retried with backoff; what the server refuses for good is
// listed for the popup instead.
import { ext } from "./browser.js";
import { setQueueBadge } from "./badge.js";
import { whileUploading } from "./keepalive.js";
import { dequeue, enqueue, listQueue, noteAttempt, readPage } from "./queue.js";
import { postClip, ServerError } from "./server.js";
import { loadSettings, reviewUrl } from "./settings.js";

export const RETRY_ALARM = "tidyclip-retry";
// Backoff between delivery attempts: 30 s, 1, 2, 4 ... minutes, at most every 30 minutes. Chromium
// holds alarms to 30 s at the least, and to a minute before Chrome 120 (the manifest's
// minimum_chrome_version); an alarm wakes a stopped background in both browsers.
const FIRST_RETRY_MINUTES = 0.5;
const MAX_RETRY_MINUTES = 30;
// Pages the server refused for good, shown in the popup until dismissed.
const REFUSED_KEY = "refused";
const REFUSED_KEPT = 5;

// Queue entries `send` is sending right now: a flush meanwhile leaves them to it.
const sending = new Set();

/**
 * Send a freshly captured page. Resolves to the clipTab result: {ok: true, status, id, title, link},
 * or {ok: false, reason} (refused for good), or {ok: false, queued: true, waiting, reason}.
 */
export async function send(settings, page) {
  // Kept while it is sent (written alongside the POST rather than before it, which would add the
  // write to the wait): if the background is stopped mid-send, the page is still there to send
  // again, with the retry alarm to do it.
  const kept = enqueue(page, "not sent yet").then(async (entry) => {
    sending.add(entry.id);
    await ensureRetryScheduled();
    return entry;
  });
  const sent = whileUploading(() => postClip(settings, page));
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

let flushing = null;

/** Send every waiting clip, oldest first; one run at a time. Resolves to {delivered, waiting, error?}. */
export function flushQueue() {
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
        await whileUploading(() => postClip(settings, page));
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

/** The queue as the user sees it: what `send` is sending right now does not wait. */
export async function waitingEntries() {
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
  const refused = await listRefused();
  const latest = [{ url: entry.url, title: entry.title, reason, at: Date.now() }, ...refused].slice(0, REFUSED_KEPT);
  await ext.storage.local.set({ [REFUSED_KEY]: latest });
}

/** Pages the server refused for good, newest first: [{url, title, reason, at}]. */
export async function listRefused() {
  const { [REFUSED_KEY]: refused = [] } = await ext.storage.local.get(REFUSED_KEY);
  return refused;
}

export function dismissRefused() {
  return ext.storage.local.set({ [REFUSED_KEY]: [] });
}
