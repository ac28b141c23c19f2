"""One build of the course site, independent of the site generator.

It renders every snippet both ways, checks them all in one batch, places them on
pages, refuses workflow code blocks it did not produce, and says at the end what
failed (one line per finding) or what was checked.
"""
from __future__ import annotations

import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ghcr_check import engine, worker
from . import command_output, render
from ghcr_check.catalog import load_catalog
from .render import Placement, snippet_markdown
from ghcr_check.rules import Finding

from . import facts as facts_module
from .site_rules import finding, registry  # the checker's rules and the site's (D)
from .snippets import PINNED, TAGS, Snippet, SnippetLibrary, locate_target
from .snippets import render as render_snippet  # `render` is the Markdown module here

FACTS_PATH = "macros/data/facts.yml"
_ERROR_ENTRY_PAGES = "troubleshooting/"  # each ### entry there shows an error, placed from the facts
_ERROR_PLACEMENT = re.compile(r"<!--\[\[\s*error\(")
VALIDATION_SETTING = "GHCR_COURSE_CHECKS"  # "off" skips the checks: for bench/build.py only
_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")
_OPT_OUT = re.compile(r"<!--\s*unchecked:\s*(?P<why>.*?)\s*-->\s*$")
_WORKFLOW_KEYS = re.compile(r"^\s*(?:-\s+)?(jobs|steps|uses)\s*:", re.MULTILINE)
_YAML_LANGS = {"", "yaml", "yml"}
# what makes a page teach a rule: it places a snippet (examples, exercises, counter-examples)
# or links to the rule's page
_PLACES = re.compile(r"\b(?:workflow|exercise|tag_preview)\(\s*[\"']([^\"']+)[\"']")
_RULE_LINK = re.compile(r"\breference/rules/([A-Z]\d{3})\.md\b|(?<![\w/])rules/([A-Z]\d{3})\.md\b")
_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)


def refresh_data(project: Path) -> bool:
    """Forget the data read so far (rules, catalog, facts) when a data file changed since
    the last build, so that a `mkdocs serve` rebuild reads it afresh; True if it did.

    Layer and profile names that modules hold as constants still need a restart.
    """
    import importlib
    import sys

    from ghcr_check import datafile

    folders = [Path(str(datafile.root())), project / "macros" / "data"]
    stamp = {str(p): p.stat().st_mtime_ns for folder in folders for p in folder.rglob("*") if p.is_file()}
    changed = bool(_DATA_STAMP) and stamp != _DATA_STAMP
    _DATA_STAMP.clear()
    _DATA_STAMP.update(stamp)
    if changed:
        importlib.invalidate_caches()
        for name, module in list(sys.modules.items()):
            if name.split(".")[0] in ("ghcr_check", "macros"):
                for value in list(vars(module).values()):
                    if callable(getattr(value, "cache_clear", None)):
                        value.cache_clear()
    return changed


_DATA_STAMP: dict[str, int] = {}
_SHARED: dict[tuple, "SiteBuild"] = {}


def shared_build(project: Path, docs_dir: str) -> "SiteBuild":
    """One build per process, for generators that set up the macros anew for every page (Zensical)."""
    key = (project.resolve(), docs_dir)
    if key not in _SHARED:
        _SHARED[key] = SiteBuild(project, docs_dir)
    return _SHARED[key]


@dataclass
class Failure:
    page: str  # docs/<page>.md, or the snippet file when no page shows it
    snippet: Snippet | None
    finding: Finding

    def line(self) -> str:
        f = self.finding
        if self.snippet is None:
            return f"{self.page}:{f.line}:{f.column}: {f.rule} {f.message} — {f.fix}"
        where = f"{self.snippet.path}:{f.line}:{f.column}"
        if self.snippet.path.endswith(".py"):  # composed: the position is in the composed text
            where = f"{self.snippet.path} composes {self.snippet.id}.yml, {f.line}:{f.column}"
        return f"{self.page}: snippet {self.snippet.id} ({where}): {f.rule} {f.message} — {f.fix}"


