// Functions that run inside the clipped page (chrome.scripting.executeScript serializes them, so
// each one is self-contained: no imports, no outside names).

/**
 * The page as the reader sees it: the live DOM (logged-in and paywalled pages included), with lazy
 * images given their real source. Works on a copy, so the page itself is left as it was.
 * With `withSelection`, also the HTML of the selected range(s), or null when nothing is selected.
 */
export function capturePage(withSelection) {
  const LAZY_SRC = ["data-src", "data-lazy-src", "data-original", "data-lazy", "data-url", "data-hi-res-src"];
  const LAZY_SRCSET = ["data-srcset", "data-lazy-srcset"];
  const BLOCKS = "p,div,section,article,li,ul,ol,h1,h2,h3,h4,h5,h6,blockquote,pre,table,figure";
  const absolute = (value) => {
    try {
      return new URL(value.trim(), document.baseURI).href;
    } catch {
      return null;
    }
  };
  const isPlaceholder = (src) => !src || src.startsWith("data:") || src === "about:blank";

  // `live` is the element on the page (null for a detached copy): when the browser has already
  // loaded a real image there, its currentSrc is exactly what the reader sees.
  function resolveImage(copy, live) {
    const shown = live && live.complete && live.naturalWidth > 1 ? live.currentSrc : "";
    const lazy = LAZY_SRC.map((name) => copy.getAttribute(name)).find(Boolean);
    const src = !isPlaceholder(shown) ? shown : lazy ? absolute(lazy) : null;
    if (src) copy.setAttribute("src", src);
    const lazySet = LAZY_SRCSET.map((name) => copy.getAttribute(name)).find(Boolean);
    if (lazySet && isPlaceholder(copy.getAttribute("srcset"))) copy.setAttribute("srcset", lazySet);
    copy.removeAttribute("loading");
  }

  function resolveSources(copy) {
    for (const source of copy.querySelectorAll("picture source")) {
      const lazySet = LAZY_SRCSET.map((name) => source.getAttribute(name)).find(Boolean);
      if (lazySet && isPlaceholder(source.getAttribute("srcset"))) source.setAttribute("srcset", lazySet);
    }
  }

  const liveImages = [...document.images];
  const copy = document.documentElement.cloneNode(true);
  // cloneNode keeps document order, so the copy's images line up with the live ones.
  [...copy.querySelectorAll("img")].forEach((image, i) => resolveImage(image, liveImages[i] ?? null));
  resolveSources(copy);
  copy.querySelector("#tidyclip-toast-host")?.remove();
  // Scripts carry no reading and can weigh megabytes; JSON-LD stays (author, date, site name).
  for (const script of copy.querySelectorAll('script:not([type="application/ld+json"])')) script.remove();

  let selectionHtml = null;
  const selection = withSelection ? window.getSelection() : null;
  if (selection && selection.rangeCount && !selection.isCollapsed) {
    const holder = document.createElement("div");
    for (let i = 0; i < selection.rangeCount; i++) holder.append(selection.getRangeAt(i).cloneContents());
    holder.querySelectorAll("img").forEach((image) => resolveImage(image, null));
    resolveSources(holder);
    if (holder.textContent.trim()) {
      // A few words from inside one paragraph come out as bare text: give them their paragraph.
      selectionHtml = holder.querySelector(BLOCKS) ? holder.innerHTML : `<p>${holder.innerHTML}</p>`;
    }
  }

  const doctype = document.doctype ? `<!DOCTYPE ${document.doctype.name}>\n` : "";
  return {
    url: location.href,
    title: document.title,
    html: doctype + copy.outerHTML,
    selection_html: selectionHtml,
  };
}

/** Whether the reader has selected some text on the page (the popup offers "Clip selection" then). */
export function hasSelection() {
  const selection = window.getSelection();
  return Boolean(selection && !selection.isCollapsed && selection.toString().trim());
}

/**
 * A small message in the page's corner after a clip from the context menu or the shortcut (the
 * popup shows its own). It lives in a shadow root so the page's styles cannot reach it.
 */
export function showToast({ ok, heading, detail, link, linkText }) {
  const HOST_ID = "tidyclip-toast-host";
  document.getElementById(HOST_ID)?.remove();
  const host = document.createElement("div");
  host.id = HOST_ID;
  const root = host.attachShadow({ mode: "open" });
  const css = `
    .toast { position: fixed; z-index: 2147483647; right: 16px; bottom: 16px; max-width: 360px;
      padding: 12px 36px 12px 14px; border-radius: 8px; font: 14px/1.4 system-ui, sans-serif;
      color: #1d2321; background: #fff; box-shadow: 0 4px 18px rgba(0,0,0,.25);
      border-left: 5px solid ${ok ? "#1f7a4d" : "#b3261e"}; }
    .heading { font-weight: 600; margin: 0 0 2px; }
    .detail { margin: 0; overflow-wrap: anywhere; }
    a { color: #1f5f8b; }
    button { position: absolute; top: 6px; right: 6px; border: 0; background: none; font-size: 18px;
      line-height: 1; cursor: pointer; color: #555; }`;
  // A constructed sheet is not inline style, so a page's Content-Security-Policy cannot block it
  // (Firefox applies the page's policy to <style> elements an extension adds); where the browser will
  // not adopt a sheet made here, a <style> element it is.
  const styled = (() => {
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
      root.adoptedStyleSheets = [sheet];
      return true;
    } catch {
      return false;
    }
  })();
  const box = document.createElement("div");
  box.className = "toast";
  box.setAttribute("role", ok ? "status" : "alert");
  const title = document.createElement("p");
  title.className = "heading";
  title.textContent = heading;
  const text = document.createElement("p");
  text.className = "detail";
  text.textContent = detail || "";
  if (link) {
    const anchor = document.createElement("a");
    anchor.href = link;
    anchor.target = "_blank";
    anchor.rel = "noopener";
    anchor.textContent = linkText;
    text.append(detail ? " " : "", anchor);
  }
  const close = document.createElement("button");
  close.type = "button";
  close.setAttribute("aria-label", "Close");
  close.textContent = "×";
  close.addEventListener("click", () => host.remove());
  box.append(title, text, close);
  if (!styled) {
    const style = document.createElement("style");
    style.textContent = css;
    root.append(style);
  }
  root.append(box);
  document.documentElement.append(host);
  setTimeout(() => host.remove(), ok ? 6000 : 12000);
}
