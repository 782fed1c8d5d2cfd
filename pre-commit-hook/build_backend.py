"""A PEP 517 build backend for this hook repository, standard library only: the wheel holds no
code, only metadata whose Requires-Dist pins the zscan wheel (pyproject.toml's `[project]` name,
version, description and dependencies, read line by line, so any Python 3 that pre-commit runs on
can build it without tomllib or setuptools)."""

import base64
import hashlib
import io
import re
import tarfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = ["pyproject.toml", "build_backend.py", ".pre-commit-hooks.yaml", "README.md"]


def _project():
    text = (HERE / "pyproject.toml").read_text()
    table = text.split("[project]", 1)[1].split("\n[", 1)[0]

    def value(key):
        match = re.search(rf'^{key} = "(.*)"$', table, re.M)
        return match.group(1) if match else None

    pins = re.search(r"^dependencies = \[(.*)\]$", table, re.M)
    return {
        "name": value("name"),
        "version": value("version"),
        "description": value("description"),
        "license": value("license"),
        "dependencies": re.findall(r'"([^"]+)"', pins.group(1)) if pins else [],
    }


def _metadata(project):
    lines = [
        "Metadata-Version: 2.4",
        f"Name: {project['name']}",
        f"Version: {project['version']}",
        f"Summary: {project['description']}",
        f"License-Expression: {project['license']}",
    ]
    lines += [f"Requires-Dist: {pin}" for pin in project["dependencies"]]
    return ("\n".join(lines) + "\n").encode()


def _base_name(project):
    return f"{project['name'].replace('-', '_')}-{project['version']}"


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    project = _project()
    base = _base_name(project)
    files = {
        f"{base}.dist-info/METADATA": _metadata(project),
        f"{base}.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: zscan-pre-commit build_backend\n"
        b"Root-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(
        f"{name},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},{len(data)}\n"
        for name, data in files.items()
    )
    files[f"{base}.dist-info/RECORD"] = (record + f"{base}.dist-info/RECORD,,\n").encode()
    name = f"{base}-py3-none-any.whl"
    with zipfile.ZipFile(Path(wheel_directory) / name, "w", zipfile.ZIP_DEFLATED) as wheel:
        for path, data in files.items():
            wheel.writestr(zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0)), data)
    return name


def build_sdist(sdist_directory, config_settings=None):
    project = _project()
    base = _base_name(project)
    name = f"{base}.tar.gz"
    with tarfile.open(Path(sdist_directory) / name, "w:gz") as sdist:
        entries = [(f"{base}/PKG-INFO", _metadata(project))]
        entries += [(f"{base}/{file}", (HERE / file).read_bytes()) for file in FILES if (HERE / file).exists()]
        for path, data in entries:
            info = tarfile.TarInfo(path)
            info.size, info.mode = len(data), 0o644
            sdist.addfile(info, io.BytesIO(data))
    return name
