#!/usr/bin/env python
"""The docs site that `nbdev-docs` builds into `_docs/`: make it work offline, then check it in a real browser.

    python tools/docs.py fix     after nbdev-docs (make docs runs it): relative cross-references, no CDN scripts
    python tools/docs.py api     list the public names of llmrec that have no API entry on the site (no browser)
    python tools/docs.py check   serve _docs on localhost and check every page in headless Chromium (make docs-check)

`check` needs Playwright (the dev extra) and a Chromium (Debian's `apt-get install -y chromium`; another one with
`--chromium PATH` or `$CHROMIUM`). It exits non-zero when a check fails; public names without an API entry are a
warning with a count (`--strict-api` makes them a failure).
"""
from __future__ import annotations
import argparse, functools, html, http.server, json, posixpath, re, shutil, sys, threading, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SEARCHES = ("CosineRecommender", "EASE")  # names whose own page the site search must return

# ---------------------------------------------------------------- the site's settings and pages

def site_settings(nbs: Path) -> dict:
    "`site-url` and `repo-url` from nbdev.yml (which nbdev writes from pyproject.toml's [project.urls])."
    text = (nbs / "nbdev.yml").read_text()
    get = lambda k: (m.group(1).rstrip("/") if (m := re.search(rf'^\s*{k}:\s*"?([^"\n]+)"?\s*$', text, re.M)) else "")
    return {"site_url": get("site-url"), "repo_url": get("repo-url"), "branch": get("repo-branch") or "main"}

def page_of(notebook: str) -> str:
    "The page nbdev renders a notebook to: `00_core.ipynb` -> `core.html` (nbdev's `nbpath2html` rule)."
    return re.sub(r"^\d+[a-zA-Z0-9]*_", "", notebook.lower()).rsplit(".", 1)[0] + ".html"

def reading_order(nbs: Path) -> list[str]:
    "Notebooks in the sidebar's order (sidebar.yml), then any it does not list."
    listed = re.findall(r"([\w-]+\.ipynb)", (nbs / "sidebar.yml").read_text()) if (nbs / "sidebar.yml").exists() else []
    present = sorted(p.name for p in nbs.glob("*.ipynb"))
    return [n for n in listed if n in present] + [n for n in present if n not in listed]

def sidebar_groups(nbs: Path) -> list[tuple[str, list[str]]]:
    "sidebar.yml as (part title, pages): the pages before the first part under the title ''."
    groups = [("", [])]
    for l in (nbs / "sidebar.yml").read_text().splitlines():
        if m := re.match(r"\s*- section:\s*(.+?)\s*$", l): groups.append((m.group(1).strip("'\""), []))
        elif m := re.match(r"\s*-\s*([\w-]+\.ipynb)\s*$", l): groups[-1][1].append(page_of(m.group(1)))
    return groups

# ---------------------------------------------------------------- fix: what the site needs to work offline

# Quarto puts these in the head of every page with an HTML output, for "JavaScript widgets" (quarto-cli
# src/core/jupyter/widgets.ts). Our HTML outputs are pandas tables, which use none of them; fetched from a CDN they
# fail offline ("define is not defined" and failed loads in the console).
_WIDGET_JS = re.compile(r'<script src="https://cdnjs\.cloudflare\.com/ajax/libs/(?:require\.js|jquery)/[^"]+"[^>]*></script>\s*'
                        r"|<script type=\"application/javascript\">define\('jquery', \[\],function\(\) \{return window\.jQuery;\}\)</script>\s*")

def page_ids(text: str) -> set[str]: return set(re.findall(r'\bid="([^"]+)"', text))

