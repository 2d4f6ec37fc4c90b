// Shared by every review page: same-origin JSON calls carrying the CSRF token, and the status toast.
"use strict";

const tidyclip = (() => {
  const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
  const toast = document.getElementById("toast");
  let toastTimer = null;

  /** Send a JSON request to one of the page routes; resolves with the JSON answer or throws its message. */
  async function send(method, url, body) {
    const response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new Error((answer.error && answer.error.message) || `the server answered ${response.status}`);
    }
    return answer;
  }

  /** Show a short message. With an action (e.g. Undo) it stays, with a button to run it, until closed. */
  function notify(text, action) {
    const button = toast.querySelector(".toast-action");
    toast.querySelector(".toast-text").textContent = text;
    button.hidden = !action;
    button.onclick = null;
    if (action) {
      button.textContent = action.label;
      button.onclick = () => { toast.hidden = true; action.run(); };
    }
    toast.hidden = false;
    clearTimeout(toastTimer);
    if (!action) toastTimer = setTimeout(() => { toast.hidden = true; }, 5000);
  }

  toast.querySelector(".toast-close").addEventListener("click", () => { toast.hidden = true; });

  function fail(error) {
    notify(`Could not do that: ${error.message}`);
  }

  /** Put deleted clips back, then reload so they show where they were. */
  async function undo(undoId) {
    try {
      await send("POST", "/ui/undo", { undo: undoId });
      location.reload();
    } catch (error) {
      fail(error);
    }
  }

  /** Offer Undo for a deletion: used right after deleting, and after the reader sends us back to the list. */
  function offerUndo(count, undoId) {
    notify(`Deleted ${count} clip${count === 1 ? "" : "s"}.`, { label: "Undo", run: () => undo(undoId) });
  }

  function typingInField(event) {
    const target = event.target;
    return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
  }

  document.addEventListener("keydown", (event) => {
    if (event.key === "/" && !typingInField(event) && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      const search = document.getElementById("search");
      search.focus();
      search.select();
    }
  });

  return { send, notify, fail, offerUndo, typingInField };
})();
