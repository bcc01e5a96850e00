"""The JavaScript unit tests, run with Node's built-in runner: the extension's
(extension/tests/) and the admin app's (e2e/admin/js/)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from harness import REPO_ROOT


@pytest.mark.parametrize(
    "folder", ["extension/tests/", "e2e/admin/js/"], ids=["extension", "admin-app"]
)
def test_node_unit_tests_pass(folder):
    node = shutil.which("node")
    if node is None:
        pytest.fail("The JavaScript unit tests need Node.js 20+ on the PATH.", pytrace=False)
    result = subprocess.run(
        [node, "--test", folder],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout
