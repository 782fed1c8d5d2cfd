#!/usr/bin/env python3
"""Writes and checks zscan's release artifacts (scripts/package runs it; the standard library only).

  pack.py pack --binary FILE --version V --arch ARCH --epoch SECONDS --url URL --out DIR
      writes DIR/zscan-V-linux-ARCH.tar.gz and DIR/zscan-V-py3-none-TAGS.whl from a stripped
      static binary, byte for byte the same on every run with the same inputs: sorted entries,
      fixed modes (0755 the binary, 0644 the rest), every timestamp SECONDS, owner root:root with
      empty names, a gzip header without a name and with mtime 0.
  pack.py verify --version V --arch ARCH DIR
      reads both artifacts back as an installer would and checks them (see verify_wheel and
      verify_tarball); exits 1 naming every problem.

The wheel follows the binary distribution format (packaging.python.org, "Binary distribution
format"): the binary is zscan-V.data/scripts/zscan, which pip installs into the environment's bin/
as it is (no `#!python` line, so no rewriting), executable. Its platform tags are in PLATFORM_TAGS.
"""

import argparse
import base64
import csv
import gzip
import hashlib
import io
import re
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

NAME = "zscan"
SUMMARY = (
    "Finds what processes left behind (zombies, orphaned dev servers, ports held by dead "
    "processes, hangs) and cleans up safely. One static Linux binary."
)
CLASSIFIERS = [
    "Development Status :: 3 - Alpha",
    "Environment :: Console",
    "Intended Audience :: Developers",
    "Operating System :: POSIX :: Linux",
    "Topic :: Software Development :: Testing",
    "Topic :: System :: Monitoring",
]
# A fully static binary takes nothing from the host's libc, so one wheel serves glibc and musl
# hosts. manylinux2014 (= manylinux_2_17, CentOS 7, kernel 3.10) is the oldest glibc tag whose
# hosts run a kernel >= 3.2, the minimum the binary's static glibc states in its ELF ABI note;
# musllinux_1_1 is the oldest musl tag. docs/distribution.md has the reasoning and the checks.
PLATFORM_TAGS = ["manylinux_2_17_{arch}", "manylinux2014_{arch}", "musllinux_1_1_{arch}"]
# PEP 440 public versions in normalized form only, so that the wheel's name, its METADATA and
# `zscan version` are the same string (a local "+..." part is refused too: PyPI refuses it).
VERSION = re.compile(
    r"(?:[1-9][0-9]*!)?(?:0|[1-9][0-9]*)(?:\.(?:0|[1-9][0-9]*))*"
    r"(?:(?:a|b|rc)(?:0|[1-9][0-9]*))?(?:\.post(?:0|[1-9][0-9]*))?(?:\.dev(?:0|[1-9][0-9]*))?"
)
ZIP_EPOCH = 315532800  # 1980-01-01T00:00:00Z, the earliest time a zip entry can hold
HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent


def wheel_name(version, arch):
    tags = ".".join(tag.format(arch=arch) for tag in PLATFORM_TAGS)
    return f"{NAME}-{version}-py3-none-{tags}.whl"


def tarball_name(version, arch):
    return f"{NAME}-{version}-linux-{arch}.tar.gz"