def fix_page(text: str, page: str, site_url: str, ids: dict[str, set[str]] | None = None) -> tuple[str, list[str]]:
    """A page that works offline, and the cross-references it unlinked.
    nbdev links every backticked exported name to `site_url/page.html#name`: such links become relative (so they work
    wherever the site is served, and offline); a link to a name with no entry on its page (a private helper, or a
    public name that lacks a show_doc) becomes plain code, since it would lead nowhere. `ids`: page -> its element ids.
    Quarto's widget scripts, fetched from a CDN, are dropped from pages that do not use them."""
    dropped = []
    if site_url:
        base = posixpath.dirname(page)
        def rel(m):
            target, attrs, inner = m.group(1) or "index.html", m.group(2), m.group(3)
            path, _, frag = target.partition("#")
            path = path or "index.html"
            if ids is not None and frag and frag not in ids.get(path, set()):
                dropped.append(f"{path}#{frag}"); return inner
            return f'<a href="{posixpath.relpath(path, base or ".")}{"#" + frag if frag else ""}"{attrs}>{inner}</a>'
        text = re.sub(rf'<a href="{re.escape(site_url)}/?([^"]*)"([^>]*)>(.*?)</a>', rel, text, flags=re.S)
    body = _WIDGET_JS.sub("", text)
    if "require(" not in body and "requirejs" not in body and "define(" not in body: text = body
    return text, dropped

def fix_site(docs: Path, nbs: Path) -> tuple[int, list[str]]:
    "Apply `fix_page` to every page of the built site: (pages changed, cross-references unlinked)."
    site_url, n, dropped = site_settings(nbs)["site_url"], 0, []
    pages = {p.relative_to(docs).as_posix(): p for p in docs.rglob("*.html")}
    texts = {k: p.read_text() for k, p in pages.items()}
    ids = {k: page_ids(t) for k, t in texts.items()}
    for k, p in pages.items():
        new, d = fix_page(texts[k], k, site_url, ids)
        dropped += [f"{k}: {x}" for x in d]
        if new != texts[k]: p.write_text(new); n += 1
    return n, dropped

# ---------------------------------------------------------------- API entries

_ENTRY = re.compile(r'>source</a></p>\s*<section id="([^"]+)" class="level\d">\s*<h\d[^>]*>(.*?)</h\d>\s*'
                    r'<div class="sourceCode"[^>]*><pre[^>]*><code[^>]*>(.*?)</code>', re.S)

def api_entries(page_html: str) -> list[dict]:
    "The show_doc entries of a page: anchor, name (as its heading shows it), signature text, source link."
    out = []
    for m in _ENTRY.finditer(page_html):
        before = page_html[max(0, m.start() - 400):m.start() + len(">source</a>")]
        src = re.findall(r'<a href="([^"]+)"[^>]*>source</a>', before)
        sig = html.unescape(re.sub(r"<[^>]+>", "", m.group(3)))
        out.append({"id": m.group(1), "name": html.unescape(re.sub(r"<[^>]+>", "", m.group(2))).strip(),
                    "signature": sig, "source": src[-1] if src else ""})
    return out

def undocumented_params(signature: str) -> list[str]:
    "Parameters of a rendered signature that have no docment (`# comment`); `self`, `*args`, `**kwargs` aside."
    bad = []
    for l in signature.splitlines()[1:]:  # the first line is `def name(`; a parameterless `def f()->x:` has no other
        l = l.strip()
        if not l or l.startswith(")") or "#" in l: continue
        names = re.findall(r"(?:^|,\s*)(\*{0,2}[A-Za-z_]\w*)\s*(?=[:=,]|$)", l)
        bad += [n for n in names if not n.startswith("*") and n not in ("self", "cls")]
    return bad

def public_names(modidx: dict) -> dict[str, str]:
    "Qualified public name -> its page, from llmrec's `_modidx` (every exported function, class and method)."
    out = {}
    for mod, syms in modidx["syms"].items():
        for qual, (url, _py) in syms.items():
            parts = qual[len(mod) + 1:].split(".")
            if any(p.startswith("_") for p in parts): continue
            out[qual] = url.split("#")[0].rsplit("/", 1)[-1]
    return out

def missing_api(modidx: dict, entries: dict[str, list[dict]]) -> list[str]:
    "Public names with no API entry on their page (`entries`: page -> `api_entries`)."
    have = {(page, e["name"]) for page, es in entries.items() for e in es}
    out = []
    for qual, page in public_names(modidx).items():
        mod = qual.split(".")[1]
        short = qual[len("llmrec.") + len(mod) + 1:]
        if (page, short) not in have: out.append(qual)
    return out

