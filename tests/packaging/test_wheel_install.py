"""The wheel alone, per extra, in fresh venvs: every module it ships imports where it should.

Slow (marked `slow`; about 10-20 s, mostly installs from uv's cache): it runs in the default
`nox -s tests` and in `nox -s lowest/highest`; `-m "not slow"` leaves it out. Each venv gets the
wheel and what its metadata declares, nothing from this checkout, and imports are run from a
temporary folder so the source tree is not on `sys.path`. A module that fails must fail only
for lack of a module the install did not ask for (ImportError), never another error.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.packaging.conftest import Built

pytestmark = pytest.mark.slow

PROBE = """
import importlib, json, sys
result = {}
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
    except ImportError as exc:  # ModuleNotFoundError, or a module's own "install X" hint
        result[name] = "missing " + str(exc.name or exc)
    except Exception as exc:
        result[name] = "broken " + type(exc).__name__ + ": " + str(exc)
    else:
        result[name] = "ok"
print(json.dumps(result))
"""


def shipped_modules(names: list[str]) -> list[str]:
    modules = []
    for name in names:
        if not name.endswith(".py") or ".dist-info/" in name:
            continue
        parts = name.removesuffix(".py").split("/")
        if parts[-1] == "__main__":
            continue  # runs the command on import
        modules.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return sorted(modules)


def _expected(module: str, extra: str) -> bool:
    """Whether `module` must import with `extra` installed (the base install is "")."""
    if extra == "testing":
        return True
    if extra == "video":
        return not module.startswith("minimax_s2v.testing.")
    return module.startswith("minimax_s2v_client") or module == "minimax_s2v"


def _venv(uv: str, where: Path, requirement: str) -> Path:
    python = where / "bin" / "python"
    # This interpreter, by path: uv would try to download a version it does not find.
    subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(where)], check=True)
    done = subprocess.run(
        [uv, "pip", "install", "--quiet", "--python", str(python), requirement],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 and "network" in done.stderr.lower():
        pytest.skip(f"cannot install from the index: {done.stderr.strip()[-300:]}")
    assert done.returncode == 0, done.stderr
    return python


@pytest.mark.parametrize("extra", ["", "video", "testing"])
def test_every_shipped_module_imports_with_its_extra(
    built: Built, uv: str, tmp_path: Path, extra: str
) -> None:
    requirement = f"{built.wheel}[{extra}]" if extra else str(built.wheel)
    python = _venv(uv, tmp_path / "venv", requirement)
    modules = shipped_modules(built.wheel_names())
    assert "minimax_s2v.testing.plugin" in modules
    assert "minimax_s2v_client.client" in modules
    done = subprocess.run(
        [str(python), "-c", PROBE, *modules],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    result: dict[str, str] = json.loads(done.stdout)
    broken = {m: r for m, r in result.items() if r.startswith("broken")}
    assert broken == {}
    missing = {m: r for m, r in result.items() if r != "ok" and _expected(m, extra)}
    assert missing == {}, f"with [{extra}] these must import: {missing}"


def test_the_wheel_installs_next_to_minimax_client(built: Built, uv: str, tmp_path: Path) -> None:
    """0.1's collision: both distributions installed, and each package is its own."""
    python = _venv(uv, tmp_path / "venv", str(built.wheel))
    subprocess.run(
        [uv, "pip", "install", "--quiet", "--python", str(python), "minimax-client==0.6.2"],
        check=True,
    )
    script = (
        "import minimax_client, minimax_s2v, minimax_s2v_client; "
        "from minimax_s2v_client import AuthenticatedClient; "
        "print(minimax_s2v.__version__, 'minimax_client' in minimax_client.__file__)"
    )
    done = subprocess.run(
        [str(python), "-c", script], capture_output=True, text=True, check=False, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [built.wheel.name.split("-")[1], "True"]


def test_license_is_in_the_wheel_and_the_sdist(built: Built) -> None:
    import tarfile

    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in built.wheel_names())
    with tarfile.open(built.sdist) as sdist:
        names = sdist.getnames()
    top = names[0].split("/")[0]
    assert {f"{top}/LICENSE", f"{top}/CHANGELOG.md", f"{top}/schemathesis.toml"} <= set(names)