def record_hash(data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode()


def readme(binary, version, arch, url):
    """The short README both artifacts carry: what zscan is, how to install and use it, the link.
    The usage lines are the EXAMPLES of the binary's own --help, so they cannot drift."""
    help_text = subprocess.run([binary, "--help"], check=True, capture_output=True, text=True).stdout
    examples = help_text.split("EXAMPLES:\n", 1)
    if len(examples) != 2:
        sys.exit("pack.py: `zscan --help` has no EXAMPLES section")
    lines = [line[2:] if line.startswith("  ") else line for line in examples[1].rstrip().splitlines()]
    text = (HERE / "README.md.in").read_text()
    for key, value in {"VERSION": version, "ARCH": arch, "URL": url, "EXAMPLES": "\n".join(lines)}.items():
        text = text.replace(f"@{key}@", value)
    return text.encode()


def metadata(version, url, description):
    fields = [
        ("Metadata-Version", "2.4"),
        ("Name", NAME),
        ("Version", version),
        ("Summary", SUMMARY),
        ("Keywords", "zombie,orphan,process,port,ci,pre-commit"),
        ("License-Expression", "MIT"),
        ("License-File", "LICENSE"),
        *[("Classifier", c) for c in CLASSIFIERS],
        ("Project-URL", f"Homepage, {url}"),
        ("Project-URL", f"Issues, {url}/issues"),
        ("Description-Content-Type", "text/markdown"),
    ]
    head = "".join(f"{key}: {value}\n" for key, value in fields)
    return (head + "\n").encode() + description


def wheel_file(arch):
    tags = "".join(f"Tag: py3-none-{tag.format(arch=arch)}\n" for tag in PLATFORM_TAGS)
    return f"Wheel-Version: 1.0\nGenerator: zscan scripts/package\nRoot-Is-Purelib: false\n{tags}".encode()


def zip_entry(name, data, mode, epoch, zf):
    info = zipfile.ZipInfo(name, date_time=time.gmtime(max(epoch, ZIP_EPOCH))[:6])
    info.create_system = 3  # Unix, so that external_attr carries the mode
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data, compresslevel=9)


def write_wheel(path, files, version, epoch):
    """files: {archive name: (bytes, mode)}. Entries sorted, the dist-info last and RECORD at its
    end, as installers expect."""
    record_name = f"{NAME}-{version}.dist-info/RECORD"
    rows = [[name, record_hash(data), str(len(data))] for name, (data, _) in sorted(files.items())]
    rows.append([record_name, "", ""])
    record = io.StringIO()
    csv.writer(record, lineterminator="\n").writerows(rows)
    entries = sorted(files.items()) + [(record_name, (record.getvalue().encode(), 0o644))]
    with zipfile.ZipFile(path, "w") as zf:
        for name, (data, mode) in entries:
            zip_entry(name, data, mode, epoch, zf)


def write_tarball(path, top, files, epoch):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        members = [(top + "/", None, 0o755)] + [(f"{top}/{n}", d, m) for n, (d, m) in sorted(files.items())]
        for name, data, mode in members:
            info = tarfile.TarInfo(name.rstrip("/"))
            info.type = tarfile.DIRTYPE if data is None else tarfile.REGTYPE
            info.size = 0 if data is None else len(data)
            info.mode, info.mtime = mode, epoch
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tf.addfile(info, None if data is None else io.BytesIO(data))
    with open(path, "wb") as out, gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=9) as gz:
        gz.write(raw.getvalue())


def pack(args):
    if not VERSION.fullmatch(args.version):
        sys.exit(f"pack.py: '{args.version}' is not a normalized PEP 440 version (e.g. 1.2.0, 1.2.0rc1)")
    binary = Path(args.binary).read_bytes()
    license_text = (REPO / "LICENSE").read_bytes()
    description = readme(args.binary, args.version, args.arch, args.url)
    out = Path(args.out)
    top = f"{NAME}-{args.version}-linux-{args.arch}"
    write_tarball(
        out / tarball_name(args.version, args.arch),
        top,
        {NAME: (binary, 0o755), "LICENSE": (license_text, 0o644), "README.md": (description, 0o644)},
        args.epoch,
    )
    info = f"{NAME}-{args.version}.dist-info"
    write_wheel(
        out / wheel_name(args.version, args.arch),
        {
            f"{NAME}-{args.version}.data/scripts/{NAME}": (binary, 0o755),
            f"{info}/METADATA": (metadata(args.version, args.url, description), 0o644),
            f"{info}/WHEEL": (wheel_file(args.arch), 0o644),
            f"{info}/licenses/LICENSE": (license_text, 0o644),
        },
        args.version,
        args.epoch,
    )


