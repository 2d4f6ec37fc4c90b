// The toolbar icon tells the state at a glance: per tab (working, done, failed, already clipped)
// and, behind that, for the whole browser (how many clips wait to be sent).
import { ext } from "./browser.js";

const DEFAULT_TITLE = "tidyclip: clip this page";
const QUEUE_COLOR = "#b26a00";

const LOOKS = {
  working: { text: "…", color: "#4a5a6a", title: () => "tidyclip: clipping this page…" },
  done: { text: "✓", color: "#1f7a4d", title: (detail) => `tidyclip: clipped “${detail}”` },
  clipped: { text: "✓", color: "#1f7a4d", title: (detail) => `tidyclip: already clipped as “${detail}”` },
  queued: { text: "↻", color: QUEUE_COLOR, title: (detail) => `tidyclip: kept for later: ${detail}` },
  failed: { text: "!", color: "#b3261e", title: (detail) => `tidyclip: not clipped: ${detail}` },
};

/** Show one of LOOKS on a tab's icon, or "none" to fall back to the browser-wide badge. */
export async function setTabBadge(tabId, state, detail = "") {
  const look = LOOKS[state];
  try {
    if (!look) {
      await ext.action.setBadgeText({ tabId, text: null });
      await ext.action.setBadgeBackgroundColor({ tabId, color: QUEUE_COLOR });
      await ext.action.setTitle({ tabId, title: DEFAULT_TITLE });
      return;
    }
    await ext.action.setBadgeText({ tabId, text: look.text });
    await ext.action.setBadgeBackgroundColor({ tabId, color: look.color });
    await ext.action.setTitle({ tabId, title: look.title(detail) });
  } catch {
    // The tab was closed meanwhile: there is no icon left to update.
  }
}

/** The browser-wide badge: the number of clips waiting to be sent, nothing when none. */
export async function setQueueBadge(waiting) {
  await ext.action.setBadgeText({ text: waiting ? String(waiting) : "" });
  await ext.action.setBadgeBackgroundColor({ color: QUEUE_COLOR });
  await ext.action.setTitle({
    title: waiting ? `tidyclip: ${waiting} ${waiting === 1 ? "clip waits" : "clips wait"} to be sent` : DEFAULT_TITLE,
  });
}
