// The pairing page: copy buttons for the server address and the token.
"use strict";

document.querySelectorAll("button.copy").forEach((button) => {
  button.addEventListener("click", async () => {
    const field = document.getElementById(button.dataset.copy);
    field.select();
    try {
      await navigator.clipboard.writeText(field.value);
    } catch {
      document.execCommand("copy"); // clipboard API refused (e.g. no permission): the selection is copied instead
    }
    tidyclip.notify(button.dataset.copy === "token" ? "Token copied: paste it into the extension's settings." : "Copied.");
  });
});
