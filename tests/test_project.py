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

def test_sidebar_lists_every_notebook_in_reading_order():
    side = (ROOT / "nbs" / "sidebar.yml").read_text()
    listed = re.findall(r"([\w-]+\.ipynb)", side)
    present = sorted(p.name for p in (ROOT / "nbs").glob("*.ipynb"))
    assert sorted(listed) == present
    assert listed == ["index.ipynb"] + sorted(n for n in present if n != "index.ipynb")

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


# ---------------------------------------------------------------- structure and reading order
def _module_imports() -> dict:
    "llmrec module -> the llmrec modules it imports (anywhere in the file, lazy imports included)."
    import ast
    out = {}
    for p in sorted((ROOT / "llmrec").glob("*.py")):
        if p.name.startswith("_"): continue
        deps = set()
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, ast.ImportFrom):
                if node.level == 1 and node.module: deps.add(node.module.split(".")[0])
                elif node.level == 1: deps |= {a.name for a in node.names}
                elif node.module and node.module.startswith("llmrec."): deps.add(node.module.split(".")[1])
            elif isinstance(node, ast.Import):
                deps |= {a.name.split(".")[1] for a in node.names if a.name.startswith("llmrec.")}
        out[p.stem] = deps - {p.stem}
    return out

def _cycles(graph: dict) -> list:
    "Every import cycle, as a list of modules (depth-first search)."
    found, state = [], {}
    def visit(n, path):
        state[n] = 1
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1: found.append(path[path.index(m):] + [m])
            elif m not in state: visit(m, path + [m])
        state[n] = 2
    for n in sorted(graph):
        if n not in state: visit(n, [n])
    return found

def test_cycle_finder_finds_cycles():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []

def test_no_import_cycle_among_llmrec_modules():
    assert _cycles(_module_imports()) == []

def _notebook_modules() -> dict:
    "notebook file name -> the module its `#| default_exp` exports."
    out = {}
    for p in sorted((ROOT / "nbs").glob("[0-9]*.ipynb")):
        for c in json.loads(p.read_text())["cells"]:
            m = re.search(r"^#\|\s*default_exp\s+(\S+)", "".join(c["source"]), re.M)
            if m: out[p.name] = m.group(1)
    return out

def test_every_module_comes_from_one_notebook():
    mods = _notebook_modules()
    assert sorted(mods.values()) == sorted(p.stem for p in (ROOT / "llmrec").glob("*.py") if not p.stem.startswith("_"))

def test_no_notebook_imports_a_later_notebooks_module():
    "Reading order: notebook NN uses only what notebooks before it (and itself) taught."
    mods = _notebook_modules()
    order = {m: nb for nb, m in mods.items()}
    bad = []
    for p in sorted((ROOT / "nbs").glob("*.ipynb")):
        src = "\n".join("".join(c["source"]) for c in json.loads(p.read_text())["cells"] if c["cell_type"] == "code")
        used = set(re.findall(r"(?:from|import)\s+llmrec\.(\w+)", src))
        for m in used:
            if p.name != "index.ipynb" and m in order and order[m] > p.name:
                bad.append(f"{p.name} imports llmrec.{m}, taught later in {order[m]}")
    assert not bad, "\n".join(bad)

def test_no_private_name_imported_across_modules():
    "`from .x import _name` would make a private helper of one module part of another's API."
    bad = [f"{p.name}: {l.strip()}" for p in (ROOT / "llmrec").glob("*.py") for l in p.read_text().splitlines()
           if re.match(r"\s*from \.\w+ import .*\b_[a-z]\w*", l)]
    assert not bad, "\n".join(bad)

def _docs_executed_cells():
    "(notebook, cell source) of every cell `nbdev-docs` runs while rendering, exported and show_doc cells aside (nbdev's own rule)."
    from nbdev.process import NBProcessor
    from nbdev.processors import _do_eval
    out = []
    for p in sorted((ROOT / "nbs").glob("*.ipynb")):
        nb = NBProcessor(p, rm_directives=False, process=True).nb
        for c in nb.cells:
            if c.cell_type != "code" or not c.source.strip(): continue
            dirs = getattr(c, "directives_", {}) or {}
            if dirs.keys() & {"export", "exports", "exporti", "exec_doc"}: continue
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if _do_eval(c) and not c.source.lstrip().startswith("show_doc"): out.append((p.name, c.source))
    return out

def test_docs_run_only_import_cells():
    "nbdev-docs runs every cell that contains an import: such a cell must hold imports only, or it runs without the names it needs."
    import ast
    bad = []
    for nb, src in _docs_executed_cells():
        body = ast.parse("\n".join(l for l in src.splitlines() if not l.lstrip().startswith("#|"))).body
        if not all(isinstance(s, (ast.Import, ast.ImportFrom)) for s in body): bad.append(f"{nb}: {src.strip().splitlines()[-1][:80]!r}")
    assert not bad, "cells mixing imports with other code (put the imports in a cell of their own):\n" + "\n".join(bad)
