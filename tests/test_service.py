"""`tidyclip service`: the systemd unit, launchd agent and Windows task it writes, and what it runs.

`--dry-run` shows each platform's file on any machine, so all three are checked here: systemd's
own `systemd-analyze verify` reads the unit, plistlib the agent, ElementTree the task. This
container has no systemd user session, so a real install is not possible: the install and
uninstall steps run against a `systemctl` on PATH that records what it is asked (a stand-in for
the OS's init system only; tidyclip's own code runs as it is).
"""

import os
import plistlib
import shutil
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import free_port
from tidyclip.service.spec import Service
from tidyclip.service.systemd import SystemdUserUnit, quote
from tidyclip.service.windows import WindowsLogonTask

TASK_NS = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}


def tidyclip(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tidyclip", *args], capture_output=True, text=True, timeout=60, env=env)


@pytest.fixture
def home(tmp_path) -> dict[str, str]:
    """An environment whose home, config and app-data folders are empty temp folders."""
    env = dict(os.environ)
    env.update(HOME=str(tmp_path / "home"), XDG_CONFIG_HOME=str(tmp_path / "config"),
               LOCALAPPDATA=str(tmp_path / "appdata"))
    env.pop("TIDYCLIP_DATA_DIR", None)
    return env


def dry_run(platform: str, data_dir: Path, env: dict[str, str]) -> tuple[Path, str, list[str]]:
    """(where, what, the commands) that `service install --dry-run` says it would write and run."""
    said = tidyclip("service", "install", "--dry-run", "--platform", platform, "--port", "7400",
                    "--data-dir", str(data_dir), env=env)
    assert said.returncode == 0, said.stderr
    head, rest = said.stdout.split("\n", 1)
    assert head.startswith("would write ") and head.endswith(":")
    content, commands = rest.split("\nwould run: ", 1)
    return Path(head.removeprefix("would write ").removesuffix(":")), content, ("would run: " + commands).splitlines()


def served_arguments(data_dir: Path) -> list[str]:
    return ["-P", "-m", "tidyclip", "serve", "--host", "127.0.0.1", "--port", "7400", "--data-dir", str(data_dir)]


def test_systemd_unit_restarts_on_failure_and_quotes_a_data_dir_with_spaces(home, tmp_path):
    data_dir = tmp_path / "my clips"
    path, unit, commands = dry_run("linux", data_dir, home)
    assert path == tmp_path / "config" / "systemd" / "user" / "tidyclip.service"
    assert not path.exists()  # a dry run writes nothing
    lines = unit.splitlines()
    assert f'ExecStart={sys.executable} -P -m tidyclip serve --host 127.0.0.1 --port 7400 --data-dir "{data_dir}"' in lines
    assert {"Restart=on-failure", "WantedBy=default.target"} <= set(lines)
    assert commands[:3] == ["would run: systemctl --user daemon-reload", "would run: systemctl --user enable tidyclip.service",
                            "would run: systemctl --user restart tidyclip.service"]
    assert any("loginctl enable-linger" in line for line in commands[3:])


def test_systemd_quoting_doubles_specifiers_and_variables_and_escapes_quotes():
    # systemd.syntax(7) "Quoting", systemd.unit(5) "Specifiers", systemd.service(5) "Command lines".
    assert quote("/home/ann/clips") == "/home/ann/clips"
    assert quote("/home/ann/my clips") == '"/home/ann/my clips"'
    assert quote('/a "b"\\c') == '"/a \\"b\\"\\\\c"'
    assert quote("100% $HOME") == '"100%% $$HOME"'
    assert quote("50%") == "50%%"
    assert quote(";") == '";"' and quote("") == '""'
    assert quote("line\nbreak") == '"line\\x0abreak"'


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed (Debian package systemd)")
def test_systemd_analyze_verify_accepts_the_unit(tmp_path):
    # The program too has a space in its path: verify checks that the first word is an executable file.
    program = tmp_path / "py dir" / "python3"
    program.parent.mkdir()
    program.symlink_to(sys.executable)
    unit = SystemdUserUnit().render(Service(program=program, data_dir=tmp_path / 'my "clips" 100% $HOME', port=7400))
    (tmp_path / "tidyclip.service").write_text(unit)
    verified = subprocess.run(["systemd-analyze", "verify", str(tmp_path / "tidyclip.service")],
                              capture_output=True, text=True, timeout=60)
    assert verified.returncode == 0, verified.stderr

    # ...and it is strict enough to fail: a program that is not there is refused.
    (tmp_path / "tidyclip.service").write_text(unit.replace("py dir", "no dir"))
    refused = subprocess.run(["systemd-analyze", "verify", str(tmp_path / "tidyclip.service")],
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0 and "no dir" in refused.stderr


def test_launchd_agent_runs_at_load_and_is_kept_alive_after_a_failure(home, tmp_path):
    data_dir = tmp_path / "my clips"
    path, plist, commands = dry_run("macos", data_dir, home)
    assert path == tmp_path / "home" / "Library" / "LaunchAgents" / "local.tidyclip.server.plist"
    agent = plistlib.loads(plist.encode())
    assert agent["Label"] == "local.tidyclip.server"
    assert agent["ProgramArguments"] == [sys.executable, *served_arguments(data_dir)]  # a list: no quoting at all
    assert agent["RunAtLoad"] is True and agent["KeepAlive"] == {"SuccessfulExit": False}
    assert agent["StandardErrorPath"] == str(tmp_path / "home" / "Library" / "Logs" / "tidyclip.log")
    assert commands[-1] == f"would run: launchctl bootstrap gui/{os.getuid()} {path}"


def test_windows_task_starts_at_logon_without_a_time_limit_and_restarts(home, tmp_path):
    data_dir = tmp_path / "my clips"
    path, xml, commands = dry_run("windows", data_dir, home)
    assert path == tmp_path / "appdata" / "tidyclip" / "tidyclip-task.xml"
    task = ET.fromstring(xml.encode("utf-16"))  # as written: Task Scheduler reads UTF-16
    assert task.find("t:Triggers/t:LogonTrigger/t:Enabled", TASK_NS).text == "true"
    assert task.find("t:Settings/t:ExecutionTimeLimit", TASK_NS).text == "PT0S"  # the default stops it after 3 days
    assert task.find("t:Settings/t:RestartOnFailure/t:Count", TASK_NS) is not None
    run = task.find("t:Actions/t:Exec", TASK_NS)
    assert run.find("t:Command", TASK_NS).text == sys.executable
    assert run.find("t:Arguments", TASK_NS).text == " ".join(served_arguments(data_dir)[:-1]) + f' "{data_dir}"'
    assert commands[0] == f"would run: schtasks /Create /TN tidyclip /XML {path} /F"


def test_install_where_there_is_no_such_init_system_says_so_in_one_line(home, tmp_path):
    for platform in ("windows", "macos"):
        said = tidyclip("service", "install", "--platform", platform, env=home)
        assert said.returncode == 1 and said.stdout == ""
        assert said.stderr.count("\n") == 1 and said.stderr.startswith("tidyclip: no "), said.stderr
    assert not (tmp_path / "appdata").exists() and not (tmp_path / "home").exists()


@pytest.mark.skipif(subprocess.run(["systemctl", "--user", "show-environment"], capture_output=True).returncode == 0
                    if shutil.which("systemctl") else False,
                    reason="this machine has a systemd user session: the test would install a real service")
def test_install_without_a_systemd_user_session_says_so_and_writes_nothing(home, tmp_path):
    said = tidyclip("service", "install", "--platform", "linux", env=home)
    assert said.returncode == 1 and said.stdout == ""
    assert said.stderr.count("\n") == 1 and said.stderr.startswith("tidyclip: no systemd"), said.stderr
    assert not (tmp_path / "config").exists()


@pytest.fixture
def systemctl(home, tmp_path) -> Path:
    """A `systemctl` first on PATH that records its arguments, one call a line, says "enabled" and
    "active", and fails the command named by $FAIL_ON."""
    calls = tmp_path / "systemctl-calls"
    fake = tmp_path / "bin" / "systemctl"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\necho "$@" >> "{calls}"\n'
                    'if [ "$2" = "$FAIL_ON" ]; then echo "Failed to $2 unit: Unit tidyclip.service is masked." >&2; exit 1; fi\n'
                    'case "$2" in is-enabled) echo enabled;; is-active) echo active;; esac\n')
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    home["PATH"] = f"{fake.parent}{os.pathsep}{home['PATH']}"
    return calls


def test_install_status_uninstall_through_systemctl(home, tmp_path, systemctl):
    unit = tmp_path / "config" / "systemd" / "user" / "tidyclip.service"
    data_dir = tmp_path / "my clips"
    said = tidyclip("service", "install", "--platform", "linux", "--port", "7400", "--data-dir", str(data_dir), env=home)
    assert said.returncode == 0, said.stderr
    assert unit.read_text() == dry_run("linux", data_dir, home)[1]  # what the dry run showed is what is written
    assert "pair the browser extension at http://127.0.0.1:7400/connect" in said.stdout
    assert systemctl.read_text().splitlines() == [
        "--user show-environment", "--user daemon-reload", "--user enable tidyclip.service", "--user restart tidyclip.service"]

    status = tidyclip("service", "status", "--platform", "linux", "--port", str(free_port()), env=home)
    assert status.returncode == 1  # installed, but nothing answers on that port
    assert status.stdout.splitlines()[1] == f"service: systemd user unit {unit} (enabled, active; its log: journalctl --user -u tidyclip.service)"

    systemctl.unlink()
    said = tidyclip("service", "uninstall", "--platform", "linux", env=home)
    assert said.returncode == 0 and not unit.exists()
    assert systemctl.read_text().splitlines() == ["--user show-environment", "--user disable --now tidyclip.service"]


def test_a_failing_systemctl_is_one_line_and_exit_status_1(home, tmp_path, systemctl):
    home["FAIL_ON"] = "enable"
    said = tidyclip("service", "install", "--platform", "linux", env=home)
    assert said.returncode == 1 and said.stderr == (
        "tidyclip: systemctl --user enable tidyclip.service failed: Failed to enable unit: Unit tidyclip.service is masked.\n")
    assert "restart" not in systemctl.read_text()  # the steps after it are not tried


def test_options_that_mean_nothing_or_are_wrong_are_refused_in_one_line(home):
    for args in (["status", "--data-dir", "/tmp/x"], ["install", "--dry-run", "--port", "70000"]):
        said = tidyclip("service", *args, env=home)
        assert said.returncode == 1 and said.stdout == "" and said.stderr.count("\n") == 1, said.stderr


def test_the_service_uses_the_data_dir_the_other_commands_use(home, tmp_path):
    home["TIDYCLIP_DATA_DIR"] = str(tmp_path / "from the environment")
    said = tidyclip("service", "install", "--dry-run", "--platform", "macos", env=home)
    agent = plistlib.loads(said.stdout.split(":\n", 1)[1].split("\nwould run: ")[0].encode())
    assert agent["ProgramArguments"][-2:] == ["--data-dir", str(tmp_path / "from the environment")]


def test_the_windows_task_runs_pythonw_so_no_console_window_opens(tmp_path):
    for name in ("python.exe", "pythonw.exe"):
        (tmp_path / name).touch()
    task = WindowsLogonTask().render(Service(program=tmp_path / "python.exe", data_dir=tmp_path / "clips", port=7373))
    command = ET.fromstring(task.encode("utf-16")).find("t:Actions/t:Exec/t:Command", TASK_NS).text
    assert command == str(tmp_path / "pythonw.exe")