def api_report(docs: Path, nbs: Path) -> dict:
    "API entries per page, duplicates, entries without a source link or docments, and public names without an entry."
    import importlib
    modidx = importlib.import_module("llmrec._modidx").d
    pages = {page_of(n) for n in reading_order(nbs)}
    entries = {p: api_entries((docs / p).read_text()) for p in sorted(pages) if (docs / p).exists()}
    dup = sorted({f"{p}: {e['name']}" for p, es in entries.items() for e in es if re.search(r"-\d+$", e["id"])})
    nosrc = [f"{p}: {e['name']}" for p, es in entries.items() for e in es if not e["source"]]
    nodoc = [f"{p}: {e['name']} ({', '.join(b)})" for p, es in entries.items() for e in es
             if not re.search(r"-\d+$", e["id"]) and (b := undocumented_params(e["signature"]))]
    return {"entries": entries, "n_entries": sum(len(es) for es in entries.values()) - len(dup),
            "public": len(public_names(modidx)), "missing": missing_api(modidx, entries),
            "duplicates": dup, "no_source": nosrc, "no_docments": nodoc}

def check_source_link(url: str, repo_url: str, branch: str, root: Path = ROOT) -> str | None:
    "None when a GitHub source link names a file of this checkout and a line inside it; else what is wrong."
    prefix = f"{repo_url}/blob/{branch}/"
    if not url.startswith(prefix): return f"not a link into {prefix}"
    path, _, frag = url[len(prefix):].partition("#")
    f = root / path
    if not f.is_file(): return f"{path} does not exist"
    if frag.startswith("L") and frag[1:].isdigit() and int(frag[1:]) > len(f.read_text().splitlines()):
        return f"{path} has no line {frag[1:]}"
    return None

# ---------------------------------------------------------------- notebook facts the pages must reflect

def _cells(nb_path: Path) -> list[dict]: return json.loads(nb_path.read_text())["cells"]

def _directives(src: str) -> dict[str, str]:
    return {m.group(1): m.group(2).strip() for m in re.finditer(r"^#\|\s*([\w-]+):?(.*)$", src, re.M)}

def hidden_sources(nb_path: Path) -> list[str]:
    "Code of the cells that must not show on the page (`#| hide`, `#| include: false`), directives stripped."
    out = []
    for c in _cells(nb_path):
        if c["cell_type"] != "code": continue
        src = "".join(c["source"]); d = _directives(src)
        if "hide" in d or d.get("include") == "false":
            body = "\n".join(l for l in src.splitlines() if not l.lstrip().startswith("#|")).strip()
            if body: out.append(body)
    return out

def visible_plots(nb_path: Path) -> int:
    "Image outputs of the cells whose output the page shows."
    n = 0
    for c in _cells(nb_path):
        if c["cell_type"] != "code": continue
        d = _directives("".join(c["source"]))
        if "hide" in d or d.get("include") == "false" or d.get("output") == "false": continue
        n += sum(1 for o in c.get("outputs", []) if {"image/png", "image/svg+xml", "image/jpeg"} & o.get("data", {}).keys())
    return n

def _norm(s: str) -> str: return re.sub(r"\s+", " ", s).strip()

# ---------------------------------------------------------------- check: the site in a real browser

class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass

def serve(docs: Path):
    "`python -m http.server -d docs` on a free localhost port, in a thread: (server, base URL)."
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(docs)))
    srv.handle_error = lambda request, address: None  # the browser dropping a connection it no longer needs
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}/"

