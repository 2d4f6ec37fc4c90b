// The list's reading keys, as in the reader: on the current clip (j/k pick it), a archive, u back to
// unread, f favourite. A clip that leaves the list's tab (archived from Unread) is dimmed, not removed,
// so j/k keep their place.
"use strict";

(() => {
  const tabs = document.getElementById("tabs");
  if (!tabs) return;
  const view = tabs.dataset.view;
  const belongs = { unread: (clip) => clip.state === "unread", archived: (clip) => clip.state === "archived", favorites: (clip) => clip.favorite, all: () => true };

  function showBadge(item, kind, text, shown) {
    let badge = item.querySelector(`.clip-state.${kind}`);
    if (shown && !badge) {
      badge = document.createElement("span");
      badge.className = `clip-state ${kind}`;
      badge.textContent = text;
      item.querySelector(".meta").append(" · ", badge);
    } else if (!shown && badge) {
      const before = badge.previousSibling;
      if (before && before.nodeType === Node.TEXT_NODE) before.textContent = before.textContent.replace(/\s*·\s*$/, "");
      badge.remove();
    }
  }

  async function setReading(item, key) {
    const favorite = item.querySelector(".clip-state.favorite") !== null;
    const change = key === "f" ? { favorite: !favorite } : { state: key === "a" ? "archived" : "unread" };
    try {
      const clip = await tidyclip.send("PATCH", `/ui/clips/${encodeURIComponent(item.dataset.id)}`, change);
      showBadge(item, "favorite", "★ Favourite", clip.favorite);
      showBadge(item, "archived", "Archived", clip.state === "archived");
      item.classList.toggle("left-view", !(belongs[view] || belongs.all)(clip));
      tidyclip.notify(key === "f" ? (clip.favorite ? "Added to favourites." : "Taken out of favourites.")
        : (clip.state === "archived" ? "Archived." : "Moved to unread."));
    } catch (error) {
      tidyclip.fail(error);
    }
  }

  document.addEventListener("keydown", (event) => {
    if (tidyclip.typingInField(event) || event.ctrlKey || event.metaKey || event.altKey || !["a", "u", "f"].includes(event.key)) return;
    const item = document.querySelector("#clips > .clip.current");
    if (!item) return;
    event.preventDefault();
    setReading(item, event.key);
  });
})();
