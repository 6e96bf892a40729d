"The project's own promises: README in step with index.ipynb, the sidebar, and export/clean leaving git unchanged."
import json, os, re, shutil, subprocess
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]

def _section(md: str, title: str) -> str:
    m = re.search(rf"^## {re.escape(title)}\s*$(.*?)(?=^## |\Z)", md, re.M | re.S)
    assert m, f"no '## {title}' section"
    return m.group(1).strip()

def _index_md() -> str:
    "The landing page as the docs show it: markdown cells, and the Markdown that code cells display."
    nb = json.loads((ROOT / "nbs" / "index.ipynb").read_text())
    parts = []
    for c in nb["cells"]:
        if c["cell_type"] == "markdown": parts.append("".join(c["source"]))
        else: parts += ["".join(o["data"]["text/markdown"]) for o in c.get("outputs", []) if "text/markdown" in o.get("data", {})]
    return "\n\n".join(parts)

def _commands(section: str) -> list[str]:
    blocks = re.findall(r"```(?:sh|bash)?\n(.*?)```", section, re.S)
    return [l.strip() for b in blocks for l in b.splitlines() if l.strip()]

def test_quick_start_is_two_commands_in_readme_and_index():
    readme, index = (ROOT / "README.md").read_text(), _index_md()
    assert _commands(_section(readme, "Quick start")) == ["make demo", "make test"]
    assert _section(readme, "Quick start") == _section(index, "Quick start")

def test_readme_course_map_matches_index():
    norm = lambda s: s.replace("(nbs/", "(")
    readme, index = (ROOT / "README.md").read_text(), _index_md()
    assert norm(_section(readme, "The course")) == _section(index, "The course")

def test_readme_headline_table_matches_index():
    "The measured table and its reading, as the landing page's slow cell computed them."
    norm = lambda s: s.replace("(nbs/", "(")
    readme, index = (ROOT / "README.md").read_text(), _index_md()
    sec = _section(index, "What it finds")
    assert "| model | all | long-tail | cold-item |" in sec and "| cosine-llm |" in sec, "run index.ipynb's slow cell and save it"
    assert norm(_section(readme, "What it finds")) == sec

def test_sidebar_lists_every_notebook():
    side = (ROOT / "nbs" / "sidebar.yml").read_text()
    listed = re.findall(r"([\w-]+\.ipynb)", side)
    present = sorted(p.name for p in (ROOT / "nbs").glob("*.ipynb"))
    assert sorted(listed) == present

def test_every_makefile_target_in_readme_exists():
    mk = (ROOT / "Makefile").read_text()
    for t in ("demo", "test", "docs"): assert re.search(rf"^{t}:", mk, re.M), t

@pytest.mark.skipif(shutil.which("git") is None or shutil.which("make") is None, reason="needs git and make")
def test_make_test_fails_when_export_or_clean_would_change_git(tmp_path):
    "In a clone: export-check passes, then fails after a hand edit of llmrec/ or an uncleaned notebook."
    venv = Path(os.environ.get("VIRTUAL_ENV") or ROOT / ".venv").resolve()
    if not (venv / ".installed-dev").exists(): pytest.skip("needs the Makefile's virtualenv")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    def check():
        # -o: never (re)install into the shared virtualenv from the clone
        return subprocess.run(["make", "-s", "-o", f"{venv}/.installed", "-o", f"{venv}/.installed-dev", "export-check", f"VENV={venv}"],
                              cwd=clone, capture_output=True, text=True)
    if subprocess.run(["git", "status", "--porcelain"], cwd=clone, capture_output=True, text=True).stdout:
        pytest.skip("the clone is not clean")
    r = check(); assert r.returncode == 0, r.stdout + r.stderr
    core = clone / "llmrec" / "core.py"
    core.write_text(core.read_text() + "\n# edited by hand\n")
    subprocess.run(["git", "commit", "-qam", "hand edit", "--no-verify"], cwd=clone, check=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"})
    r = check(); assert r.returncode != 0 and "nbdev-export changed" in r.stdout
    subprocess.run(["git", "checkout", "-q", "HEAD~1", "--", "llmrec"], cwd=clone, check=True)
    nbp = clone / "nbs" / "00_core.ipynb"
    nb = json.loads(nbp.read_text()); nb["metadata"]["widgets"] = {"junk": 1}
    nbp.write_text(json.dumps(nb, indent=1))
    subprocess.run(["git", "commit", "-qam", "unclean notebook", "--no-verify"], cwd=clone, check=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"})
    r = check(); assert r.returncode != 0 and "nbdev-clean changed" in r.stdout

def test_notebooks_keep_their_outputs():
    "Lessons are read with their results: every notebook is saved executed (nbdev-clean keeps outputs)."
    for p in sorted((ROOT / "nbs").glob("*.ipynb")):
        nb = json.loads(p.read_text())
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        shown = [c for c in code if c.get("outputs")]
        assert shown, f"{p.name} was saved without outputs: run it (nbdev-test --save) and commit it executed"