_PAGE_JS = """async () => {
  await Promise.all(Array.from(document.images).map(i => i.complete ? null : new Promise(r => { i.onload = i.onerror = r; })));
  const code = Array.from(document.querySelectorAll('main pre code, #quarto-document-content pre code')).map(c => c.textContent);
  return {
    title: document.title,
    links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
    ids: Array.from(document.querySelectorAll('[id]')).map(e => e.id),
    images: Array.from(document.images).map(i => ({src: i.currentSrc || i.src, ok: i.complete && i.naturalWidth > 0})),
    plots: document.querySelectorAll('.cell-output-display img').length,
    code: code,
    footer: (document.querySelector('footer') || {innerText: ''}).innerText,
    sidebar: Array.from(document.querySelectorAll('#quarto-sidebar a.sidebar-link')).reduce((groups, a) => {
      if (!a.getAttribute('href')) groups.push([a.innerText.trim(), []]);
      else groups[groups.length - 1][1].push(a.href.split('#')[0]);
      return groups; }, [['', []]]),
  };
}"""

def _search(browser, base: str, query: str, want: str) -> tuple[bool, str]:
    "Type `query` into the site's search box on the landing page; (whether `want` is among the results, a summary)."
    pg = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        pg.goto(base + "index.html", wait_until="load")
        pg.click("#quarto-search .aa-DetachedSearchButton, #quarto-search input", timeout=10_000)
        pg.keyboard.type(query)
        try: pg.wait_for_selector(".aa-Panel a[href], .aa-Item a[href]", timeout=10_000)
        except Exception: return False, f"no results for {query!r}"
        hrefs = pg.eval_on_selector_all(".aa-Panel a[href]", "as => as.map(a => a.href)")
        pages = list(dict.fromkeys(h.split("?")[0].split("#")[0].rsplit("/", 1)[-1] for h in hrefs))
        ok = want in pages
        return ok, f"{query!r} -> {want} " + (f"(page {pages.index(want) + 1} of {len(pages)} found)" if ok else f"missing; got {pages[:5]}")
    finally: pg.close()

