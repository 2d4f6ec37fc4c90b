// Clips that could not be delivered yet, kept in storage.local so that nothing is lost when the
// server is down or the service worker is stopped in between.
//
// Layout: "queue" holds a small index [{id, url, title, queuedAt, attempts, lastError}] in order;
// each page's HTML lives under "queue:<id>", so changing the index never rewrites megabytes.
// A body is written before its index entry and removed after it, so a stop between the two
// steps can leave an unused body behind (swept by `sweepOrphans`) but never an entry without its page.
import { ext } from "./browser.js";

const INDEX_KEY = "queue";
const BODY_PREFIX = "queue:";
const bodyKey = (id) => BODY_PREFIX + id;

// Every change to the index goes through this chain: the popup, the alarm and a new clip may all
// touch the queue at the same moment, and a read-modify-write must not lose the other's change.
let changes = Promise.resolve();
function serialized(change) {
  const run = changes.then(change);
  changes = run.catch(() => {});
  return run;
}

/** The server keeps one clip per URL, so the queue does too (the fragment never changes the page). */
export function queueKey(url) {
  return url.split("#")[0];
}

/** @returns {Promise<Array<{id: string, url: string, title: string, queuedAt: number, attempts: number, lastError: string}>>} */
export async function listQueue() {
  const stored = await ext.storage.local.get(INDEX_KEY);
  return stored[INDEX_KEY] ?? [];
}

/**
 * Keep a page until it is delivered; a page already waiting for the same URL is replaced by this
 * newer copy. Resolves to the new entry.
 */
export function enqueue(page, lastError) {
  return serialized(async () => {
    const entry = {
      id: crypto.randomUUID(),
      url: page.url,
      title: page.title,
      queuedAt: Date.now(),
      attempts: 0,
      lastError,
    };
    await ext.storage.local.set({ [bodyKey(entry.id)]: page });
    const index = await listQueue();
    const replaced = index.filter((old) => queueKey(old.url) === queueKey(page.url));
    const kept = index.filter((old) => queueKey(old.url) !== queueKey(page.url));
    await ext.storage.local.set({ [INDEX_KEY]: [...kept, entry] });
    if (replaced.length) await ext.storage.local.remove(replaced.map((old) => bodyKey(old.id)));
    return entry;
  });
}

/** The page kept for an index entry, or null when it is gone. */
export async function readPage(entry) {
  const stored = await ext.storage.local.get(bodyKey(entry.id));
  return stored[bodyKey(entry.id)] ?? null;
}

/** Forget an entry once it is delivered (or refused for good). */
export function dequeue(id) {
  return serialized(async () => {
    const index = await listQueue();
    await ext.storage.local.set({ [INDEX_KEY]: index.filter((entry) => entry.id !== id) });
    await ext.storage.local.remove(bodyKey(id));
  });
}

/** Count a failed delivery against an entry, with the reason the popup shows. */
export function noteAttempt(id, lastError) {
  return serialized(async () => {
    const index = await listQueue();
    const updated = index.map((entry) =>
      entry.id === id ? { ...entry, attempts: entry.attempts + 1, lastError } : entry);
    await ext.storage.local.set({ [INDEX_KEY]: updated });
  });
}

/** Remove page bodies that no index entry points to (left by a stop between two writes). */
export function sweepOrphans() {
  return serialized(async () => {
    const everything = await ext.storage.local.get(null);
    const listed = new Set((everything[INDEX_KEY] ?? []).map((entry) => bodyKey(entry.id)));
    const orphans = Object.keys(everything).filter((key) => key.startsWith(BODY_PREFIX) && !listed.has(key));
    if (orphans.length) await ext.storage.local.remove(orphans);
    return orphans.length;
  });
}
