"""The extension's JavaScript unit tests (extension/tests/), run with Node's built-in runner."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from harness import REPO_ROOT


def test_node_unit_tests_pass():
    node = shutil.which("node")
    if node is None:
        pytest.fail("The extension's unit tests need Node.js 20+ on the PATH.", pytrace=False)
    result = subprocess.run(
        [node, "--test", "extension/tests/"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout
