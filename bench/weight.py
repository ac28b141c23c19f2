"""What the course's machinery adds to the bytes a reader downloads.

    .venv/bin/python bench/weight.py [--page index.md --page tutorial/first-workflow.md --page builder.md]

For each page it counts the HTML plus every stylesheet and script the HTML loads
(`<link rel="stylesheet">`, `<script src>`), once each, and on the builder page the
script and stylesheet course.js adds there. Data a page fetches later from its
scripts (the builder's variant index and workflows) is not counted.

The comparison is the same page built as plain mkdocs-material: the same theme
settings, Markdown extensions and navigation, the search plugin only, no macros,
hooks, extra CSS or JavaScript, and each placed workflow written as one ordinary
`yaml` code block (what an author would paste by hand). The difference is what the
course adds: both renderings in tabs, annotations, download links and check notes,
its stylesheet and scripts. Other macros become nothing on the plain page, so
their output counts as added weight too.

Bytes are counted raw and gzip-compressed (level 6); a reader downloads the
compressed bytes from GitHub Pages, so the goal (at most 15 KB more per page)
is judged on those, and the raw figures are shown next to them. The last line is
a JSON object with the figures.
"""
from __future__ import annotations

import argparse
import gzip
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

DEFAULT_PAGES = ["index.md", "tutorial/first-workflow.md", "builder.md"]
GOAL_BYTES = 15 * 1024
# The plain site keeps these settings of mkdocs.yml and drops everything else.
KEPT_SETTINGS = ("site_name", "site_description", "docs_dir", "theme", "markdown_extensions", "nav")