def check_site(docs: Path, nbs: Path, chromium: str, shots: Path, strict_api: bool = False) -> int:
    "Every check of the issue, printed as a summary; returns the number of failed checks."
    from playwright.sync_api import sync_playwright
    t0 = time.time()
    settings = site_settings(nbs)
    notebooks = reading_order(nbs)
    pages = [page_of(n) for n in notebooks]
    results = []  # (name, ok, detail)
    def record(name, ok, detail=""): results.append((name, bool(ok), detail))

    missing = [p for p in pages if not (docs / p).exists()]
    record("every notebook has a page", not missing, f"{len(pages) - len(missing)}/{len(pages)} pages" + (f"; missing {missing}" if missing else ""))

    srv, base = serve(docs)
    visited, failures = {}, {}
    shots.mkdir(parents=True, exist_ok=True)
    shot_paths = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            pg = browser.new_page(viewport={"width": 1280, "height": 900})
            errors = []
            # a failed load shows as a console error without its URL: the request events below name it instead
            pg.on("console", lambda m: errors.append(f"console {m.type}: {m.text}")
                  if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
            pg.on("pageerror", lambda e: errors.append(f"page error: {e}"))
            pg.on("requestfailed", lambda r: errors.append(f"request failed: {r.url} ({r.failure})"))
            pg.on("response", lambda r: errors.append(f"HTTP {r.status}: {r.url}")
                  if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
            for nb, page in zip(notebooks, pages):
                if page in missing: continue
                errors.clear()
                resp = pg.goto(base + page, wait_until="load")
                info = pg.evaluate(_PAGE_JS)
                pg.wait_for_timeout(100)  # late console errors of the page's own scripts
                info["errors"] = list(errors) + ([] if resp and resp.ok else [f"HTTP {resp.status if resp else '?'}"])
                visited[page] = info
                if page == "index.html": pg.screenshot(path=str(shots / "landing.png")); shot_paths.append(shots / "landing.png")
                if page == "scoring.html": pg.screenshot(path=str(shots / "scoring.png")); shot_paths.append(shots / "scoring.png")
            bad = {p: i["errors"] for p, i in visited.items() if i["errors"]}
            record("pages load without console errors", not bad, f"{len(visited) - len(bad)}/{len(visited)} clean"
                   + "".join(f"\n      {p}: {e[:3]}" for p, e in bad.items()))

            # internal links: pages and anchors we visited, any other file by HTTP
            links = {l for i in visited.values() for l in i["links"] if l.startswith(base)}
            broken = []
            import urllib.request, urllib.error
            for l in sorted(links):
                path, _, frag = l[len(base):].partition("#")
                path = path.split("?")[0] or "index.html"
                if path.endswith("/"): path += "index.html"
                if path in visited:
                    if frag and frag not in visited[path]["ids"]: broken.append(f"{l[len(base):]} (no such anchor)")
                    continue
                try: urllib.request.urlopen(base + path, timeout=10).close()
                except urllib.error.URLError as e: broken.append(f"{path} ({e})")
            sources = {l for i in visited.values() for l in i["links"] if l.startswith(settings["repo_url"] + "/blob/")}
            broken += [f"{s} ({why})" for s in sorted(sources) if (why := check_source_link(s, settings["repo_url"], settings["branch"]))]
            record("internal links resolve", not broken, f"{len(links)} links and {len(sources)} source links checked, {len(broken)} broken"
                   + "".join(f"\n      {b}" for b in broken[:20]))

            imgs = [(p, im) for p, i in visited.items() for im in i["images"]]
            bad_imgs = [f"{p}: {im['src']}" for p, im in imgs if not im["ok"]]
            record("images load", not bad_imgs, f"{len(imgs) - len(bad_imgs)}/{len(imgs)} with naturalWidth > 0"
                   + "".join(f"\n      {b}" for b in bad_imgs[:20]))
            short = [f"{page_of(nb)}: {visited[page_of(nb)]['plots']} of {n}" for nb in notebooks if page_of(nb) in visited
                     and visited[page_of(nb)]["plots"] < (n := visible_plots(nbs / nb))]
            n_plots = sum(i["plots"] for i in visited.values())
            record("plots render", not short, f"{n_plots} plot images shown" + "".join(f"\n      {s}" for s in short))

            shown = []
            for nb, page in zip(notebooks, pages):
                if page not in visited: continue
                code = [_norm(c) for c in visited[page]["code"]]
                shown += [f"{page}: {h.splitlines()[0][:60]!r}" for h in hidden_sources(nbs / nb) if any(_norm(h) in c for c in code)]
            record("hidden cells stay hidden", not shown, f"{sum(len(hidden_sources(nbs / nb)) for nb in notebooks)} hidden cells, {len(shown)} shown"
                   + "".join(f"\n      {s}" for s in shown[:20]))

            want, got = sidebar_groups(nbs), visited.get("core.html", visited.get("index.html", {})).get("sidebar", [])
            got = [(t, [posixpath.basename(h) or "index.html" for h in hs]) for t, hs in got]
            record("sidebar: parts in reading order", got == want, " | ".join(f"{t or 'home'}: {' '.join(h.replace('.html', '') for h in hs)}" for t, hs in got)
                   + ("" if got == want else f"\n      expected {want}"))
            nofoot = [p for p, i in visited.items() if "MovieLens" not in i["footer"]]
            record("footer names the MovieLens licence", not nofoot, f"{len(visited) - len(nofoot)}/{len(visited)} pages" + (f"; missing on {nofoot}" if nofoot else ""))

            # the API entry of Recommender.recommend, as a reader sees it on the core page
            core = page_of(next((n for n in notebooks if page_of(n) == "core.html"), "core.html"))
            pg.goto(base + core, wait_until="load")
            entry = pg.evaluate("""() => {
              const h = Array.from(document.querySelectorAll('section > h3, section > h4')).find(h => h.textContent.trim() === 'Recommender.recommend');
              if (!h) return null;
              const sec = h.parentElement, r = h.getBoundingClientRect();
              const src = sec.previousElementSibling && sec.previousElementSibling.querySelector('a');
              return {visible: r.width > 0 && r.height > 0, signature: (sec.querySelector('pre code') || {textContent: ''}).textContent,
                      source: src ? src.href : ''};
            }""")
            ok = bool(entry and entry["visible"] and "def recommend(" in entry["signature"] and "#" in entry["signature"]
                      and "/llmrec/core.py#L" in entry["source"])
            record("API entry of Recommender.recommend on the core page", ok,
                   (f"signature, docments and source link ({entry['source'].rsplit('/', 1)[-1]})" if ok else f"got {entry}"))
            pg.close()

            for q in SEARCHES:
                want = _page_of_symbol(q)
                ok, detail = _search(browser, base, q, want)
                record(f"search finds {q}", ok, detail)
            browser.close()
    finally:
        srv.shutdown()

    api = api_report(docs, nbs)
    n_fail = sum(not ok for _, ok, _ in results)
    print(f"docs check: {len(visited)} pages ({len(pages) - 1} notebooks and the landing page), {api['n_entries']} API entries")
    for name, ok, detail in results: print(f"  {'ok  ' if ok else 'FAIL'} {name}: {detail}")
    for s in shot_paths: print(f"  screenshot: {s}")
    _print_api(api)
    if strict_api and api["missing"]: n_fail += 1
    print(f"docs check {'passed' if not n_fail else 'FAILED'} in {time.time() - t0:.0f} s")
    print(f"docs-check: {len(results) - sum(not ok for _, ok, _ in results)} passed, {sum(not ok for _, ok, _ in results)} failed")
    return n_fail

def _page_of_symbol(name: str) -> str:
    import importlib
    for mod, syms in importlib.import_module("llmrec._modidx").d["syms"].items():
        if f"{mod}.{name}" in syms: return syms[f"{mod}.{name}"][0].split("#")[0].rsplit("/", 1)[-1]
    raise KeyError(f"{name} is not an exported name of llmrec")

def _print_api(api: dict):
    m = api["missing"]
    print(f"  API entries: {api['public'] - len(m)}/{api['public']} public names of llmrec have one")
    if m: print(f"  warning: {len(m)} public names without an API entry (show_doc):\n      " + "\n      ".join(m))
    if api["duplicates"]: print(f"  warning: {len(api['duplicates'])} API entries shown twice:\n      " + "\n      ".join(api["duplicates"]))
    if api["no_source"]: print(f"  warning: {len(api['no_source'])} API entries without a source link:\n      " + "\n      ".join(api["no_source"]))
    if api["no_docments"]: print(f"  warning: {len(api['no_docments'])} API entries with parameters lacking docments:\n      " + "\n      ".join(api["no_docments"]))

# ---------------------------------------------------------------- command line

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("command", choices=["fix", "api", "check"])
    ap.add_argument("--docs", type=Path, default=ROOT / "_docs", help="the built site (default _docs)")
    ap.add_argument("--nbs", type=Path, default=ROOT / "nbs", help="the notebooks (default nbs)")
    ap.add_argument("--chromium", default=None, help="Chromium to drive (default $CHROMIUM, else chromium on PATH)")
    ap.add_argument("--strict-api", action="store_true", help="fail when a public name has no API entry")
    a = ap.parse_args(argv)
    if not (a.docs / "index.html").exists():
        print(f"{a.docs} holds no built site: run make docs first."); return 2
    if a.command == "fix":
        n, dropped = fix_site(a.docs, a.nbs)
        print(f"docs: {n} pages made to work offline (relative cross-references, no CDN widget scripts)")
        if dropped:
            names = sorted({d.split("#", 1)[1] for d in dropped})
            print(f"docs: {len(dropped)} links to names without an API entry shown as plain code: {', '.join(names)}")
        return 0
    if a.command == "api":
        api = api_report(a.docs, a.nbs); _print_api(api)
        return 1 if a.strict_api and api["missing"] else 0
    import os
    chromium = a.chromium or os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("The docs check needs Chromium: apt-get install -y chromium (Debian), or pass --chromium PATH."); return 2
    return 1 if check_site(a.docs, a.nbs, chromium, a.docs / "_check", a.strict_api) else 0

if __name__ == "__main__":
    sys.exit(main())
