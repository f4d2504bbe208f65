"""The PEP 517 build backend of the root pyproject.toml: `pip install .` (and so pre-commit's
`language: python` hook, and `pip wheel .`) compiles nplus1 from this source tree with CMake
and packs the executable as a wheel (nplus1_wheel.py). It needs no package from PyPI
(`requires = []`), so pip's isolated build works without an index.

What the machine must have: what scripts/bootstrap.sh installs on Debian 12 (cmake, a C++20
compiler, llvm-19-dev, nlohmann-json3-dev, doctest-dev, libtomlplusplus-dev; ninja is used
when present). The tree-sitter sources come from grammars/node_modules: when missing, the
backend runs `npm ci` in grammars/ (the pinned package-lock.json; npm's own configuration,
cache and registry).

Settings (pip: --config-settings NAME=VALUE, or the environment):
  build-dir / NPLUS1_BUILD_DIR  a CMake build directory to use and keep (incremental builds);
                                default a temporary one, removed afterwards
  static / NPLUS1_STATIC=1      link fully statically and tag the wheel manylinux_2_17
                                (what scripts/release ships); default: a wheel for this machine
                                (linux_<arch>)
"""
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import nplus1_wheel  # noqa: E402

SOURCE = nplus1_wheel.SOURCE
GRAMMAR = os.path.join("grammars", "node_modules", "tree-sitter-python", "src", "parser.c")


class BuildError(Exception):
    pass


def _log(msg):
    sys.stderr.write("nplus1 build: %s\n" % msg)
    sys.stderr.flush()


def _run(cmd, **kw):
    _log("$ " + " ".join(cmd))
    # The tools' output goes to stderr: pip shows it with -v and on failure.
    done = subprocess.run(cmd, stdout=sys.stderr, **kw)
    if done.returncode:
        raise BuildError("%s failed (exit %d)" % (cmd[0], done.returncode))


def _setting(config_settings, name, env):
    value = (config_settings or {}).get(name)
    return value if value is not None else os.environ.get(env, "")


def _grammars():
    if os.path.isfile(os.path.join(SOURCE, GRAMMAR)):
        return
    npm = shutil.which("npm")
    if not npm:
        raise BuildError("%s is missing and npm is not installed: run `npm ci` in grammars/ "
                         "(scripts/bootstrap.sh does) or install npm" % GRAMMAR)
    _run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
         cwd=os.path.join(SOURCE, "grammars"))


def _project_version(build_dir):
    with open(os.path.join(build_dir, "CMakeCache.txt"), encoding="utf-8") as f:
        m = re.search(r"^CMAKE_PROJECT_VERSION:STATIC=(.+)$", f.read(), re.M)
    if not m:
        raise BuildError("CMake reports no project version")
    return m.group(1).strip()


def _compile(build_dir, static):
    for tool in ("cmake",):
        if not shutil.which(tool):
            raise BuildError("%s is not installed (see scripts/bootstrap.sh)" % tool)
    _grammars()
    configure = ["cmake", "-S", SOURCE, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release",
                 "-DNPLUS1_STATIC=%s" % ("ON" if static else "OFF")]
    if not os.path.isfile(os.path.join(build_dir, "CMakeCache.txt")) and shutil.which("ninja"):
        configure += ["-G", "Ninja"]
    _run(configure)
    _run(["cmake", "--build", build_dir, "--target", "nplus1", "--parallel",
          str(os.cpu_count() or 2)])
    binary = os.path.join(build_dir, "analyzer", "driver", "nplus1")
    if not os.path.isfile(binary):
        raise BuildError("the build made no %s" % binary)
    return binary


def _platforms(static):
    arch = sysconfig.get_platform().split("-", 1)[-1].replace("-", "_").replace(".", "_")
    if not sysconfig.get_platform().startswith("linux-"):
        raise BuildError("nplus1 builds on Linux only (this is %s)" % sysconfig.get_platform())
    if static:
        return ["manylinux_2_17_" + arch, "manylinux2014_" + arch]
    return ["linux_" + arch]


def get_requires_for_build_wheel(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    static = _setting(config_settings, "static", "NPLUS1_STATIC") in ("1", "ON", "on", "true")
    kept = _setting(config_settings, "build-dir", "NPLUS1_BUILD_DIR")
    tmp = None if kept else tempfile.mkdtemp(prefix="nplus1-build-")
    try:
        build_dir = os.path.abspath(kept) if kept else tmp
        binary = _compile(build_dir, static)
        version = _project_version(build_dir)
        strip = shutil.which("strip")
        stripped = os.path.join(build_dir, "nplus1.stripped")
        if strip:
            _run([strip, "--strip-all", "-o", stripped, binary])
            binary = stripped
        wheel = nplus1_wheel.write_wheel(wheel_directory, binary, version, _platforms(static))
        _log("wrote " + wheel)
        return os.path.basename(wheel)
    except BuildError as e:
        sys.exit("nplus1 build: error: %s" % e)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
