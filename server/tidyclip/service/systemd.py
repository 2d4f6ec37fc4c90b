"""Linux: a systemd user unit, ~/.config/systemd/user/tidyclip.service.

The user's systemd starts it when they log in and stops it at their last logout; with lingering
(`loginctl enable-linger`) it starts at boot and keeps running without a login.
"""

import getpass
import os
import shutil
import subprocess
from pathlib import Path

from tidyclip.service.base import Command, InitSystem, output_of
from tidyclip.service.spec import Service

UNIT = "tidyclip.service"
#: Characters after which a word must be quoted (systemd.syntax(7), "Quoting"); `;` alone separates commands.
NEEDS_QUOTES = set(" \t\n\r\"'\\;")


def quote(word: str) -> str:
    """`word` as one word of an ExecStart= line, read back exactly: `%` (a specifier) and `$` (a
    variable) are doubled; a word with space, quotes, backslashes or control characters is put in
    double quotes with C escapes."""
    word = word.replace("%", "%%").replace("$", "$$")
    if word and not any(char in NEEDS_QUOTES or ord(char) < 32 or char == "\x7f" for char in word):
        return word
    return '"' + "".join(escape(char) for char in word) + '"'


def escape(char: str) -> str:
    if char in '"\\':
        return "\\" + char
    if ord(char) < 32 or char == "\x7f":
        return f"\\x{ord(char):02x}"
    return char


class SystemdUserUnit(InitSystem):
    kind = "systemd user unit"

    def file_path(self) -> Path:
        config = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
        return Path(config) / "systemd" / "user" / UNIT

    def render(self, service: Service) -> str:
        return "\n".join([
            "# Written by `tidyclip service install`; `tidyclip service uninstall` removes it.",
            "[Unit]",
            "Description=tidyclip, the web clipper's server on this machine",
            # A server that cannot start (its port taken, its data dir in use) is tried five times a minute, then left.
            "StartLimitIntervalSec=60",
            "StartLimitBurst=5",
            "",
            "[Service]",
            "ExecStart=" + " ".join(quote(word) for word in service.command),
            "Restart=on-failure",
            "RestartSec=5",
            "",
            "[Install]",
            "WantedBy=default.target",
            "",
        ])

    def install_commands(self, path: Path) -> list[Command]:
        return [
            Command(["systemctl", "--user", "daemon-reload"]),
            Command(["systemctl", "--user", "enable", UNIT]),
            Command(["systemctl", "--user", "restart", UNIT]),  # starts it, or restarts it on the new file
        ]

    def uninstall_commands(self, path: Path) -> list[Command]:
        return [Command(["systemctl", "--user", "disable", "--now", UNIT], may_fail=True)]

    def unavailable(self) -> str | None:
        if not shutil.which("systemctl"):
            return "no systemd here (no systemctl on PATH): start `tidyclip serve` from your desktop's autostart instead"
        probe = subprocess.run(["systemctl", "--user", "show-environment"], capture_output=True, text=True, check=False)
        if probe.returncode != 0:
            said = probe.stderr.strip().splitlines()
            return ("no systemd user session here" + (f" (systemctl --user: {said[0]})" if said else "")
                    + ": run `tidyclip serve` yourself (in a container, from its entry point)")
        return None

    def state(self) -> str:
        enabled = output_of(["systemctl", "--user", "is-enabled", UNIT])
        active = output_of(["systemctl", "--user", "is-active", UNIT])
        return f"{enabled}, {active}; its log: journalctl --user -u {UNIT}"

    def notes(self) -> list[str]:
        user = getpass.getuser()
        if Path("/var/lib/systemd/linger", user).exists():
            return []
        return [f"it stops when you log out; to keep it running then, and start it at boot: loginctl enable-linger {user}"]
