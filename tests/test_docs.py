"The docs site: what nbdev-docs needs from the notebooks, and the logic of tools/docs.py (the browser check itself is `make docs-check`)."
import ast, importlib, importlib.util, json, re, warnings
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("llmrec_docs_tool", ROOT / "tools" / "docs.py")
docs = importlib.util.module_from_spec(_spec); _spec.loader.exec_module(docs)
SITE = "https://llmrec.github.io/llmrec"

def _code_cells():
    for p in sorted((ROOT / "nbs").glob("*.ipynb")):
        for c in json.loads(p.read_text())["cells"]:
            if c["cell_type"] == "code": yield p.name, c.get("id"), "".join(c["source"])

def _body(src):
    return ast.parse("\n".join(l for l in src.splitlines() if not l.lstrip().startswith(("#|", "%", "!")))).body

# ---------------------------------------------------------------- what nbdev-docs runs must run

def test_notebook_imports_from_llmrec_exist():
    "nbdev-docs runs import cells even when flagged slow: a stale `from llmrec.x import name` stops the whole build."
    bad = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for nb, cid, src in _code_cells():
            for n in ast.walk(ast.Module(body=_body(src), type_ignores=[])):
                if isinstance(n, ast.ImportFrom) and (n.module or "").startswith("llmrec"):
                    m = importlib.import_module(n.module)
                    bad += [f"{nb} cell {cid}: {n.module}.{a.name}" for a in n.names if a.name != "*" and not hasattr(m, a.name)]
    assert not bad, "notebooks import names llmrec does not have:\n" + "\n".join(bad)

# ---------------------------------------------------------------- pages and sidebar

def test_page_of_strips_the_number_like_nbdev():
    from nbdev.config import nbpath2html
    for nb in ["00_core.ipynb", "07a_training.ipynb", "07b_finetune.ipynb", "12_cli.ipynb", "index.ipynb"]:
        assert docs.page_of(nb) == nbpath2html(nb).name
    assert docs.page_of("07a_training.ipynb") == "training.html"

def test_sidebar_groups_cover_every_notebook_once_in_reading_order():
    groups = docs.sidebar_groups(ROOT / "nbs")
    pages = [p for _, ps in groups for p in ps]
    assert pages == [docs.page_of(n) for n in docs.reading_order(ROOT / "nbs")]
    assert groups[0] == ("", ["index.html"]) and len(pages) == len(set(pages)) == len(list((ROOT / "nbs").glob("*.ipynb")))
    assert [t for t, _ in groups[1:4]] == ["Foundations", "Models", "Evaluation"]

def test_site_settings_read_nbdev_yml():
    s = docs.site_settings(ROOT / "nbs")
    assert s["site_url"].startswith("https://") and not s["site_url"].endswith("/")
    assert s["repo_url"].startswith("https://github.com/") and s["branch"]

# ---------------------------------------------------------------- fix: offline site

def test_fix_page_makes_cross_references_relative_and_unlinks_dangling_ones():
    page = (f'<p><a href="{SITE}/core.html#recommender"><code>Recommender</code></a>, '
            f'<a href="{SITE}/data.html#_release"><code>_release</code></a>, <a href="{SITE}/">home</a>, '
            f'<a href="https://github.com/llmrec/llmrec">repo</a></p>')
    out, dropped = docs.fix_page(page, "index.html", SITE, {"core.html": {"recommender"}, "data.html": {"load_movielens"}})
    assert '<a href="core.html#recommender"><code>Recommender</code></a>' in out
    assert "<code>_release</code>" in out and "data.html#_release" not in out and dropped == ["data.html#_release"]
    assert '<a href="index.html">home</a>' in out and 'href="https://github.com/llmrec/llmrec"' in out
    sub, _ = docs.fix_page(f'<a href="{SITE}/core.html#x">x</a>', "api/page.html", SITE)
    assert sub == '<a href="../core.html#x">x</a>'

_WIDGETS = ('<script src="https://cdnjs.cloudflare.com/ajax/libs/require.js/2.3.6/require.min.js" integrity="x" crossorigin="anonymous"></script>\n'
            '<script src="https://cdnjs.cloudflare.com/ajax/libs/jquery/3.5.1/jquery.min.js" integrity="y" crossorigin="anonymous" data-relocate-top="true"></script>\n'
            "<script type=\"application/javascript\">define('jquery', [],function() {return window.jQuery;})</script>\n")

def test_fix_page_drops_quartos_widget_scripts_only_when_unused():
    plain = f"<head>{_WIDGETS}<link rel=stylesheet></head><body><table class=dataframe></table></body>"
    out, _ = docs.fix_page(plain, "data.html", SITE)
    assert "cdnjs" not in out and "define(" not in out and "<table class=dataframe>" in out
    uses = plain.replace("<table", "<script>require(['plotly'], f)</script><table")
    assert docs.fix_page(uses, "data.html", SITE)[0] == uses

