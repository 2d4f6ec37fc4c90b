"""`tidyclip service`: run the server in the background from the moment the user logs in.

One description of the service (`Service`: which Python, which arguments, which data dir and port)
is written out by the init system of the machine: a systemd user unit (systemd.py), a launchd agent
(launchd.py) or a Windows logon task (windows.py). base.py holds what they share: writing the file,
running the init system's commands, `--dry-run`.
"""

import sys

from tidyclip.errors import BadInput
from tidyclip.service.base import InitSystem
from tidyclip.service.spec import Service, describe

__all__ = ["PLATFORMS", "InitSystem", "Service", "describe", "init_system", "this_platform"]

#: What `--platform` accepts, and the sys.platform each one is.
PLATFORMS = {"linux": "linux", "macos": "darwin", "windows": "win32"}


def this_platform() -> str:
    """The --platform name of this machine."""
    for name, platform in PLATFORMS.items():
        if sys.platform == platform:
            return name
    raise BadInput(f"tidyclip cannot install a service on {sys.platform}: run `tidyclip serve` from your login scripts")


def init_system(platform: str) -> InitSystem:
    """The init system that starts services at login on `platform` (a PLATFORMS name)."""
    if platform == "linux":
        from tidyclip.service.systemd import SystemdUserUnit

        return SystemdUserUnit()
    if platform == "macos":
        from tidyclip.service.launchd import LaunchdAgent

        return LaunchdAgent()
    if platform == "windows":
        from tidyclip.service.windows import WindowsLogonTask

        return WindowsLogonTask()
    raise BadInput(f"unknown platform {platform!r}: one of {', '.join(PLATFORMS)}")