@dataclass
class SiteBuild:
    project: Path
    docs_dir: str = "docs"
    validate: bool = field(default_factory=lambda: os.environ.get(VALIDATION_SETTING, "on") != "off")
    layers: tuple = engine.ALL_LAYERS

    def __post_init__(self):
        self.catalog = load_catalog()
        self.library = SnippetLibrary(self.project / "snippets", self.project)
        self.texts: dict[tuple[str, str], str] = {}
        self._findings: dict[tuple[str, str], list[Finding]] = {}
        self._checking: threading.Thread | None = None
        self._early = threading.Event()  # the counter-examples' findings are in
        self._check_error: BaseException | None = None
        self._to_judge: list[tuple[Snippet, str]] = []  # judged at the end, when every finding is in
        self.snippet_problems: dict[str, list[Finding]] = {}
        self.placed: dict[str, list[str]] = {}
        self.failures: list[Failure] = []
        self.exercises: list[tuple[str, str]] = []  # (page, snippet id)
        self.stats = engine.BatchStats()
        self.started = self.started_checking = time.perf_counter()
        self._prepared = False
        self._report: tuple[list[str], str] | None = None
        self._all_failures: list[Failure] | None = None
        facts_file = self.project / FACTS_PATH  # a project without one (a test's) places no facts
        self.facts, fact_problems = (facts_module.load_facts(facts_file, self.catalog) if facts_file.exists()
                                     else ({}, []))
        self.fact_failures = [Failure(FACTS_PATH, None, finding(p.rule, (p.line, 1), **p.params))
                              for p in fact_problems]
        self.facts_placed: dict[str, list[facts_module.Fact]] = {}  # page uri -> facts, in order

    # -- before pages ------------------------------------------------------

    def prepare(self) -> None:
        """Render every snippet both ways and start checking all renderings."""
        if self._prepared:
            return
        self._prepared = True
        batch = {}
        for snippet in self.library:
            problems = list(snippet.problems)
            for rendering in snippet.renderings:
                text, composed = render_snippet(snippet, self.catalog, rendering)
                self.texts[(snippet.id, rendering)] = text
                problems += [p for p in composed if p not in problems]
                batch[f"{snippet.id}\0{rendering}"] = text
            self.snippet_problems[snippet.id] = problems
        if self.validate:
            # Checked in a worker process: while it and zizmor and actionlint run, the builder's
            # index and the pages go on here. Pages wait only for counter-examples, which show
            # their findings and go first; the rest is judged at the end of the build.
            self.started_checking = time.perf_counter()
            self._checking = threading.Thread(target=self._check, args=(batch,), daemon=True)
            self._checking.start()

    def stand_ins(self) -> dict[str, str]:
        """Batch name -> the batch name whose external tools' verdict stands for it: a snippet's
        pinned rendering differs from its tags rendering only in `uses:` refs (the commit of
        that same tag), and a composed snippet may name another whose verdict is its own."""
        found = {}
        for snippet in self.library:
            if len(snippet.renderings) < 2 or snippet.problems:
                continue
            rep = self.library.get(snippet.stand_in) if snippet.stand_in else snippet
            if rep is None or len(rep.renderings) < 2 or rep.problems:
                rep = snippet
            for rendering in snippet.renderings:
                if snippet.id != rep.id or rendering != TAGS:
                    found[f"{snippet.id}\0{rendering}"] = f"{rep.id}\0{TAGS}"
        return found

    def _check(self, batch: dict[str, str]) -> None:
        try:
            # Hardened means SHA-pinned: that profile checks the pinned rendering of hardened snippets.
            hardened = {k for k in batch if k.endswith(f"\0{PINNED}")
                        and self.library.get(k.split("\0")[0]).profile == "hardened"}
            early = {k for k in batch if self.library.get(k.split("\0")[0]).is_counter_example}
            stand_ins = self.stand_ins()
            jobs = []
            for part in (early, set(batch) - early):  # counter-examples first: pages show their findings
                jobs.append({"texts": {k: batch[k] for k in batch if k in part}, "layers": list(self.layers),
                             "stand_ins": stand_ins})
                jobs.append({"texts": {k: batch[k] for k in batch if k in part and k in hardened},
                             "layers": list(self.layers), "profile": "hardened"})
            results: dict[str, list[Finding]] = {}
            for number, (found, stats) in enumerate(worker.Worker(jobs, self.check_cache()).results()):
                if number % 2 == 0:
                    results.update(found)
                    self.stats.texts += stats.texts
                    self.stats.cached += stats.cached
                    self.stats.seconds = time.perf_counter() - self.started_checking
                    continue
                for key, strict in found.items():
                    seen = {(f.rule, f.line) for f in strict}  # the hardened verdict replaces the default one
                    results[key] = strict + [f for f in results[key] if (f.rule, f.line) not in seen]
                for key in jobs[number - 1]["texts"]:
                    self._findings[tuple(key.split("\0"))] = results[key]
                if number == 1:
                    self._early.set()
        except BaseException as error:  # noqa: BLE001 - raised again where the findings are read
            self._check_error = error
        finally:
            self._early.set()

    def findings_of(self, snippet: Snippet, rendering: str) -> list[Finding]:
        """One rendering's findings; a counter-example's are ready before the rest."""
        if snippet.is_counter_example and self._checking is not None:
            self._early.wait()
            if self._check_error is not None:
                raise self._check_error
            return self._findings.get((snippet.id, rendering), [])
        return self.findings.get((snippet.id, rendering), [])

    @property
    def findings(self) -> dict[tuple[str, str], list[Finding]]:
        if self._checking is not None:
            self._checking.join()
            self._checking = None
        if self._check_error is not None:
            raise self._check_error
        return self._findings

    def raw_files(self) -> dict[str, str]:
        """Site path -> bytes-to-be of every snippet rendering."""
        self.prepare()
        return {self.library.get(sid).raw_name(rendering): text for (sid, rendering), text in self.texts.items()}

    def check_cache(self) -> engine.ResultCache:
        """The project's own cache, unless GHCR_CHECK_CACHE says otherwise."""
        if os.environ.get("GHCR_CHECK_CACHE"):
            return engine.default_cache()
        return engine.ResultCache(self.project / ".cache" / "ghcr-check")

    def teaching_pages(self) -> tuple[dict[str, list[str]], dict[str, str]]:
        """(rule ID -> docs paths of the pages that teach it, docs path -> page title).

        A page teaches a rule when it places a snippet that raises it (a counter-example or
        exercise expecting it, or one of the rule's own examples) or links to the rule's
        page; a rule's `pages:` adds pages these cannot find.
        """
        docs = self.project / self.docs_dir
        teaching: dict[str, list[str]] = {}
        titles: dict[str, str] = {}
        for path in sorted(docs.rglob("*.md")):
            page = path.relative_to(docs).as_posix()
            text = path.read_text("utf-8")
            heading = _HEADING.search(re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.DOTALL))  # not front matter
            titles[page] = heading.group(1) if heading else page
            found = set()
            for snippet_id in _PLACES.findall(text):
                snippet = self.library.get(snippet_id)
                if snippet is not None:
                    found.update(snippet.expected_rules)
                example = re.fullmatch(r"rules/([A-Z]\d{3})/(?:fail|pass)", snippet_id)
                if example:
                    found.add(example.group(1))
            found.update(a or b for a, b in _RULE_LINK.findall(text))
            for rule_id in found:
                teaching.setdefault(rule_id, []).append(page)
        for rule in registry().values():
            for page in rule.pages:
                if page not in teaching.setdefault(rule.id, []):
                    teaching[rule.id].append(page)
        return teaching, titles

    def generated_pages(self) -> dict[str, str]:
        """Docs path -> Markdown of the pages made from data: the check rules reference."""
        rules = [r for r in registry().values() if r.layer in render.LAYER_TITLES]
        teaching, titles = self.teaching_pages()
        pages = {"reference/rules/index.md": render.rules_index_markdown(rules)}
        for rule in rules:
            has_examples = self.library.get(f"rules/{rule.id}/fail") is not None
            pages[f"reference/rules/{rule.id}.md"] = render.rule_page_markdown(
                rule, has_examples, tuple(teaching.get(rule.id, ())), titles)
        return pages

    # -- on pages ------------------------------------------------------------

    def place(self, snippet_id: str, page_uri: str, highlight=(), annotations=None, renderings=None,
              excerpt=None) -> str:
        """The Markdown for workflow(snippet_id) on page_uri; problems are recorded, not raised."""
        self.prepare()
        page = f"{self.docs_dir}/{page_uri}"
        snippet = self.library.get(snippet_id)
        if snippet is None:
            known = [s.id for s in self.library]
            import difflib

            close = difflib.get_close_matches(snippet_id, known, n=1)
            fix = f"did you mean '{close[0]}'?" if close else f"add snippets/{snippet_id}.yml"
            self.failures.append(Failure(page, None, finding("D006", snippet=snippet_id, fix=fix)))
            return f"\n!!! failure \"Missing snippet {snippet_id}\"\n"
        self.placed.setdefault(snippet.id, []).append(page)
        shown = tuple(r for r in (renderings or snippet.renderings) if r in snippet.renderings) or snippet.renderings
        text = self.texts[(snippet.id, shown[0])]
        lines = self._targets(snippet, text, page, [excerpt]) if excerpt is not None else []
        placement = Placement(self._targets(snippet, text, page, highlight),
                              self._annotations(snippet, text, page, annotations or {}), shown,
                              lines[0] if lines else None)
        self._judge(snippet, page)
        found = self.findings_of(snippet, shown[0]) if snippet.is_counter_example and self.validate else []
        return snippet_markdown(snippet, {r: self.texts[(snippet.id, r)] for r in shown}, page_uri,
                                placement, self.layers, self.catalog.as_of, found)

    def place_exercise(self, snippet_id: str, page_uri: str, question: str, answer: str) -> str:
        """A "find the bug" exercise: the broken workflow, the question, the answer folded away.

        The snippet must expect exactly one rule, and the checks must raise exactly it.
        """
        self.prepare()
        page = f"{self.docs_dir}/{page_uri}"
        snippet = self.library.get(snippet_id)
        if snippet is None or len(snippet.expected_rules) != 1:
            problem = "no such snippet" if snippet is None else "an exercise snippet must expect exactly one rule"
            self.failures.append(Failure(page, snippet, finding(
                "D006", snippet=snippet_id, fix=f"{problem}: add snippets/{snippet_id}.yml with '#| expect: <one rule ID>'")))
            return f"\n!!! failure \"Broken exercise {snippet_id}\"\n"
        self.placed.setdefault(snippet.id, []).append(page)
        self.exercises.append((page, snippet.id))
        self._judge(snippet, page)
        text = self.texts[(snippet.id, snippet.renderings[0])]
        return render.exercise_markdown(snippet, text, page_uri, question, answer, snippet.expected_rules[0])

    def place_command_example(self, page_uri: str, args: str, files=None, status=None) -> str:
        """`ghcr-check ARGS` run on files while the site builds, with what it really prints; an exit
        status other than the page says is recorded (D015), never raised."""
        markdown, code = command_output.run_example(self.library, args, files)
        if status is not None and code != status:
            self.failures.append(Failure(f"{self.docs_dir}/{page_uri}", None, finding(
                "D015", args=args, status=code, expected=status,
                fix="change the example or the text around it, so the page says what the command does now")))
        return markdown

    def place_fact(self, fact_id: str, page_uri: str, as_error: bool = False) -> str:
        """A fact's statement (or an error's text) for page_uri; its source goes to the page's foot."""
        fact = self.facts.get(fact_id)
        if fact is None or (fact.kind == "error") != as_error:
            import difflib

            kind = "error" if as_error else "fact"
            known = [f.id for f in self.facts.values() if f.kind == kind]
            close = difflib.get_close_matches(fact_id, known, n=1)
            fix = (f"did you mean '{close[0]}'?" if close
                   else f"add it to {FACTS_PATH} with its source, verified_against and depends_on")
            if fact is not None:
                fix = f"'{fact_id}' is a{'n error' if fact.kind == 'error' else ' fact'}: place it with {fact.kind}(\"{fact_id}\")"
            self.failures.append(Failure(f"{self.docs_dir}/{page_uri}", None, finding("D011", fact=fact_id, fix=fix)))
            return f"**(missing fact {fact_id})**"
        self.facts_placed.setdefault(page_uri, []).append(fact)
        return facts_module.error_markdown(fact) if as_error else facts_module.fact_markdown(fact)

    def sources(self, page_uri: str) -> str:
        """The foot of page_uri: the source of every fact it placed."""
        return facts_module.sources_markdown(self.facts_placed.get(page_uri, []))

    def _targets(self, snippet, text, page, targets) -> list[tuple[int, int]]:
        found = []
        for target in targets:
            lines = locate_target(text, target)
            if lines is None:
                self.failures.append(Failure(page, snippet, finding("D008", target=target, snippet=snippet.id)))
                continue
            found.append(lines)
        return found

    def _annotations(self, snippet, text, page, annotations: dict) -> list[tuple[int, str]]:
        notes = []
        for target, note in annotations.items():
            lines = self._targets(snippet, text, page, [target])
            if lines:
                notes.append((lines[0][0], note))
        return sorted(notes)

    def _judge(self, snippet: Snippet, page: str) -> None:
        """Record why this snippet must not be published, if it must not (for most, at the end)."""
        for problem in self.snippet_problems.get(snippet.id, []):
            self.failures.append(Failure(page, snippet, problem))
        if not self.validate:
            return
        if not snippet.is_counter_example:
            self._to_judge.append((snippet, page))
            return
        self._judge_findings(snippet, page)

    def _judge_findings(self, snippet: Snippet, page: str) -> None:
        if snippet.is_counter_example:
            found = self.findings_of(snippet, snippet.renderings[0])
            raised = sorted({f.rule for f in found})
            expected = set(snippet.expected_rules)
            if not expected & set(raised) or set(raised) - expected:
                extra = sorted(set(raised) - expected)
                fix = (f"the checks also raised {', '.join(extra)}: fix that, or expect it" if extra
                       else "make the snippet break the rule it is about")
                self.failures.append(Failure(page, snippet, finding(
                    "D005", (1, 1), snippet=snippet.id, expected=", ".join(sorted(expected)),
                    raised=", ".join(raised) or "nothing", fix=fix)))
            return
        for rendering in snippet.renderings:
            for found in self.findings_of(snippet, rendering):
                self.failures.append(Failure(page, snippet, found.moved(snippet.offset)))

    def scan_page(self, page_uri: str, markdown: str) -> None:
        """Refuse workflow code blocks written straight into a page (rustdoc: tested by default)."""
        lines = markdown.splitlines()
        if page_uri.startswith(_ERROR_ENTRY_PAGES):
            self._check_error_entries(page_uri, lines)
        i = 0
        while i < len(lines):
            match = _FENCE_OPEN.match(lines[i])
            if not match:
                i += 1
                continue
            fence, start = match["fence"], i
            info = match["info"].strip().lstrip("{").strip()
            lang = info.split()[0].lstrip(".").lower() if info else ""
            end = next((j for j in range(i + 1, len(lines)) if lines[j].strip().startswith(fence)
                        and lines[j].strip().strip(fence[0]) == ""), len(lines))
            body = "\n".join(lines[start + 1: end])
            opted_out = start > 0 and _OPT_OUT.search(lines[start - 1]) and _OPT_OUT.search(lines[start - 1])["why"]
            if lang in _YAML_LANGS and _WORKFLOW_KEYS.search(body) and not opted_out:
                self.failures.append(Failure(f"{self.docs_dir}/{page_uri}", None,
                                             finding("D004", (start + 1, len(match["indent"]) + 1))))
            i = end + 1

    def _check_error_entries(self, page_uri: str, lines: list[str]) -> None:
        """Each troubleshooting entry (### heading) places its error from the facts."""
        headings = [i for i, line in enumerate(lines) if line.startswith("### ")] + [len(lines)]
        for start, end in zip(headings, headings[1:]):
            if not any(_ERROR_PLACEMENT.search(line) for line in lines[start:end]):
                self.failures.append(Failure(f"{self.docs_dir}/{page_uri}", None, finding(
                    "D014", (start + 1, 1), entry=lines[start][4:].strip())))

    # -- at the end ------------------------------------------------------------

    def unplaced_failures(self) -> list[Failure]:
        """Snippets no page shows are still the site's: they must pass too."""
        failures = []
        for snippet in self.library:
            if snippet.id not in self.placed:
                before = len(self.failures)
                self._judge(snippet, snippet.path)
                self._judge_waiting()
                failures += self.failures[before:]
                del self.failures[before:]
        return failures

    def _judge_waiting(self) -> None:
        waiting, self._to_judge = self._to_judge, []
        for snippet, page in waiting:
            self._judge_findings(snippet, page)

    def report(self) -> tuple[list[str], str]:
        """(one line per problem, the summary line); computed once, at the end of the pages."""
        if self._report is None:
            self._report = self._make_report()
        return self._report

    def all_failures(self) -> list[Failure]:
        """Every problem of this build: the pages', the unplaced snippets', the library's."""
        if self._all_failures is None:
            self._judge_waiting()
            self._all_failures = self.failures + self.fact_failures + self.unplaced_failures()
            self._all_failures += [Failure(path, None, problem) for path, problem in self.library.problems]
        return self._all_failures

    def failures_for(self, page_uri: str) -> list[Failure]:
        """What a page shows under `mkdocs serve`: its own problems, then the site-wide ones
        (snippets no page places, unreadable snippet files, facts.yml), which every page shows."""
        page = f"{self.docs_dir}/{page_uri}"
        own = [f for f in self.all_failures() if f.page == page]
        site_wide = [f for f in self.all_failures() if not f.page.startswith(f"{self.docs_dir}/")]
        return list({f.line(): f for f in own + site_wide}.values())

    def _make_report(self) -> tuple[list[str], str]:
        failures = self.all_failures()
        lines = sorted(dict.fromkeys(f.line() for f in failures))
        snippets = len(self.library.snippets)
        if not self.validate:
            return lines, f"ghcr-course: {snippets} snippets rendered; checks switched off ({VALIDATION_SETTING}=off)"
        layers = ", ".join(self.layers)
        cached = f", {self.stats.cached} from cache" if self.stats.cached else ""
        summary = (f"ghcr-course: checked {snippets} snippets ({self.stats.texts} renderings{cached}) "
                   f"with layers {layers} in {self.stats.seconds:.2f} s: "
                   + (f"{len(lines)} problems" if lines else "all pass"))
        return lines, summary
