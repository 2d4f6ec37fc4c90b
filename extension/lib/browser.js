// One name for the extension API in Chromium (`chrome`) and Firefox (`browser`). Both return
// promises in Manifest V3, so the rest of the code never passes callbacks.
export const ext = globalThis.browser ?? globalThis.chrome;
