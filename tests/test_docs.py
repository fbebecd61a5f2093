"""The documentation site's sources (docs/) stay complete as the library grows.

`make docs` builds the site with warnings as errors and runs every code cell (`make test`
does too); these cheaper checks run with the suite: every public function has an entry in
the API reference, every page is in a table of contents, every page with code cells is a
notebook myst-nb executes, and the README's links to the pages point to files that exist.
"""

import re
from pathlib import Path

import pytest

import s2s_ad

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md") if "_build" not in p.parts)


def test_every_public_name_is_in_the_api_reference():
    reference = (DOCS / "api.md").read_text()
    entries = r"\.\. auto(?:function|exception|class):: s2s_ad\.(\w+)"
    documented = set(re.findall(entries, reference))
    assert set(s2s_ad.__all__) - documented == set()


def test_every_page_is_in_a_table_of_contents():
    listed = set()
    for page in PAGES:
        for block in re.findall(r"```\{toctree\}\n(.*?)```", page.read_text(), re.S):
            entries = [line for line in block.splitlines() if line and not line.startswith(":")]
            listed |= {(page.parent / entry).with_suffix(".md") for entry in entries}
    assert {page for page in PAGES if page.name != "index.md"} - listed == set()


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_pages_with_code_cells_are_executed_notebooks(page):
    text = page.read_text()
    if "```{code-cell}" in text:  # without the header myst-nb would not run the cells
        assert text.startswith("---\nfile_format: mystnb\n")


def test_the_readme_links_to_pages_that_exist():
    links = re.findall(r"\]\((docs/[^)#]+)", (ROOT / "README.md").read_text())
    assert "docs/tutorial.md" in links
    assert [link for link in links if not (ROOT / link).exists()] == []
