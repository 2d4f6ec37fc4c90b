// The toolbar popup: clip the page or the selection, see the outcome, the waiting clips and
// whether this page is already clipped. The work itself is done by the service worker.
import { ext } from "../lib/browser.js";
import { describeResult, waitingText } from "../lib/report.js";

const $ = (id) => document.getElementById(id);
const LOST_ANSWER = "the browser stopped tidyclip's background before the answer came: if the page is not in your tidyclip yet, it is sent again with the waiting clips";

function ask(message) {
  return ext.runtime.sendMessage(message);
}

async function activeTab() {
  const [tab] = await ext.tabs.query({ active: true, currentWindow: true });
  return tab;
}

function showResult({ ok, heading, detail, link, linkText }) {
  $("result").className = ok ? "ok" : "bad";
  $("result-heading").textContent = heading;
  $("result-detail").textContent = detail || "";
  $("result-link").hidden = !link;
  if (link) {
    $("result-link").href = link;
    $("result-link").textContent = linkText;
  }
}

function showQueue(waiting) {
  $("queue").hidden = waiting.length === 0;
  $("queue-count").textContent = `${waitingText(waiting.length)} to be sent.`;
  $("queue-reason").textContent = waiting.length ? `Last try: ${waiting[0].lastError}.` : "";
}

let selectionOffered = true;

function showStatus(status) {
  $("pairing").hidden = status.paired;
  // Offered when something is selected; when the page cannot be looked at, a click says why.
  selectionOffered = status.hasSelection !== false;
  $("clip-selection").disabled = !selectionOffered;
  $("clip-selection").title = selectionOffered ? "" : "Select some text on the page first";
  $("open-library").href = `${status.serverUrl}/`;
  if (status.clipped) {
    showResult({ ok: true, heading: "Already clipped", detail: status.clipped.title, link: status.clipped.link, linkText: "Open it in tidyclip" });
  } else if (status.problem) {
    showResult({ ok: false, heading: "tidyclip cannot be reached", detail: `${status.problem}.` });
  }
  showQueue(status.waiting);
  $("refused").hidden = status.refused.length === 0;
  $("refused-list").replaceChildren(...status.refused.map((item) => {
    const line = document.createElement("li");
    line.textContent = `${item.title || item.url}: ${item.reason}`;
    return line;
  }));
}

async function refresh(tab) {
  showStatus(await ask({ type: "status", tabId: tab?.id, url: tab?.url }));
}

async function clip(tab, selection) {
  const buttons = [$("clip-page"), $("clip-selection")];
  buttons.forEach((button) => { button.disabled = true; });
  showResult({ ok: true, heading: "Clipping…", detail: tab?.title ?? "" });
  try {
    showResult(describeResult(await ask({ type: "clip", tabId: tab?.id, selection })));
  } catch {
    // The answer never came back (the browser stopped the background mid-clip): the page was kept
    // before it was sent, so it goes out again with the waiting clips.
    showResult(describeResult({ ok: false, reason: LOST_ANSWER }));
  } finally {
    $("clip-page").disabled = false;
    $("clip-selection").disabled = !selectionOffered;
  }
  showQueue((await ask({ type: "status" })).waiting);
}

function openOptions(event) {
  event.preventDefault();
  ext.runtime.openOptionsPage();
  window.close();
}

async function main() {
  const tab = await activeTab();
  $("clip-page").addEventListener("click", () => clip(tab, false));
  $("clip-selection").addEventListener("click", () => clip(tab, true));
  $("send-now").addEventListener("click", async () => {
    $("send-now").disabled = true;
    const outcome = await ask({ type: "flush" });
    $("send-now").disabled = false;
    if (outcome.error) showResult({ ok: false, heading: "Still waiting", detail: `${outcome.error}.` });
    else showResult({ ok: true, heading: "Sent", detail: `${outcome.delivered} waiting ${outcome.delivered === 1 ? "clip" : "clips"} delivered.` });
    await refresh(tab);
  });
  $("dismiss-refused").addEventListener("click", async () => {
    await ask({ type: "dismiss-refused" });
    $("refused").hidden = true;
  });
  $("open-options").addEventListener("click", openOptions);
  $("open-options-pairing").addEventListener("click", openOptions);
  await refresh(tab);
}

main();
