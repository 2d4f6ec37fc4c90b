"""The one description of the service that every init system's file is written from."""

import sys
from dataclasses import dataclass
from pathlib import Path

from tidyclip.config import DEFAULT_HOST
from tidyclip.errors import BadInput
from tidyclip.service.running import server_url


@dataclass(frozen=True)
class Service:
    """The server as an init system starts it: `program arguments...`."""

    program: Path
    data_dir: Path
    port: int
    host: str = DEFAULT_HOST

    @property
    def arguments(self) -> list[str]:
        # -P: the service's working directory (the home folder) is not put on the module path,
        # so a stray tidyclip.py there cannot stand in for the installed package.
        return ["-P", "-m", "tidyclip", "serve", "--host", self.host, "--port", str(self.port),
                "--data-dir", str(self.data_dir)]

    @property
    def url(self) -> str:
        return server_url(self.host, self.port)

    @property
    def command(self) -> list[str]:
        return [str(self.program), *self.arguments]


def describe(data_dir: Path, port: int) -> Service:
    """The service that runs this tidyclip (the Python running now: a pipx venv, a checkout's .venv)
    on `data_dir` (made absolute: the service does not start where this command runs)."""
    if not 0 < port < 65536:
        raise BadInput(f"--port {port}: a port is a number from 1 to 65535")
    # Not resolved: a venv's python is a symlink to the system's, and only the venv has tidyclip.
    return Service(program=Path(sys.executable).absolute(), data_dir=Path(data_dir).absolute(), port=port)
