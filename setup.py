"""Build hook: the wheel carries contract_templates/ and migrations/ inside the package.

The two folders stay at the top of the checkout (that is where people edit them); a built
wheel gets a copy under portal/_bundled/, which the runtime uses when it is installed
(portal.config.resource_dir). Everything else about the package is in pyproject.toml.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
BUNDLED = ("contract_templates", "migrations")


class BuildPyWithBundled(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return  # an editable install reads the checkout's folders directly
        for name in BUNDLED:
            for source in sorted((ROOT / name).rglob("*")):
                if not source.is_file() or "__pycache__" in source.parts:
                    continue
                target = Path(self.build_lib, "portal", "_bundled", source.relative_to(ROOT))
                self.mkpath(str(target.parent))
                self.copy_file(str(source), str(target))


setup(cmdclass={"build_py": BuildPyWithBundled})
