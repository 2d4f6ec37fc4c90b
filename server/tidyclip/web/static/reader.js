// The reader view: edit title, tags and note; delete (Undo is offered on the list); restore removed blocks.
"use strict";

(() => {
  const article = document.querySelector(".clip-article");
  const clipUrl = `/ui/clips/${encodeURIComponent(article.dataset.id)}`;
  const form = document.getElementById("edit-form");

  function showForm(open) {
    form.hidden = !open;
    document.getElementById("edit-button").hidden = open;
    if (open) form.elements.title.focus();
  }

  document.getElementById("edit-button").addEventListener("click", () => showForm(true));
  document.getElementById("edit-cancel").addEventListener("click", () => showForm(false));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const edits = {
      title: form.elements.title.value,
      tags: form.elements.tags.value.split(",").map((tag) => tag.trim()).filter(Boolean),
      note: form.elements.note.value,
    };
    try {
      await tidyclip.send("PATCH", clipUrl, edits);
      location.reload();
    } catch (error) {
      tidyclip.fail(error);
    }
  });

  document.getElementById("delete-button").addEventListener("click", async () => {
    try {
      const answer = await tidyclip.send("POST", "/ui/delete", { ids: [article.dataset.id] });
      location.href = `/?deleted=${answer.deleted}&undo=${encodeURIComponent(answer.undo)}`;
    } catch (error) {
      tidyclip.fail(error);
    }
  });

  document.getElementById("removed").addEventListener("click", async (event) => {
    const button = event.target.closest("button.restore");
    if (!button) return;
    button.disabled = true;
    try {
      await tidyclip.send("POST", `${clipUrl}/restore`, { position: Number(button.dataset.position) });
      location.reload();
    } catch (error) {
      button.disabled = false;
      tidyclip.fail(error);
    }
  });

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !form.hidden) showForm(false);
    else if (event.key === "e" && !tidyclip.typingInField(event) && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      showForm(true);
    }
  });
})();
