// Keeps the extension's background running while an upload is pending.
//
// Both browsers stop an idle background after 30 seconds, even with a fetch in flight: Firefox's
// event page when no extension event came in, Chromium's service worker when no extension event or
// API call happened. A big page (or a slow server) would be cut off mid-upload, left in the queue,
// and sent again in full at every retry. An API call every 20 seconds while an upload is pending
// counts as activity in both; with nothing pending the background is left to stop as usual.
import { ext } from "./browser.js";

const KEEPALIVE_MS = 20_000;

let pending = 0;
let timer = null;

/** Run `upload` (a function returning a promise) with the background kept alive until it settles. */
export async function whileUploading(upload) {
  pending += 1;
  timer ??= setInterval(() => ext.runtime.getPlatformInfo(), KEEPALIVE_MS);
  try {
    return await upload();
  } finally {
    pending -= 1;
    if (pending === 0) {
      clearInterval(timer);
      timer = null;
    }
  }
}

/** Whether the background is being kept alive right now (for tests and the popup's status). */
export function keepingAlive() {
  return timer !== null;
}
