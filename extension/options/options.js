// The options page: where the server is, the token, a connection test that says which check
// failed, and the optional permission behind the already-clipped mark.
import { ext } from "../lib/browser.js";
import { checkToken, health } from "../lib/server.js";
import { DEFAULT_SERVER_URL, loadSettings, normalizeServerUrl, saveSettings } from "../lib/settings.js";

const $ = (id) => document.getElementById(id);
const TABS_PERMISSION = { permissions: ["tabs"] };

function say(text, ok) {
  $("status").textContent = text;
  $("status").className = ok ? "ok" : "bad";
}

/** The settings as typed; throws with a plain-words message when the address is not usable. */
function typedSettings() {
  return { serverUrl: normalizeServerUrl($("server-url").value), token: $("token").value.trim() };
}

/** Health first (is tidyclip there?), then an authenticated call (does the token open it?). */
async function testConnection({ serverUrl, token }) {
  let info;
  try {
    info = await health(serverUrl);
  } catch (error) {
    return { ok: false, message: `Server check failed at ${serverUrl}: ${error.message}.` };
  }
  const found = `Server check passed (tidyclip ${info.version} at ${serverUrl})`;
  if (!token) return { ok: false, message: `${found}; token check failed: there is no token yet, paste it above.` };
  try {
    await checkToken({ serverUrl, token });
  } catch (error) {
    const reason = error.kind === "auth" ? "the token is wrong: paste it again (`tidyclip token` prints it)" : error.message;
    return { ok: false, message: `${found}; token check failed: ${reason}.` };
  }
  return { ok: true, message: `Connection OK: tidyclip ${info.version} answers at ${serverUrl} and the token works.` };
}

async function run(button, task) {
  button.disabled = true;
  try {
    await task();
  } catch (error) {
    say(error.message, false);
  } finally {
    button.disabled = false;
  }
}

function onTest() {
  return run($("test"), async () => {
    say("Testing…", true);
    const outcome = await testConnection(typedSettings());
    say(outcome.message, outcome.ok);
  });
}

function onSave(event) {
  event.preventDefault();
  return run($("save"), async () => {
    const settings = typedSettings();
    await saveSettings(settings);
    $("server-url").value = settings.serverUrl;
    const outcome = await testConnection(settings);
    say(`Saved. ${outcome.message}`, outcome.ok);
    // Clips that waited for the server or for a right token can go now.
    if (outcome.ok) await ext.runtime.sendMessage({ type: "flush" });
  });
}

function showConnectLink() {
  let base = DEFAULT_SERVER_URL;
  try {
    base = normalizeServerUrl($("server-url").value);
  } catch {
    // Half-typed address: keep pointing at the default until it parses.
  }
  $("connect-link").href = `${base}/connect`;
}

async function onWatchTabs() {
  const box = $("watch-tabs");
  // Asked only on this click: the browser prompts, and the user may say no.
  const granted = box.checked ? await ext.permissions.request(TABS_PERMISSION) : !(await ext.permissions.remove(TABS_PERMISSION));
  box.checked = granted;
}

async function main() {
  const settings = await loadSettings();
  $("default-url").textContent = DEFAULT_SERVER_URL;
  $("server-url").value = settings.serverUrl;
  $("token").value = settings.token;
  showConnectLink();
  $("watch-tabs").checked = await ext.permissions.contains(TABS_PERMISSION);

  $("settings").addEventListener("submit", onSave);
  $("test").addEventListener("click", onTest);
  $("server-url").addEventListener("input", showConnectLink);
  $("show-token").addEventListener("change", () => {
    $("token").type = $("show-token").checked ? "text" : "password";
  });
  $("watch-tabs").addEventListener("change", onWatchTabs);

  if (!settings.token) {
    say("Not paired yet: paste the token from `tidyclip token` and press Save.", false);
    return;
  }
  const outcome = await testConnection(settings);
  say(outcome.message, outcome.ok);
}

main();