# ---------------------------------------------------------------- API entries

_ENTRY = ('<hr>\n<p><a href="https://github.com/llmrec/llmrec/blob/main/llmrec/core.py#L10" target="_blank" style="float:right">source</a></p>\n'
          '<section id="{id}" class="level3">\n<h3 class="anchored" data-anchor-id="{id}">{name}</h3>\n'
          '<div class="sourceCode" id="cb1"><pre class="sourceCode python"><code class="sourceCode python">{sig}</code></pre></div>\n</section>')

def test_api_entries_parse_show_doc_output():
    sig = ('<span class="kw">def</span> recommend(\n    user_ids, <span class="co"># dataset user ids</span>\n'
           '    k:<span class="bu">int</span>=10,\n)-&gt;pd.DataFrame:')
    page = (_ENTRY.format(id="recommender.recommend", name="Recommender.recommend", sig=sig)
            + '<section id="prose" class="level2"><h2>Prose heading</h2><p>text</p></section>')
    (e,) = docs.api_entries(page)
    assert e["name"] == "Recommender.recommend" and e["source"].endswith("core.py#L10")
    assert e["signature"].startswith("def recommend(") and "->pd.DataFrame" in e["signature"]
    assert docs.undocumented_params(e["signature"]) == ["k"]

def test_undocumented_params():
    assert docs.undocumented_params("def f()->int:") == []
    assert docs.undocumented_params("def f(\n    a:int=1, # one\n    b, # two\n)->None:") == []
    assert docs.undocumented_params("def C(\n    x:float=1.0, y:tuple[int, int]=(1, 2), z:str | None=None\n)->None:") == ["x", "y", "z"]
    assert docs.undocumented_params("def f(\n    self, *args, **kwargs\n):") == []

def test_missing_api_lists_public_names_without_an_entry():
    modidx = {"syms": {"llmrec.core": {
        "llmrec.core.Recommender": ("https://x/core.html#recommender", "llmrec/core.py"),
        "llmrec.core.Recommender.fit": ("https://x/core.html#recommender.fit", "llmrec/core.py"),
        "llmrec.core.Recommender._fit": ("https://x/core.html#recommender._fit", "llmrec/core.py"),
        "llmrec.core._private": ("https://x/core.html#_private", "llmrec/core.py"),
        "llmrec.core.topk": ("https://x/core.html#topk", "llmrec/core.py")}}}
    assert sorted(docs.public_names(modidx)) == ["llmrec.core.Recommender", "llmrec.core.Recommender.fit", "llmrec.core.topk"]
    entries = {"core.html": [{"name": "Recommender"}, {"name": "topk"}], "data.html": [{"name": "Recommender.fit"}]}
    assert docs.missing_api(modidx, entries) == ["llmrec.core.Recommender.fit"]  # an entry on another page does not count

def test_check_source_link():
    repo = "https://github.com/llmrec/llmrec"
    n = len((ROOT / "llmrec" / "core.py").read_text().splitlines())
    assert docs.check_source_link(f"{repo}/blob/main/llmrec/core.py#L{n}", repo, "main") is None
    assert docs.check_source_link(f"{repo}/blob/main/nbs/00_core.ipynb", repo, "main") is None
    assert "no line" in docs.check_source_link(f"{repo}/blob/main/llmrec/core.py#L{n + 1}", repo, "main")
    assert "does not exist" in docs.check_source_link(f"{repo}/blob/main/llmrec/nope.py#L1", repo, "main")
    assert "not a link" in docs.check_source_link("https://example.org/x", repo, "main")

# ---------------------------------------------------------------- notebook facts

def test_hidden_sources_and_visible_plots(tmp_path):
    png = {"output_type": "display_data", "data": {"image/png": "iVBOR", "text/plain": "<Figure>"}, "metadata": {}}
    cells = [{"cell_type": "code", "source": "#| hide\nfrom fastcore.test import test_eq", "outputs": [], "metadata": {}},
             {"cell_type": "code", "source": "#| include: false\nx = 1", "outputs": [], "metadata": {}},
             {"cell_type": "code", "source": "#| hide\n", "outputs": [], "metadata": {}},
             {"cell_type": "code", "source": "plot()", "outputs": [png], "metadata": {}},
             {"cell_type": "code", "source": "#| hide\nplot()", "outputs": [png], "metadata": {}},
             {"cell_type": "code", "source": "#| output: false\nplot()", "outputs": [png], "metadata": {}},
             {"cell_type": "markdown", "source": "#| hide\ntext", "metadata": {}}]
    nb = tmp_path / "x.ipynb"; nb.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    assert docs.hidden_sources(nb) == ["from fastcore.test import test_eq", "x = 1", "plot()"]
    assert docs.visible_plots(nb) == 1

def test_check_refuses_a_missing_site(tmp_path, capsys):
    assert docs.main(["check", "--docs", str(tmp_path)]) == 2
    assert "make docs" in capsys.readouterr().out