class _Assets(HTMLParser):
    """The stylesheets and scripts an HTML page loads."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and "stylesheet" in (attrs.get("rel") or "").split() and attrs.get("href"):
            self.urls.append(attrs["href"])
        elif tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])


def _gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6, mtime=0))


def page_weight(site: Path, page: str) -> dict:
    """Raw and compressed bytes of one built page and what it loads."""
    route = page.removesuffix(".md")
    html_file = site / ("index.html" if route == "index" else f"{route.removesuffix('/index')}/index.html")
    if not html_file.is_file():
        return {"missing": str(html_file.relative_to(site))}
    html = html_file.read_bytes()
    parser = _Assets()
    parser.feed(html.decode("utf-8", "replace"))
    urls = list(parser.urls)
    if b"data-ghcr-builder" in html:  # course.js adds the builder's own code on its page: code, not data
        root = "../" * route.count("/") + ("../" if route != "index" else "")
        urls += [f"{root}assets/builder.js", f"{root}assets/builder.css"]
    css = js = css_gz = js_gz = 0
    external = []
    for url in dict.fromkeys(urls):
        parts = urlsplit(url)
        if parts.scheme or parts.netloc:
            external.append(url)
            continue
        asset = (html_file.parent / parts.path).resolve()
        if not asset.is_file():
            continue
        data = asset.read_bytes()
        if asset.suffix == ".css":
            css, css_gz = css + len(data), css_gz + _gz(data)
        else:
            js, js_gz = js + len(data), js_gz + _gz(data)
    return {"html": len(html), "css": css, "js": js, "total": len(html) + css + js,
            "total_gz": _gz(html) + css_gz + js_gz, "external": external}


def build_course(project: Path, site: Path) -> str:
    """Build the course; 'on' if the checked build passed, else 'off' (same pages, unchecked)."""
    command = [common.PYTHON, "-m", "mkdocs", "build", "--site-dir", str(site)]
    _, result = common.timed(command, cwd=project, env=common.snapshot_env(project, GHCR_CHECK_CACHE="off"), timeout=1800)
    if result.returncode == 0:
        return "on"
    _, result = common.timed(command, cwd=project, timeout=1800,
                             env=common.snapshot_env(project, GHCR_CHECK_CACHE="off", GHCR_COURSE_CHECKS="off"))
    if result.returncode != 0:
        common.fail("the course does not build even with the checks off:\n" + "\n".join(result.stderr.splitlines()[-15:]))
    return "off"


def plain_project(course: Path, dest: Path) -> None:
    """The same pages as plain mkdocs-material: macros expanded to what an author would paste."""
    import jinja2
    from ruamel.yaml import YAML

    sys.path.insert(0, str(course))
    from macros.render import catalog_markdown
    from ghcr_check.catalog import load_catalog
    from macros.sitebuild import SiteBuild
    from macros.snippets import TAGS, locate_target

    yaml = YAML(typ="rt")
    config = yaml.load((course / "mkdocs.yml").read_text("utf-8"))
    plain = {key: config[key] for key in KEPT_SETTINGS if key in config}
    plain.update({"plugins": ["search"], "strict": False})
    dest.mkdir(parents=True)
    with (dest / "mkdocs.yml").open("w", encoding="utf-8") as handle:
        yaml.dump(plain, handle)

    build = SiteBuild(course)
    build.validate = False
    build.prepare()

    def fence(snippet_id, excerpt=None):
        text = build.texts.get((snippet_id, TAGS), "")
        if excerpt is not None:
            lines = locate_target(text, excerpt)
            text = "".join(text.splitlines(keepends=True)[lines[0] - 1:lines[1]]) if lines else text
        return f"\n```yaml\n{text.rstrip()}\n```\n"

    class Nothing(jinja2.ChainableUndefined):
        def __call__(self, *args, **kwargs):
            return ""

    env = jinja2.Environment(
        undefined=Nothing,
        variable_start_string="<!--[[", variable_end_string="]]-->",
        block_start_string="<!--[%", block_end_string="%]-->",
        comment_start_string="<!--[#", comment_end_string="#]-->",
    )
    env.globals.update(
        workflow=lambda snippet_id, excerpt=None, **_: fence(snippet_id, excerpt),
        exercise=lambda snippet_id, question="", answer="", **_: f"\n{question}\n{fence(snippet_id)}\n{answer}\n",
        catalog_table=lambda: catalog_markdown(load_catalog()),
    )
    pages = {p.relative_to(course / "docs").as_posix(): p.read_text("utf-8")
             for p in (course / "docs").rglob("*.md")}
    pages.update(build.generated_pages())
    for name, markdown in pages.items():
        target = dest / "docs" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            target.write_text(env.from_string(markdown).render(), "utf-8")
        except jinja2.TemplateError as error:
            common.fail(f"docs/{name}: cannot expand its macros for the plain build: {error}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--page", action="append", help="page to weigh, relative to docs/ (repeatable)")
    parser.add_argument("--project", type=Path, default=common.ROOT, help="the tree to measure (default: this one)")
    args = parser.parse_args()
    pages = args.page or DEFAULT_PAGES

    with common.workspace("weight") as work:
        course = common.snapshot(work / "course", args.project)
        checks = build_course(course, work / "site-course")
        plain_project(course, work / "plain")
        _, result = common.timed([common.PYTHON, "-m", "mkdocs", "build", "--site-dir", str(work / "site-plain")],
                                 cwd=work / "plain", env=common.snapshot_env(work / "plain"), timeout=600)
        if result.returncode != 0:
            common.fail("the plain mkdocs-material build failed:\n" + "\n".join(result.stderr.splitlines()[-15:]))
        rows = {page: (page_weight(work / "site-course", page), page_weight(work / "site-plain", page)) for page in pages}

    print(f"Course built with checks {checks}; plain mkdocs-material with the same theme settings.\n")
    header = f"{'page':<32} {'HTML':>8} {'CSS':>8} {'JS':>8} {'total':>9} {'plain':>9} {'added':>8} {'added gz':>9}"
    print(header)
    print("-" * len(header))
    figures, met = {}, True
    for page, (course_w, plain_w) in rows.items():
        if "missing" in course_w or "missing" in plain_w:
            print(f"{page:<32} not built ({course_w.get('missing') or plain_w.get('missing')} missing)")
            figures[page] = {"missing": True}
            met = False
            continue
        added, added_gz = course_w["total"] - plain_w["total"], course_w["total_gz"] - plain_w["total_gz"]
        met = met and added_gz <= GOAL_BYTES
        figures[page] = {"course": course_w["total"], "course_gz": course_w["total_gz"], "plain": plain_w["total"],
                         "plain_gz": plain_w["total_gz"], "added": added, "added_gz": added_gz,
                         "html": course_w["html"], "css": course_w["css"], "js": course_w["js"]}
        print(f"{page:<32} {course_w['html']:>8} {course_w['css']:>8} {course_w['js']:>8} {course_w['total']:>9} "
              f"{plain_w['total']:>9} {added:>+8} {added_gz:>+9}")
        if course_w["external"]:
            print(f"  loads from elsewhere (not counted): {', '.join(course_w['external'])}")
    print(f"\nBytes. Goal: at most {GOAL_BYTES} bytes (15 KB) added per page, compressed: {'met' if met else 'NOT met'}.")
    common.report({"pages": figures, "goal_added_gz_bytes": GOAL_BYTES, "met": met, "checks": checks,
                   "max_added_gz": max((f.get("added_gz", 0) for f in figures.values()), default=0),
                   "machine": common.machine()})


if __name__ == "__main__":
    main()
