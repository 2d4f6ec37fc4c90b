"""Windows: a Task Scheduler task that starts tidyclip when the user logs on.

The task is described in an XML file (%LOCALAPPDATA%\\tidyclip\\tidyclip-task.xml) that `schtasks
/Create /XML` takes in: unlike `schtasks /TR` (at most 261 characters) it has room for long paths,
and it can say what a command line cannot: no time limit (the default stops a task after 3 days)
and a restart when tidyclip fails.
"""

import getpass
import os
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from tidyclip.service.base import Command, InitSystem, not_here, output_of
from tidyclip.service.spec import Service

TASK = "tidyclip"
NAMESPACE = "http://schemas.microsoft.com/windows/2004/02/mit/task"


def windowless(program: Path) -> Path:
    """pythonw.exe beside python.exe, when there is one: no console window opens at logon."""
    quiet = program.with_name("pythonw.exe")
    return quiet if program.name.lower() == "python.exe" and quiet.exists() else program


def logon_user() -> str:
    domain, user = os.environ.get("USERDOMAIN"), os.environ.get("USERNAME") or getpass.getuser()
    return f"{domain}\\{user}" if domain else user


def element(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    child = ET.SubElement(parent, tag, attributes)
    child.text = text
    return child


class WindowsLogonTask(InitSystem):
    kind = "Windows logon task"
    encoding = "utf-16"

    def file_path(self) -> Path:
        local = os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local"
        return Path(local) / "tidyclip" / "tidyclip-task.xml"

    def render(self, service: Service) -> str:
        task = ET.Element("Task", version="1.2", xmlns=NAMESPACE)
        info = element(task, "RegistrationInfo")
        element(info, "Description", "tidyclip, the web clipper's server on this machine (tidyclip service install)")
        trigger = element(element(task, "Triggers"), "LogonTrigger")
        element(trigger, "Enabled", "true")
        element(trigger, "UserId", logon_user())
        principal = element(element(task, "Principals"), "Principal", id="Author")
        element(principal, "LogonType", "InteractiveToken")
        element(principal, "RunLevel", "LeastPrivilege")
        settings = element(task, "Settings")
        element(settings, "MultipleInstancesPolicy", "IgnoreNew")
        element(settings, "DisallowStartIfOnBatteries", "false")
        element(settings, "StopIfGoingOnBatteries", "false")
        element(settings, "ExecutionTimeLimit", "PT0S")
        restart = element(settings, "RestartOnFailure")
        element(restart, "Interval", "PT1M")
        element(restart, "Count", "5")
        element(settings, "Enabled", "true")
        run = element(element(task, "Actions", Context="Author"), "Exec")
        element(run, "Command", subprocess.list2cmdline([str(windowless(service.program))]))
        element(run, "Arguments", subprocess.list2cmdline(service.arguments))
        ET.indent(task)
        return '<?xml version="1.0" encoding="UTF-16"?>\n' + ET.tostring(task, encoding="unicode") + "\n"

    def install_commands(self, path: Path) -> list[Command]:
        return [
            Command(["schtasks", "/Create", "/TN", TASK, "/XML", str(path), "/F"]),
            Command(["schtasks", "/Run", "/TN", TASK]),  # now, not only at the next logon
        ]

    def uninstall_commands(self, path: Path) -> list[Command]:
        return [
            Command(["schtasks", "/End", "/TN", TASK], may_fail=True),
            Command(["schtasks", "/Delete", "/TN", TASK, "/F"]),
        ]

    def command_line(self, argv: list[str]) -> str:
        return subprocess.list2cmdline(argv)

    def unavailable(self) -> str | None:
        return not_here("win32", "Windows", "schtasks")

    def state(self) -> str:
        return "schtasks: " + output_of(["schtasks", "/Query", "/TN", TASK, "/FO", "CSV", "/NH"])  # "\\tidyclip","N/A","Running"
