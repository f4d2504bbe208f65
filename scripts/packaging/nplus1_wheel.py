"""Writes the nplus1 wheel with the Python standard library alone: no setuptools, no PyPI.

The wheel holds no Python code, only the native executable as its one script
(nplus1-VERSION.data/scripts/nplus1), with the license files in its .dist-info. Both
scripts/packaging/build_wheel.py (the release) and scripts/packaging/nplus1_backend.py (the
PEP 517 backend behind the root pyproject.toml) use it.

Zip entries are written in a fixed order with fixed timestamps (SOURCE_DATE_EPOCH when set,
else 1980-01-01), so the same inputs give the same bytes.
"""
import base64
import hashlib
import os
import re
import time
import zipfile

NAME = "nplus1"
SUMMARY = "Finds N+1 queries in Django projects and writes the fixes"
CLASSIFIERS = [
    "Environment :: Console",
    "Framework :: Django",
    "Intended Audience :: Developers",
    "License :: OSI Approved :: Apache Software License",
    "Operating System :: POSIX :: Linux",
    "Programming Language :: C++",
    "Topic :: Software Development :: Quality Assurance",
]
HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))


def wheel_filename(version, platforms):
    """nplus1-VERSION-py3-none-PLAT[.PLAT...].whl: several platform tags form one compressed
    tag set (PEP 425)."""
    return "%s-%s-py3-none-%s.whl" % (NAME, version, ".".join(platforms))


def _record_hash(data):
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _date_time():
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "315532800"))
    return time.gmtime(max(epoch, 315532800))[:6]  # zip cannot hold dates before 1980


def metadata(version, readme):
    lines = ["Metadata-Version: 2.1", "Name: " + NAME, "Version: " + version,
             "Summary: " + SUMMARY, "License: Apache-2.0"]
    lines += ["Classifier: " + c for c in CLASSIFIERS]
    lines += ["Requires-Python: >=3", "Description-Content-Type: text/markdown", "", readme]
    return "\n".join(lines)


def write_wheel(outdir, binary, version, platforms, readme=None, licenses=None):
    """Writes the wheel for BINARY into OUTDIR and returns its path.

    platforms: the platform tags (e.g. ["linux_x86_64"]); readme: the long description
    (default scripts/packaging/wheel/README.md); licenses: {name in .dist-info: path}
    (default LICENSE and scripts/packaging/copyright)."""
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)*", version):
        raise ValueError("version %r is not a plain release number" % version)
    if not platforms or not all(re.fullmatch(r"[a-z0-9_]+", p) for p in platforms):
        raise ValueError("bad platform tags %r" % (platforms,))
    with open(binary, "rb") as f:
        exe = f.read()
    if not exe.startswith(b"\x7fELF"):
        raise ValueError("%s is not an ELF executable" % binary)
    if readme is None:
        with open(os.path.join(HERE, "wheel", "README.md"), encoding="utf-8") as f:
            readme = f.read()
    if licenses is None:
        licenses = {"LICENSE": os.path.join(SOURCE, "LICENSE"),
                    "copyright": os.path.join(HERE, "copyright")}

    dist_info = "%s-%s.dist-info/" % (NAME, version)
    wheel = ["Wheel-Version: 1.0", "Generator: nplus1 (scripts/packaging/nplus1_wheel.py)",
             "Root-Is-Purelib: false"] + ["Tag: py3-none-" + p for p in platforms]
    entries = [("%s-%s.data/scripts/%s" % (NAME, version, NAME), exe, 0o755)]
    for name in sorted(licenses):
        with open(licenses[name], "rb") as f:
            entries.append((dist_info + name, f.read(), 0o644))
    entries.append((dist_info + "METADATA", metadata(version, readme).encode(), 0o644))
    entries.append((dist_info + "WHEEL", ("\n".join(wheel) + "\n").encode(), 0o644))
    record = "".join("%s,%s,%d\n" % (n, _record_hash(d), len(d)) for n, d, _ in entries)
    entries.append((dist_info + "RECORD", (record + dist_info + "RECORD,,\n").encode(), 0o644))

    os.makedirs(outdir, exist_ok=True)
    path = os.path.join(outdir, wheel_filename(version, platforms))
    tmp = path + ".part"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name, _date_time())
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    os.replace(tmp, path)
    return path
