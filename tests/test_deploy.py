"""The deployment guide's systemd units are valid: `systemd-analyze verify` reads each one
(with ExecStart pointing at this checkout's tutorbot), and says nothing."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

UNITS = sorted((Path(__file__).parent.parent / "deploy" / "systemd").glob("*.service"))
INSTALLED = "/opt/tutorbot/.venv/bin/tutorbot"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze is not on this machine (Debian: systemd)")
@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_each_systemd_unit_verifies(unit: Path, tmp_path: Path) -> None:
    here = Path(sys.executable).parent / "tutorbot"
    text = unit.read_text(encoding="utf-8")
    assert INSTALLED in text  # the path the guide installs to
    checked = tmp_path / unit.name.replace("@.", "@1.")  # a template: one instance of it
    checked.write_text(text.replace(INSTALLED, str(here)), encoding="utf-8")
    done = subprocess.run(["systemd-analyze", "verify", str(checked)], capture_output=True,
                          text=True, timeout=60)
    complaints = [line for line in done.stderr.splitlines() if checked.name in line
                  or "Unknown" in line or "not executable" in line]
    assert done.returncode == 0 and not complaints, done.stderr


def test_there_are_units_for_the_bots_more_workers_and_the_dashboard() -> None:
    assert {u.name for u in UNITS} == {"tutorbot.service", "tutorbot-worker@.service",
                                       "tutorbot-web.service"}
