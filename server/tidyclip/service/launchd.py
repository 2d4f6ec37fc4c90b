"""macOS: a launchd agent, ~/Library/LaunchAgents/local.tidyclip.server.plist.

launchd loads the user's agents when they log in; RunAtLoad starts tidyclip then, and KeepAlive
starts it again when it exits with an error (as systemd's Restart=on-failure).
"""

import os
import plistlib
from pathlib import Path

from tidyclip.service.base import Command, InitSystem, not_here, output_of
from tidyclip.service.spec import Service

LABEL = "local.tidyclip.server"


def gui_domain() -> str:
    """The launchd domain of the logged-in user's session."""
    return f"gui/{os.getuid()}" if hasattr(os, "getuid") else "gui/501"  # --dry-run elsewhere: a typical uid


class LaunchdAgent(InitSystem):
    kind = "launchd agent"

    def file_path(self) -> Path:
        return Path.home() / "Library" / "LaunchAgents" / f"{LABEL}.plist"

    def render(self, service: Service) -> str:
        log = str(Path.home() / "Library" / "Logs" / "tidyclip.log")
        agent = {
            "Label": LABEL,
            "ProgramArguments": service.command,
            "RunAtLoad": True,
            "KeepAlive": {"SuccessfulExit": False},
            # launchd waits this long before starting it again (a server that cannot start does not spin).
            "ThrottleInterval": 10,
            "StandardOutPath": log,
            "StandardErrorPath": log,
            "ProcessType": "Background",
        }
        return plistlib.dumps(agent).decode("utf-8")

    def install_commands(self, path: Path) -> list[Command]:
        return [
            Command(["launchctl", "bootout", f"{gui_domain()}/{LABEL}"], may_fail=True),  # an older copy, if loaded
            Command(["launchctl", "bootstrap", gui_domain(), str(path)]),
        ]

    def uninstall_commands(self, path: Path) -> list[Command]:
        return [Command(["launchctl", "bootout", f"{gui_domain()}/{LABEL}"], may_fail=True)]

    def unavailable(self) -> str | None:
        return not_here("darwin", "macOS", "launchctl")

    def state(self) -> str:
        loaded = output_of(["launchctl", "print", f"{gui_domain()}/{LABEL}"])
        return f"launchctl print {gui_domain()}/{LABEL}: {loaded}; its log: ~/Library/Logs/tidyclip.log"
