// The words the user reads after a clip, shared by the popup and the in-page message.

/**
 * @param {{ok: boolean, status?: string, title?: string, link?: string, queued?: boolean,
 *          waiting?: number, reason?: string}} result what clipTab returned
 * @returns {{ok: boolean, heading: string, detail: string, link?: string, linkText?: string}}
 */
export function describeResult(result) {
  if (result.ok) {
    return {
      ok: true,
      heading: result.status === "updated" ? "Clipped again (the earlier clip is updated)" : "Clipped",
      detail: result.title,
      link: result.link,
      linkText: "Open it in tidyclip",
    };
  }
  if (result.queued) {
    return {
      ok: false,
      heading: "Kept for later",
      detail: `${capitalize(result.reason)}. The clip waits here and is sent as soon as tidyclip takes it (${waitingText(result.waiting)}).`,
    };
  }
  return { ok: false, heading: "Not clipped", detail: `${capitalize(result.reason)}.` };
}

export function waitingText(count) {
  return count === 1 ? "1 clip waiting" : `${count} clips waiting`;
}

function capitalize(text) {
  return text ? text[0].toUpperCase() + text.slice(1) : "";
}
