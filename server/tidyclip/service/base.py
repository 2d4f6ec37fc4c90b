"""What every init system's service shares: the file written from the one description of the
service, the commands that make the init system take it up, and `--dry-run`, which only says both."""

import os
import shlex
import shutil
import subprocess
import sys
from abc import ABC, abstractmethod
from pathlib import Path
from typing import NamedTuple

from tidyclip.errors import TidyclipError
from tidyclip.service.spec import Service


class Command(NamedTuple):
    argv: list[str]
    #: True for a step that fails when there is nothing to undo (stopping what is not running).
    may_fail: bool = False


class InitSystem(ABC):
    #: What the user reads: "systemd user unit".
    kind: str
    #: How the file is encoded (Task Scheduler reads its XML as UTF-16).
    encoding = "utf-8"

    @abstractmethod
    def file_path(self) -> Path:
        """Where the service's file goes."""

    @abstractmethod
    def render(self, service: Service) -> str:
        """The service's file."""

    @abstractmethod
    def install_commands(self, path: Path) -> list[Command]:
        """What makes the init system take up the file at `path` and start the service now."""

    @abstractmethod
    def uninstall_commands(self, path: Path) -> list[Command]:
        """What stops the service and makes the init system forget it (before the file is removed)."""

    @abstractmethod
    def unavailable(self) -> str | None:
        """Why this init system cannot run services here (not this OS, no user session), or None."""

    @abstractmethod
    def state(self) -> str:
        """What the init system says of the installed service ("enabled, active")."""

    def notes(self) -> list[str]:
        """What the user should know once it is installed."""
        return []

    def install(self, service: Service, *, dry_run: bool) -> None:
        path = self.file_path()
        content = self.render(service)
        commands = self.install_commands(path)
        if dry_run:
            print(f"would write {path}:\n{content}")
            self.show_commands(commands)
            self.show_notes()
            return
        self.require()
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_bytes(content.encode(self.encoding))
        os.replace(partial, path)
        run(commands)
        print(f"installed the {self.kind} {path}: tidyclip runs now and whenever you log in")
        print(f"pair the browser extension at {service.url}/connect")
        self.show_notes()

    def uninstall(self, *, dry_run: bool) -> None:
        path = self.file_path()
        commands = self.uninstall_commands(path)
        if dry_run:
            self.show_commands(commands)
            print(f"would remove {path}")
            return
        self.require()
        if not path.exists():
            print(f"no tidyclip service to uninstall ({path} does not exist)")
            return
        run(commands)
        path.unlink()
        print(f"uninstalled the {self.kind} {path}: tidyclip no longer starts when you log in")

    def describe_installed(self) -> str:
        """One line on the installed service, for `service status`."""
        self.require()
        path = self.file_path()
        if not path.exists():
            return "service: not installed (`tidyclip service install` starts tidyclip whenever you log in)"
        return f"service: {self.kind} {path} ({self.state()})"

    def command_line(self, argv: list[str]) -> str:
        """`argv` as the user would type it in this system's shell."""
        return shlex.join(argv)

    def show_commands(self, commands: list[Command]) -> None:
        for command in commands:
            print(f"would run: {self.command_line(command.argv)}")

    def show_notes(self) -> None:
        for note in self.notes():
            print(note)

    def require(self) -> None:
        why = self.unavailable()
        if why:
            raise TidyclipError(why)


def run(commands: list[Command]) -> None:
    for command in commands:
        done = subprocess.run(command.argv, capture_output=True, text=True, check=False)
        if done.returncode != 0 and not command.may_fail:
            said = (done.stderr or done.stdout).strip().splitlines()
            raise TidyclipError(f"{shlex.join(command.argv)} failed: {said[0] if said else f'exit status {done.returncode}'}")


def output_of(argv: list[str]) -> str:
    """What a query command prints (its first line), whatever its exit status says."""
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0] if lines else f"exit status {done.returncode}"


def not_here(platform: str, system: str, tool: str) -> str | None:
    """Why `tool`, the init system of `system` (sys.platform `platform`), cannot run here, or None."""
    if sys.platform != platform:
        return f"no {tool} here: this is not {system} (`--dry-run` shows what would be written on {system})"
    return None if shutil.which(tool) else f"no {tool} on PATH: tidyclip cannot install a service here"
