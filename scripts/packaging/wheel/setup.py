"""The nplus1 wheel (see pyproject.toml): py3-none-<platform>, the binary in <name>.data/scripts.

Environment (set by scripts/packaging/build_wheel.py):
  NPLUS1_VERSION         the project version, from project(nplus1 VERSION ...) in CMake
  NPLUS1_WHEEL_PLATFORM  the platform tag, e.g. linux_x86_64
"""
import os

from setuptools import setup
from distutils.command.build_scripts import build_scripts  # setuptools' own copy, after import setuptools
from wheel.bdist_wheel import bdist_wheel


class CopyBinary(build_scripts):
    """The script is an ELF executable: copy it as it is (distutils would read it as Python
    to rewrite a #! line)."""

    def copy_scripts(self):
        self.mkpath(self.build_dir)
        outfiles = []
        for script in self.scripts:
            out = os.path.join(self.build_dir, os.path.basename(script))
            self.copy_file(script, out)  # keeps the executable mode
            outfiles.append(out)
        return outfiles, outfiles


class PlatformWheel(bdist_wheel):
    """No Python code and no ABI, one native executable: tag py3-none-<platform>, and not
    purelib (the content is platform-specific)."""

    def finalize_options(self):
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self):
        return "py3", "none", os.environ["NPLUS1_WHEEL_PLATFORM"]


setup(version=os.environ["NPLUS1_VERSION"],
      cmdclass={"build_scripts": CopyBinary, "bdist_wheel": PlatformWheel})