def verify_wheel(path, version, arch):
    """The wheel's name, WHEEL and METADATA agree with VERSION and the tags; RECORD lists every
    other file exactly once with its true sha256 and size, and itself without a hash; the binary is
    the only script and is executable; no entry escapes the archive."""
    problems = []
    info = f"{NAME}-{version}.dist-info"
    script = f"{NAME}-{version}.data/scripts/{NAME}"
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        if len(set(names)) != len(names):
            problems.append("duplicate entries")
        for name in names:
            if name.startswith("/") or ".." in name.split("/"):
                problems.append(f"unsafe entry name {name}")
        expected = {script, f"{info}/METADATA", f"{info}/WHEEL", f"{info}/RECORD", f"{info}/licenses/LICENSE"}
        if set(names) != expected:
            problems.append(f"entries {sorted(names)}, expected {sorted(expected)}")
        rows = list(csv.reader(io.StringIO(zf.read(f"{info}/RECORD").decode())))
        recorded = {row[0]: row[1:] for row in rows}
        if len(recorded) != len(rows):
            problems.append("RECORD names a file twice")
        for name in names:
            if name == f"{info}/RECORD":
                if recorded.get(name) != ["", ""]:
                    problems.append("RECORD must list itself without hash and size")
            elif name not in recorded:
                problems.append(f"RECORD does not list {name}")
            elif recorded[name] != [record_hash(zf.read(name)), str(zf.getinfo(name).file_size)]:
                problems.append(f"RECORD's hash or size of {name} is wrong")
        for name in set(recorded) - set(names):
            problems.append(f"RECORD lists {name}, which is not in the wheel")
        if script in names and (zf.getinfo(script).external_attr >> 16) & 0o777 != 0o755:
            problems.append(f"{script} is not mode 0755")
        wheel = zf.read(f"{info}/WHEEL").decode()
        meta = zf.read(f"{info}/METADATA").decode()
    if Path(path).name != wheel_name(version, arch):
        problems.append(f"file name {Path(path).name}, expected {wheel_name(version, arch)}")
    tags = sorted(line[5:] for line in wheel.splitlines() if line.startswith("Tag: "))
    if tags != sorted(f"py3-none-{tag.format(arch=arch)}" for tag in PLATFORM_TAGS):
        problems.append(f"WHEEL tags {tags}")
    if "Root-Is-Purelib: false\n" not in wheel:
        problems.append("WHEEL lacks Root-Is-Purelib: false")
    head = meta.split("\n\n", 1)[0].splitlines()
    for field in ("Metadata-Version: 2.4", f"Name: {NAME}", f"Version: {version}", "License-File: LICENSE"):
        if field not in head:
            problems.append(f"METADATA lacks '{field}'")
    return problems


def verify_tarball(path, version, arch):
    """One top directory zscan-V-linux-ARCH holding zscan (0755), LICENSE and README.md (0644),
    all owned by 0:0 without names, at one mtime; the gzip header names no file and has mtime 0."""
    problems = []
    top = f"{NAME}-{version}-linux-{arch}"
    header = Path(path).read_bytes()[:10]
    if header[3] & 0x08 or header[4:8] != b"\0\0\0\0":
        problems.append("the gzip header carries a file name or an mtime")
    with tarfile.open(path) as tf:
        members = tf.getmembers()
    names = [m.name for m in members]
    if names != [top, f"{top}/LICENSE", f"{top}/README.md", f"{top}/{NAME}"]:
        problems.append(f"members {names}")
    for m in members:
        mode = 0o755 if m.isdir() or m.name.endswith(f"/{NAME}") else 0o644
        if (m.mode, m.uid, m.gid, m.uname, m.gname) != (mode, 0, 0, "", ""):
            problems.append(f"{m.name}: mode {m.mode:o} owner {m.uid}:{m.gid} '{m.uname}':'{m.gname}'")
    if len({m.mtime for m in members}) != 1:
        problems.append("members have different mtimes")
    return problems


def verify(args):
    checks = [(wheel_name, verify_wheel), (tarball_name, verify_tarball)]
    problems = []
    for name, check in checks:
        artifact = name(args.version, args.arch)
        problems += [f"{artifact}: {p}" for p in check(Path(args.dir) / artifact, args.version, args.arch)]
    for problem in problems:
        print(f"pack.py: {problem}", file=sys.stderr)
    sys.exit(1 if problems else 0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("pack")
    p.add_argument("--binary", required=True)
    p.add_argument("--version", required=True)
    p.add_argument("--arch", required=True)
    p.add_argument("--epoch", required=True, type=int)
    p.add_argument("--url", required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(run=pack)
    v = commands.add_parser("verify")
    v.add_argument("--version", required=True)
    v.add_argument("--arch", required=True)
    v.add_argument("dir")
    v.set_defaults(run=verify)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
