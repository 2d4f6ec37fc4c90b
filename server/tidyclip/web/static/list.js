// The clip list: keyboard moves (j/k/o/x), selection with bulk actions, next pages loaded as you scroll,
// and the Undo offer after a deletion.
"use strict";

(() => {
  const list = document.getElementById("clips");
  const bulk = document.getElementById("bulk");
  let current = null;

  const items = () => Array.from(document.querySelectorAll("#clips > .clip"));
  const picked = () => items().filter((item) => item.querySelector(".pick-box").checked);

  function moveTo(item) {
    if (!item) return;
    if (current) current.classList.remove("current");
    current = item;
    current.classList.add("current");
    current.scrollIntoView({ block: "nearest" });
    current.querySelector("a.open").focus({ preventScroll: true });
  }

  function move(step) {
    const all = items();
    const index = all.indexOf(current);
    moveTo(all[index === -1 ? 0 : Math.min(Math.max(index + step, 0), all.length - 1)]);
    if (step > 0 && current === all[all.length - 1]) loadNextPage();
  }

  function showSelection() {
    const chosen = picked();
    items().forEach((item) => item.classList.toggle("picked", item.querySelector(".pick-box").checked));
    bulk.hidden = chosen.length === 0;
    bulk.querySelector(".bulk-count").textContent = `${chosen.length} selected`;
  }

  document.addEventListener("keydown", (event) => {
    if (tidyclip.typingInField(event) || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "j") move(1);
    else if (event.key === "k") move(-1);
    else if ((event.key === "o" || event.key === "Enter") && current) location.href = current.querySelector("a.open").href;
    else if (event.key === "x" && current) {
      const box = current.querySelector(".pick-box");
      box.checked = !box.checked;
      showSelection();
    } else return;
    event.preventDefault();
  });

  // A lead image its site no longer serves is hidden rather than shown broken.
  document.addEventListener("error", (event) => {
    if (event.target.matches && event.target.matches("img.thumb")) event.target.hidden = true;
  }, true);

  document.addEventListener("change", (event) => {
    if (event.target.classList.contains("pick-box")) showSelection();
  });

  async function deletePicked() {
    const chosen = picked();
    try {
      const answer = await tidyclip.send("POST", "/ui/delete", { ids: chosen.map((item) => item.dataset.id) });
      chosen.forEach((item) => item.remove());
      showSelection();
      tidyclip.offerUndo(answer.deleted, answer.undo);
    } catch (error) {
      tidyclip.fail(error);
    }
  }

  async function tagPicked() {
    const answer = prompt("Add tags to the selected clips (comma separated):");
    const tags = (answer || "").split(",").map((tag) => tag.trim()).filter(Boolean);
    if (!tags.length) return;
    try {
      await tidyclip.send("POST", "/ui/tag", { ids: picked().map((item) => item.dataset.id), tags });
      location.reload();
    } catch (error) {
      tidyclip.fail(error);
    }
  }

  function exportPicked() {
    const ids = picked().map((item) => item.dataset.id).join(",");
    location.href = `/export?ids=${encodeURIComponent(ids)}`;
  }

  function clearPicked() {
    items().forEach((item) => { item.querySelector(".pick-box").checked = false; });
    showSelection();
  }

  const bulkActions = { delete: deletePicked, tag: tagPicked, export: exportPicked, clear: clearPicked };
  bulk.addEventListener("click", (event) => {
    const action = event.target.dataset && event.target.dataset.bulk;
    if (action) bulkActions[action]();
  });

  // Load-as-you-scroll: fetch the next page's HTML and append its clips; the pager links stay as the fallback.
  let loading = false;
  async function loadNextPage() {
    const next = document.getElementById("next-page");
    if (!next || loading || !list) return;
    loading = true;
    try {
      const response = await fetch(next.href, { credentials: "same-origin" });
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      page.querySelectorAll("#clips > .clip").forEach((item) => list.appendChild(document.adoptNode(item)));
      const newer = page.getElementById("next-page");
      if (newer) next.href = newer.href;
      else document.getElementById("pager").remove();
    } catch (error) {
      tidyclip.fail(error);
    } finally {
      loading = false;
    }
    // A tall window may still show the pager: the observer will not fire again, so keep going.
    const pager = document.getElementById("pager");
    if (pager && pager.getBoundingClientRect().top < innerHeight + 600) loadNextPage();
  }
  const pager = document.getElementById("pager");
  if (list && pager && "IntersectionObserver" in window) {
    new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) loadNextPage();
    }, { rootMargin: "600px" }).observe(pager);
  }

  // After a deletion in the reader view we land here with ?deleted=N&undo=ID: offer the Undo once.
  const params = new URLSearchParams(location.search);
  if (params.has("undo")) {
    tidyclip.offerUndo(Number(params.get("deleted")) || 1, params.get("undo"));
    params.delete("undo");
    params.delete("deleted");
    history.replaceState(null, "", params.toString() ? `?${params}` : location.pathname);
  }
})();
