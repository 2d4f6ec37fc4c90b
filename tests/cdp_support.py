"""Chromium with the extension loaded, driven over a bare DevTools pipe, with no debugger left on
the service worker.

Playwright attaches to every service worker, and Chromium never stops a worker that DevTools is
attached to: under Playwright the browser's 30-second idle rule does not apply, so a test of what that
rule does to a slow upload could never fail there. This driver attaches to pages only, and to the
worker just for the moment of an `evaluate`, so between calls the worker lives by the browser's rules.
"""

import fcntl
import itertools
import json
import os
import subprocess
import threading
from pathlib import Path

from conftest import CHROMIUM, CHROMIUM_ARGS, EXTENSION_DIR
from extension_support import ExtensionDriver, ScriptedTab, called, wait_until

#: How long one DevTools command may take (a clip through a slow server is waited for on the page).
COMMAND_TIMEOUT_S = 90


class DevToolsPipe:
    """Chromium started with --remote-debugging-pipe: commands go in on its fd 3, answers come out on
    its fd 4, each a JSON message ended by a NUL byte. Events are not used and dropped."""

    def __init__(self, args: list[str], log: Path):
        to_browser, self._commands = os.pipe()
        self._answers, from_browser = os.pipe()

        def give_the_browser_its_pipes() -> None:
            # Moved out of the way first: a pipe end may itself be fd 3 or 4.
            reads, writes = (fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_browser, from_browser))
            os.dup2(reads, 3)
            os.dup2(writes, 4)

        with open(log, "ab") as log_file:
            self.process = subprocess.Popen(args, preexec_fn=give_the_browser_its_pipes, close_fds=False,
                                            stdout=subprocess.DEVNULL, stderr=log_file)
        os.close(to_browser)
        os.close(from_browser)
        self._ids = itertools.count(1)
        self._answered: dict[int, dict] = {}
        self._arrived = threading.Condition()
        threading.Thread(target=self._read_answers, daemon=True).start()

    def _read_answers(self) -> None:
        pending = b""
        with os.fdopen(self._answers, "rb", buffering=0) as answers:
            while chunk := answers.read(65536):
                pending += chunk
                *messages, pending = pending.split(b"\0")
                for message in messages:
                    data = json.loads(message)
                    if "id" in data:
                        with self._arrived:
                            self._answered[data["id"]] = data
                            self._arrived.notify_all()

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        command_id = next(self._ids)
        message = {"id": command_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        with self._arrived:
            if not self._arrived.wait_for(lambda: command_id in self._answered, COMMAND_TIMEOUT_S):
                raise AssertionError(f"Chromium did not answer {method} within {COMMAND_TIMEOUT_S} s")
            answer = self._answered.pop(command_id)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    def evaluate(self, session: str, script: str, arg=None):
        """Run `script` (an expression, or a function called with `arg`) in an attached target."""
        expression = f"(async (arg) => {called(script)})({json.dumps(arg)})"
        answer = self.send("Runtime.evaluate", {"expression": expression, "awaitPromise": True, "returnByValue": True}, session)
        if "exceptionDetails" in answer:
            details = answer["exceptionDetails"]
            raise RuntimeError(details.get("exception", {}).get("description") or details.get("text"))
        return answer["result"].get("value")

    def close(self) -> None:
        self.process.kill()
        self.process.wait()
        os.close(self._commands)


class PipeTab(ScriptedTab):
    """A page target, attached for good (pages have no idle rule to keep)."""

    def __init__(self, pipe: DevToolsPipe, target_id: str):
        self.pipe = pipe
        self.target_id = target_id
        self.session = pipe.send("Target.attachToTarget", {"targetId": target_id, "flatten": True})["sessionId"]

    def evaluate(self, script: str, arg=None):
        return self.pipe.evaluate(self.session, script, arg)

    @property
    def url(self) -> str:
        return self.evaluate("location.href")

    def title(self) -> str:
        return self.evaluate("document.title")

    def reload(self) -> None:
        self.evaluate("location.reload()")
        wait_until(lambda: self.evaluate("document.readyState") == "complete", "the page to load again")

    def close(self) -> None:
        self.pipe.send("Target.closeTarget", {"targetId": self.target_id})


class UnwatchedChromium(ExtensionDriver):
    """Chromium whose service worker no debugger keeps alive between calls."""

    name = "chromium-unwatched"
    scheme = "chrome-extension"

    def __init__(self, profile: Path):
        self.pipe = DevToolsPipe([
            CHROMIUM, "--headless", *CHROMIUM_ARGS, f"--user-data-dir={profile}", "--remote-debugging-pipe",
            f"--disable-extensions-except={EXTENSION_DIR}", f"--load-extension={EXTENSION_DIR}", "about:blank",
        ], profile.parent / f"{profile.name}-chromium.log")
        wait_until(self._worker_target, "the extension's service worker")
        self.id = self._worker_target()["url"].split("/")[2]
        # The target shows before the worker's script has run (and has its extension API).
        wait_until(self._worker_ready, "the service worker's script to run")
        # An extension page of our own, to wake the worker when the browser has stopped it.
        self.waker = self.open_page(self.page_url("popup/popup.html"))

    def _targets(self, kind: str) -> list[dict]:
        return [target for target in self.pipe.send("Target.getTargets")["targetInfos"] if target["type"] == kind]

    def _worker_target(self) -> dict | None:
        return next((target for target in self._targets("service_worker") if target["url"].startswith("chrome-extension://")), None)

    def _worker_ready(self) -> bool:
        try:
            return self.evaluate("typeof self.clipTab") == "function"
        except RuntimeError:
            return False

    def evaluate(self, script: str, arg=None):
        """In the worker, attached only for this call; a stopped worker is woken first, as any
        extension event would (a message from our page)."""
        if self._worker_target() is None:
            self.waker.evaluate("chrome.runtime.sendMessage({type: 'status'})")
        session = self.pipe.send("Target.attachToTarget", {"targetId": self._worker_target()["targetId"], "flatten": True})["sessionId"]
        try:
            return self.pipe.evaluate(session, script, arg)
        finally:
            self.pipe.send("Target.detachFromTarget", {"sessionId": session})

    def open_page(self, url: str) -> PipeTab:
        tab = PipeTab(self.pipe, self.pipe.send("Target.createTarget", {"url": url})["targetId"])
        wait_until(lambda: tab.evaluate("document.readyState") == "complete", f"{url} to load")
        return tab

    def page_urls(self) -> list[str]:
        return [target["url"] for target in self._targets("page")]

    def open_popup(self, tab: PipeTab) -> PipeTab:
        popup_url = self.page_url("popup/popup.html")
        before = {target["targetId"] for target in self._targets("page") if target["url"] == popup_url}
        self.pipe.send("Target.activateTarget", {"targetId": tab.target_id})
        self.waker.evaluate("chrome.action.openPopup()")
        opened = lambda: [t for t in self._targets("page") if t["url"] == popup_url and t["targetId"] not in before]  # noqa: E731
        wait_until(opened, "the popup to open")
        return self.wait_for_popup(PipeTab(self.pipe, opened()[0]["targetId"]))

    def close(self) -> None:
        self.pipe.close()
