"""The admin app's JavaScript unit tests (e2e/admin/js/), run with Node's built-in runner."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from .admin_harness import REPO_ROOT

pytestmark = pytest.mark.e2e


def test_the_admin_apps_javascript_unit_tests_pass():
    node = shutil.which("node")
    if node is None:
        pytest.fail("The admin app's unit tests need Node.js 20+ on the PATH.", pytrace=False)
    result = subprocess.run(
        [node, "--test", "e2e/admin/js/"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout
