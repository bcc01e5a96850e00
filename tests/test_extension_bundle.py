"""The content script Chrome injects is the bundle of the panel's ES modules, kept current."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import bundle_content  # noqa: E402


def test_the_committed_bundle_is_built_from_the_current_modules():
    assert bundle_content.main(["--check"]) == 0, "run: python tools/bundle_content.py"


def test_the_manifest_injects_the_bundle_and_exposes_nothing_to_pages():
    manifest = json.loads((ROOT / "manifest.json").read_text())
    assert [script["js"] for script in manifest["content_scripts"]] == [
        ["extension/content/bundle.js"]
    ]
    assert "web_accessible_resources" not in manifest


def test_every_module_the_entry_imports_is_in_the_bundle_once_before_its_users():
    text = bundle_content.bundle()
    modules = sorted(
        p.relative_to(ROOT).as_posix()
        for p in bundle_content.CONTENT.rglob("*.js")
        if p.name not in {"bundle.js", "main.js"}
    )
    headers = [line[len("// --- ") :] for line in text.splitlines() if line.startswith("// --- ")]
    assert sorted(headers[:-1]) == modules
    assert headers[-1] == "extension/content/main.js"
    # The panel's view is built from dom.js, so dom.js comes first.
    assert headers.index("extension/content/panel/dom.js") < headers.index(
        "extension/content/panel/view.js"
    )
    assert "\nimport " not in text and "\nexport " not in text


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


@pytest.fixture
def content(tmp_path, monkeypatch):
    monkeypatch.setattr(bundle_content, "ROOT", tmp_path)
    monkeypatch.setattr(bundle_content, "CONTENT", tmp_path)
    return tmp_path


def test_renamed_imports_are_bound_under_their_local_names(content):
    write(content, "a.js", "export const one = 1;\nexport async function two() {}\n")
    entry = write(content, "main.js", 'import { one as uno, two } from "./a.js";\nuno;\n')

    text = bundle_content.bundle(entry)

    assert "const { one: uno, two } = module_a;" in text
    assert "return { one, two };" in text


@pytest.mark.parametrize(
    ("module", "entry", "message"),
    [
        ("export default 1;\n", 'import { x } from "./a.js";\n', "unsupported module syntax"),
        ("export const y = 1;\n", 'import { x } from "./a.js";\n', "does not export x"),
        ("export const x = 1;\n", 'import * as a from "./a.js";\n', "unsupported module syntax"),
        ("export const x = 1;\n", 'import { x } from "./b.js";\n', "imported but missing"),
        ('import { m } from "./main.js";\nexport const x = 1;\n',
         'import { x } from "./a.js";\nexport const m = 1;\n', "import cycle"),
    ],
)  # fmt: skip
def test_a_form_the_bundler_does_not_know_stops_the_build(content, module, entry, message):
    write(content, "a.js", module)
    main = write(content, "main.js", entry)

    with pytest.raises(bundle_content.BundleError, match=message):
        bundle_content.bundle(main)
