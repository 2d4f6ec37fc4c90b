// The reader's reading tools: highlights (select text, press h or Highlight; marks in the text, a list
// beside it, notes, delete with undo), the reading state (a archive, u unread, f favourite) and the
// reading position, saved as you read and restored when the clip is opened again.
//
// A highlight is found in the text as the server anchors it (reading/anchoring.py): its quote without
// regard to whitespace (paragraphs meet without a blank line in the page, with one in the clip's text),
// the place whose prefix and suffix match best when the quote occurs more than once, then the one
// nearest its position. Quotes and notes only ever enter the page as text (textContent).
"use strict";

(() => {
  const article = document.querySelector(".clip-article");
  const content = document.getElementById("content");
  const list = document.getElementById("highlight-list");
  if (!article || !content || !list) return;
  const clipUrl = `/ui/clips/${encodeURIComponent(article.dataset.id)}`;
  const noteForm = document.getElementById("highlight-note-form");
  const actions = document.getElementById("highlight-actions");
  const squeeze = (text) => text.replace(/\s+/g, "");
  const CONTEXT = 32;

  // ---- the text, without whitespace, and where each of its characters is ----------------------
  /** The content's text nodes, where each one's characters start in `squeezed` (the text without
      whitespace), and `place(at)`: the text node and offset of squeezed[at]. */
  function textMap() {
    const nodes = [];
    const starts = [];
    const pieces = [];
    let length = 0;
    const walker = document.createTreeWalker(content, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const piece = squeeze(node.data);
      if (!piece) continue;
      nodes.push(node);
      starts.push(length);
      pieces.push(piece);
      length += piece.length;
    }
    const offsets = new Map();  // node index -> raw offset of each of its non-space characters, made when needed
    function rawOffsets(index) {
      if (!offsets.has(index)) {
        const data = nodes[index].data;
        const found = [];
        for (let offset = 0; offset < data.length; offset++) if (!/\s/.test(data[offset])) found.push(offset);
        offsets.set(index, found);
      }
      return offsets.get(index);
    }
    function nodeAt(at) {
      let low = 0;
      let high = starts.length - 1;
      while (low < high) {
        const middle = (low + high + 1) >> 1;
        if (starts[middle] <= at) low = middle;
        else high = middle - 1;
      }
      return low;
    }
    /** The runs [{index, start, end}] of raw text that squeezed[from, to) covers, node by node. */
    function runs(from, to) {
      const first = nodeAt(from);
      const last = nodeAt(to - 1);
      const result = [];
      for (let index = first; index <= last; index++) {
        const raw = rawOffsets(index);
        const start = index === first ? raw[from - starts[index]] : 0;
        const end = index === last ? raw[to - 1 - starts[index]] + 1 : nodes[index].data.length;
        result.push({ index, start, end });
      }
      return result;
    }
    return { nodes, squeezed: pieces.join(""), runs };
  }

  function sharedEnd(a, b) {
    let n = 0;
    while (n < a.length && n < b.length && a[a.length - 1 - n] === b[b.length - 1 - n]) n++;
    return n;
  }

  function sharedStart(a, b) {
    let n = 0;
    while (n < a.length && n < b.length && a[n] === b[n]) n++;
    return n;
  }

  /** [start, end) of the highlight in map.squeezed, or null. */
  function locate(map, item) {
    const needle = squeeze(item.quote);
    if (!needle) return null;
    const prefix = squeeze(item.prefix || "");
    const suffix = squeeze(item.suffix || "");
    const hint = map.squeezed.length * (item.start || 0) / Math.max(1, item.textLength || 1);
    let best = null;
    let bestFit = null;
    for (let at = map.squeezed.indexOf(needle); at !== -1; at = map.squeezed.indexOf(needle, at + 1)) {
      const context = sharedEnd(map.squeezed.slice(Math.max(0, at - prefix.length), at), prefix)
        + sharedStart(map.squeezed.slice(at + needle.length, at + needle.length + suffix.length), suffix);
      const fit = [context, -Math.abs(at - hint)];
      if (!bestFit || fit[0] > bestFit[0] || (fit[0] === bestFit[0] && fit[1] > bestFit[1])) {
        best = at;
        bestFit = fit;
      }
    }
    return best === null ? null : [best, best + needle.length];
  }

  // ---- marks in the text -------------------------------------------------------------------------
  function unpaint() {
    const marks = content.querySelectorAll("mark.hl");
    if (!marks.length) return;
    marks.forEach((mark) => mark.replaceWith(...mark.childNodes));
    content.normalize();
  }

  /** Wrap every located highlight's characters in <mark class="hl">, text node by text node, so a
      highlight may cross paragraphs, formatting and links; where two overlap, the later one shows. */
  function paint(items) {
    unpaint();
    const map = textMap();
    const textLength = Number(article.dataset.textLength) || map.squeezed.length;
    const perNode = new Map();
    const found = new Set();
    for (const item of items) {
      if (item.detached) continue;
      const span = locate(map, { ...item, textLength });
      if (!span) continue;
      found.add(item.id);
      for (const run of map.runs(span[0], span[1])) {
        if (!perNode.has(run.index)) perNode.set(run.index, []);
        perNode.get(run.index).push({ id: item.id, start: run.start, end: run.end });
      }
    }
    for (const [index, runs] of perNode) wrapRuns(map.nodes[index], runs);
    return found;
  }

  function wrapRuns(node, runs) {
    const data = node.data;
    const owner = new Array(data.length).fill(null);
    for (const run of runs) for (let offset = run.start; offset < run.end; offset++) owner[offset] = run.id;
    const fragment = document.createDocumentFragment();
    let from = 0;
    for (let offset = 1; offset <= data.length; offset++) {
      if (offset < data.length && owner[offset] === owner[from]) continue;
      const piece = document.createTextNode(data.slice(from, offset));
      if (owner[from]) {
        const mark = document.createElement("mark");
        mark.className = "hl";
        mark.dataset.hid = owner[from];
        mark.appendChild(piece);
        fragment.appendChild(mark);
      } else {
        fragment.appendChild(piece);
      }
      from = offset;
    }
    node.replaceWith(fragment);
  }

  // ---- the list beside the text ------------------------------------------------------------------
  const itemOf = (li) => ({
    id: li.dataset.hid,
    quote: li.querySelector(".hl-quote").textContent,
    prefix: li.dataset.prefix || "",
    suffix: li.dataset.suffix || "",
    note: li.querySelector(".hl-note").textContent,
    start: Number(li.dataset.start) || 0,
    detached: li.dataset.detached === "true",
  });
  const listed = () => Array.from(list.querySelectorAll(".highlight-item"));

  function showCount() {
    const count = listed().length;
    document.getElementById("highlight-count").textContent = String(count);
    document.getElementById("highlights-empty").hidden = count > 0;
  }

  function setNote(li, note) {
    const shown = li.querySelector(".hl-note");
    shown.textContent = note;
    shown.hidden = !note;
  }

  function addToList(highlight) {
    const li = document.getElementById("highlight-item").content.firstElementChild.cloneNode(true);
    li.dataset.hid = highlight.id;
    li.dataset.prefix = highlight.prefix;
    li.dataset.suffix = highlight.suffix;
    li.dataset.start = String(highlight.position.start);
    li.querySelector(".hl-quote").textContent = highlight.quote;
    setNote(li, highlight.note);
    const after = listed().find((other) => other.dataset.detached === "true" || Number(other.dataset.start) > highlight.position.start);
    list.insertBefore(li, after || null);
    showCount();
    return li;
  }

  function repaint() {
    const found = paint(listed().map(itemOf));
    // A passage the server placed but this page's text lacks (it differs a little from the clip's text).
    listed().forEach((li) => {
      const unplaced = li.dataset.detached !== "true" && !found.has(li.dataset.hid);
      if (li.classList.contains("unplaced") !== unplaced) li.classList.toggle("unplaced", unplaced);
    });
  }

  // ---- making, editing, deleting -------------------------------------------------------------------
  function selectedPassage() {
    const selection = getSelection();
    if (!selection || selection.isCollapsed || !selection.rangeCount) return null;
    const range = selection.getRangeAt(0);
    if (!content.contains(range.commonAncestorContainer)) return null;
    const quote = range.toString();
    if (!quote.trim()) return null;
    const before = document.createRange();
    before.setStart(content, 0);
    before.setEnd(range.startContainer, range.startOffset);
    const after = document.createRange();
    after.setStart(range.endContainer, range.endOffset);
    after.setEnd(content, content.childNodes.length);
    return { quote, prefix: squeeze(before.toString()).slice(-CONTEXT), suffix: squeeze(after.toString()).slice(0, CONTEXT) };
  }

  async function highlightSelection() {
    const passage = selectedPassage();
    if (!passage) {
      tidyclip.notify("Select some of the clip's text first.");
      return;
    }
    try {
      const made = await tidyclip.send("POST", `${clipUrl}/highlights`, passage);
      getSelection().removeAllRanges();
      const li = addToList(made);
      repaint();
      choose(li);
      editNote(li);
    } catch (error) {
      tidyclip.fail(error);
    }
  }

  let editing = null;
  function editNote(li) {
    editing = li;
    li.appendChild(noteForm);
    noteForm.hidden = false;
    noteForm.elements.note.value = li.querySelector(".hl-note").textContent;
    noteForm.elements.note.focus();
  }

  function closeNote() {
    noteForm.hidden = true;
    document.getElementById("highlights-panel").appendChild(noteForm);  // out of the item, which may go
    editing = null;
  }

  /** The highlight whose actions (Note…, Delete) show. */
  function choose(li) {
    li.appendChild(actions);
    actions.hidden = false;
  }

  function unchoose() {
    actions.hidden = true;
    document.getElementById("highlights-panel").appendChild(actions);
  }

  noteForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const li = editing;
    try {
      const changed = await tidyclip.send("PATCH", `${clipUrl}/highlights/${li.dataset.hid}`, { note: noteForm.elements.note.value });
      setNote(li, changed.note);
      closeNote();
    } catch (error) {
      tidyclip.fail(error);
    }
  });
  noteForm.elements.note.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) noteForm.requestSubmit();
    else if (event.key === "Escape") closeNote();
  });
  document.getElementById("highlight-note-cancel").addEventListener("click", closeNote);

  async function remove(li) {
    const item = itemOf(li);
    try {
      await tidyclip.send("DELETE", `${clipUrl}/highlights/${item.id}`);
      if (li.contains(noteForm)) closeNote();
      if (li.contains(actions)) unchoose();
      li.remove();
      showCount();
      repaint();
      tidyclip.notify("Highlight deleted.", { label: "Undo", run: () => putBack(item) });
    } catch (error) {
      tidyclip.fail(error);
    }
  }

  async function putBack(item) {
    try {
      const made = await tidyclip.send("POST", `${clipUrl}/highlights`, { quote: item.quote, prefix: item.prefix, suffix: item.suffix, note: item.note });
      addToList(made);
      repaint();
    } catch (error) {
      tidyclip.fail(error);
    }
  }

  function scrollToHighlight(id) {
    const mark = content.querySelector(`mark.hl[data-hid="${CSS.escape(id)}"]`);
    if (!mark) return;
    mark.scrollIntoView({ block: "center" });
    content.querySelectorAll(`mark.hl[data-hid="${CSS.escape(id)}"]`).forEach((piece) => {
      piece.classList.add("flash");
      setTimeout(() => piece.classList.remove("flash"), 1200);
    });
  }

  list.addEventListener("click", (event) => {
    const li = event.target.closest(".highlight-item");
    if (!li) return;
    if (event.target.closest(".hl-quote")) {
      choose(li);
      scrollToHighlight(li.dataset.hid);
    }
    else if (event.target.closest(".hl-edit")) editNote(li);
    else if (event.target.closest(".hl-delete")) remove(li);
  });
  content.addEventListener("click", (event) => {
    const mark = event.target.closest("mark.hl");
    if (!mark || !getSelection().isCollapsed) return;
    const li = list.querySelector(`.highlight-item[data-hid="${CSS.escape(mark.dataset.hid)}"]`);
    if (!li) return;
    choose(li);
    li.scrollIntoView({ block: "nearest" });
  });
  // mousedown, not click: a click would end the selection before the button saw it
  const highlightButton = document.getElementById("highlight-button");
  highlightButton.addEventListener("mousedown", (event) => {
    event.preventDefault();
    highlightSelection();
  });
  highlightButton.addEventListener("click", (event) => {
    if (event.detail === 0) highlightSelection();  // Enter or Space on the button (a mouse press went above)
  });

  // ---- reading state -------------------------------------------------------------------------------
  const archiveButton = document.getElementById("archive-button");
  const favoriteButton = document.getElementById("favorite-button");

  function showState() {
    archiveButton.textContent = article.dataset.state === "archived" ? "Move to unread" : "Archive";
    const favorite = article.dataset.favorite === "true";
    favoriteButton.textContent = favorite ? "★ Favourite" : "☆ Favourite";
    favoriteButton.setAttribute("aria-pressed", String(favorite));
  }

  async function setState(change, message) {
    try {
      const clip = await tidyclip.send("PATCH", clipUrl, change);
      article.dataset.state = clip.state;
      article.dataset.favorite = String(clip.favorite);
      showState();
      tidyclip.notify(message);
    } catch (error) {
      tidyclip.fail(error);
    }
  }

  const archive = () => setState({ state: "archived" }, "Archived.");
  const unread = () => setState({ state: "unread" }, "Moved to unread.");
  const toggleFavorite = () => {
    const favorite = article.dataset.favorite !== "true";
    setState({ favorite }, favorite ? "Added to favourites." : "Taken out of favourites.");
  };
  archiveButton.addEventListener("click", () => (article.dataset.state === "archived" ? unread() : archive()));
  favoriteButton.addEventListener("click", toggleFavorite);

  const keys = { h: highlightSelection, a: archive, u: unread, f: toggleFavorite };
  document.addEventListener("keydown", (event) => {
    if (tidyclip.typingInField(event) || event.ctrlKey || event.metaKey || event.altKey) return;
    const action = keys[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });

  // ---- reading position ----------------------------------------------------------------------------
  const scrollable = () => Math.max(1, document.documentElement.scrollHeight - innerHeight);
  let saved = Number(article.dataset.progress) || 0;
  let saveTimer = null;

  function saveProgress(keepalive) {
    clearTimeout(saveTimer);
    const progress = Math.round(Math.min(1, Math.max(0, scrollY / scrollable())) * 1000) / 1000;
    if (Math.abs(progress - saved) < 0.005) return;
    saved = progress;
    fetch(clipUrl, {
      method: "PATCH", credentials: "same-origin", keepalive,
      headers: { "Content-Type": "application/json", "X-CSRF-Token": document.querySelector('meta[name="csrf-token"]').content },
      body: JSON.stringify({ progress }),
    }).catch(() => {});
  }

  history.scrollRestoration = "manual";  // the clip's own position is the one to come back to
  addEventListener("scroll", () => {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(() => saveProgress(false), 700);
  }, { passive: true });
  addEventListener("pagehide", () => saveProgress(true));

  repaint();
  if (saved > 0) scrollTo(0, saved * scrollable());
  article.dataset.ready = "true";  // marks painted, position restored (tests and benchmarks wait for it)
  performance.mark("tidyclip-reader-ready");
})();
