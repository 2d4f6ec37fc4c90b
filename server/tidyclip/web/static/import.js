// The import page: the chosen file sent as base64 in a JSON body, then the import's progress and the
// page queue's, asked for every second until nothing is left to do.
"use strict";

(() => {
  const form = document.getElementById("import-form");
  const status = document.getElementById("import-status");
  let polling = null;

  function readAsBase64(file) {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result.slice(reader.result.indexOf(",") + 1));
      reader.onerror = () => reject(new Error(`cannot read ${file.name}`));
      reader.readAsDataURL(file);
    });
  }

  function show(run, pages) {
    const runLine = status.querySelector(".run");
    runLine.hidden = !run;
    if (run) {
      const counts = run.counts || {};
      const text = run.state === "importing"
        ? `Importing ${run.file} (${run.kind}): ${run.done} of ${run.total === null ? "…" : run.total}`
        : run.state === "failed"
          ? `Import of ${run.file} failed: ${run.error}`
          : `Imported ${run.file} (${run.kind}): ${counts.created || 0} new, ${counts.updated || 0} updated, `
            + `${counts.unchanged || 0} already here, ${counts.skipped || 0} skipped`;
      runLine.querySelector(".run-text").textContent = text;
      const bar = runLine.querySelector(".run-bar");
      bar.hidden = run.state !== "importing";
      bar.max = run.total || 1;
      bar.value = run.done;
      status.querySelector(".told").replaceChildren(...(run.told || []).map((line) => {
        const item = document.createElement("li");
        item.textContent = line;
        return item;
      }));
    }
    const pagesLine = status.querySelector(".pages");
    pagesLine.hidden = !(pages.waiting || pages.failed);
    pagesLine.querySelector(".pages-text").textContent =
      `${pages.waiting} waiting for their page, ${pages.failed} could not be fetched (tidyclip import --retry tries again)`;
    return (run && run.state === "importing") || pages.fetching > 0;
  }

  async function poll() {
    try {
      const answer = await fetch("/ui/import", { credentials: "same-origin" }).then((response) => response.json());
      if (!show(answer.run, answer.pages)) {
        clearInterval(polling);
        polling = null;
      }
    } catch (error) {
      tidyclip.notify(`Could not ask how the import goes: ${error.message}`);
    }
  }

  function keepPolling() {
    if (!polling) polling = setInterval(poll, 1000);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = document.getElementById("import-file").files[0];
    if (!file) return;
    try {
      const run = await tidyclip.send("POST", "/ui/import", { name: file.name, data: await readAsBase64(file) });
      show(run, JSON.parse(status.dataset.pages));
      keepPolling();
    } catch (error) {
      tidyclip.notify(`Could not import ${file.name}: ${error.message}`);
    }
  });

  if (show(JSON.parse(status.dataset.run), JSON.parse(status.dataset.pages))) keepPolling();
})();
