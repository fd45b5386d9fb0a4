"""The built distributions, made once per test session (`uv build`: about 2 s)."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Built:
    wheel: Path
    sdist: Path

    def wheel_names(self) -> list[str]:
        with zipfile.ZipFile(self.wheel) as archive:
            return archive.namelist()


def _uv() -> str:
    try:
        from uv import find_uv_bin
    except ImportError:
        found = shutil.which("uv")
        if found is None:
            pytest.skip("uv is not installed (the `test` dependency group has it)")
        return found
    return str(find_uv_bin())


@pytest.fixture(scope="session")
def uv() -> str:
    return _uv()


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, uv: str) -> Built:
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [uv, "build", "--quiet", "--out-dir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 and "hatchling" in done.stderr and "network" in done.stderr.lower():
        pytest.skip(f"cannot fetch the build backend: {done.stderr.strip()[-300:]}")
    assert done.returncode == 0, done.stderr
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    return Built(wheel=wheel, sdist=sdist)
