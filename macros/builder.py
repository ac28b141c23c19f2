"""The workflow builder's data: which checked variant the page shows, and where a name may go.

snippets/builder/compose.py composes one snippet per combination of the builder's
fixed options; the site build renders and checks them like every other snippet.
This module writes the index the page loads (builder/variants.json): for each
variant key, the raw files of both renderings, the places where the reader's
image name replaces the placeholder, and its tag preview (builder/preview/<key>.json,
what each event would push, from ghcr_check/preview/), which the page loads with the
variant.

A place is trusted only once the engine has shown, on that variant, that
- an invalid name there makes the checks raise G004 (they read it as an image), and
- a valid name there keeps the checks silent (any name the page accepts is safe).
The page accepts only names that match the grammar this index carries (the same
regular expression imageref.py checks with), so it never writes what was not proven.

No MkDocs here: mkdocs_hooks.py turns generated_files() into site files.
"""
from __future__ import annotations

import hashlib
import html
import importlib.util
import json
import re
from dataclasses import dataclass
from pathlib import Path

from ghcr_check import checks, engine, imageref, preview
from ghcr_check.checks import ghcr as ghcr_layer
from ghcr_check.catalog import load_catalog
from .snippets import PINNED, TAGS
from ghcr_check.workflow import Workflow
from ghcr_check.yamldoc import load, value_position

INDEX_PATH = "builder/variants.json"  # site path; the page at builder/ loads it as variants.json
PREVIEW_DIR = "builder/preview"  # one JSON file per variant, next to the index
# The tag preview's sample run; only the reader knows their Docker Hub user name.
PREVIEW_CONTEXT = ["vars.DOCKERHUB_USERNAME=your-dockerhub-user"]
COMPOSITION = Path("snippets/builder/compose.py")
SNIPPET_PREFIX = "builder/"
PAGE = "builder.md"
PAGE_CONTROLS = {"image", "refs"}  # the page's own: the name it substitutes, and which rendering to show
INDEX_VERSION = 1
# Names that must fail, and names that must pass, in every place (see the module docstring).
INVALID_PROBE = {"image": "ghcr.io/-not-an-owner-/-not-a-name-", "name": "-not-a-name-"}
VALID_PROBE = {"image": "ghcr.io/probe-owner/probe.name_x__y-z", "name": "probe.name_x__y-z"}


class BuilderError(Exception):
    """The builder's data cannot be trusted; the message says where and what to do."""


@dataclass(frozen=True)
class Place:
    line: int  # 1-based, in the rendered workflow (no header lines)
    column: int  # 1-based
    part: str  # "image": the whole ghcr.io name; "name": its last path component

    def as_json(self) -> list:
        return [self.line, self.column, self.part]


def load_composition(project: Path):
    path = project / COMPOSITION
    try:
        spec = importlib.util.spec_from_file_location("builder_composition", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    except Exception as error:  # noqa: BLE001 - an author's bug is reported, not a traceback
        raise BuilderError(f"{COMPOSITION} cannot be loaded: {type(error).__name__}: {error}"[:300]) from None


def placeholders(composition) -> dict[str, str]:
    return {"image": composition.IMAGE_PLACEHOLDER, "name": composition.NAME_PLACEHOLDER}


# -- places --------------------------------------------------------------------

def find_places(doc, marks: dict[str, str]) -> tuple[list[tuple[str, Place]], list[str]]:
    """(env key, place) for each placeholder in the workflow's env:, and the problems found."""
    env = doc.root.get("env") if isinstance(doc.root, dict) else None
    lines = doc.text.splitlines()
    found, problems = [], []
    for key, value in (env or {}).items():
        if not isinstance(value, str):
            continue
        if value == marks["image"]:
            part, offset = "image", 0
        elif value.endswith("/" + marks["name"]):
            part, offset = "name", len(value) - len(marks["name"])
        else:
            continue
        line, column = value_position(env, key)
        written = lines[line - 1][column - 1:] if line <= len(lines) else ""
        # only a plain scalar on one line: what the page writes there is read as written
        if not (written == value or written.startswith(value + " #")):
            problems.append(f"env {key}: the value is not a plain, one-line scalar (line {line})")
            continue
        found.append((str(key), Place(line, column + offset, part)))
    counted = sum(1 for _, p in found if p.part == "image")
    if doc.text.count(marks["image"]) != counted:
        problems.append(f"'{marks['image']}' appears outside env: values, where the page would not replace it")
    if not counted:
        problems.append(f"no env: value is exactly '{marks['image']}'")
    return found, problems


def _with_names(env, keys: list[tuple[str, Place]], names: dict[str, str], marks: dict[str, str]) -> dict:
    """The env values with the placeholders replaced by names; returns the originals."""
    original = {}
    for key, place in keys:
        original[key] = env[key]
        env[key] = env[key].replace(marks[place.part], names[place.part]) if place.part == "image" else (
            env[key][: -len(marks["name"])] + names["name"])
    return original


def prove(doc, keys: list[tuple[str, Place]], marks: dict[str, str]) -> list[str]:
    """Why the places cannot be trusted on this workflow (nothing when they can)."""
    catalog = load_catalog()
    env = doc.root["env"]
    problems = []
    for key, place in keys:
        original = _with_names(env, [(key, place)], INVALID_PROBE, marks)
        try:
            found = ghcr_layer.check(Workflow(doc), catalog)
        finally:
            env.update(original)
        if not any(f.rule == "G004" for f in found):
            problems.append(f"env {key} (line {place.line}): an invalid name there raises no G004, "
                            "so the checks do not read it as an image reference")
    original = _with_names(env, keys, VALID_PROBE, marks)
    try:
        workflow = Workflow(doc)
        # The schema only sees that an env: value is a string, which the probe stays; skipping
        # it keeps a cold proof of every variant at a few milliseconds each.
        found = [f for name, layer in checks.LAYERS.items() if name != "schema" for f in layer(workflow, catalog)]
    finally:
        env.update(original)
    if found:
        problems.append(f"with the valid name {VALID_PROBE['image']} the checks raise "
                        + ", ".join(sorted({f.rule for f in found})))
    return problems


class _TextCache:
    """What this module works out per variant text, next to the engine's results: a warm
    build works nothing out again. Keys change with the engine, the catalog and the probes."""

    def __init__(self, directory: Path | None):
        self.path = directory / "builder-variants.json" if directory else None
        self.entries: dict = {}
        self.dirty = False
        if self.path:
            try:
                self.entries = json.loads(self.path.read_text("utf-8"))
            except (OSError, ValueError):
                self.entries = {}

    @staticmethod
    def key(text: str) -> str:
        material = "\0".join([engine.engine_digest(), load_catalog().digest, json.dumps(VALID_PROBE),
                              json.dumps(INVALID_PROBE), json.dumps(PREVIEW_CONTEXT), text])
        return hashlib.sha256(material.encode("utf-8")).hexdigest()

    def get(self, text: str, field: str):
        return self.entries.get(self.key(text), {}).get(field)

    def put(self, text: str, field: str, value) -> None:
        self.entries.setdefault(self.key(text), {})[field] = value
        self.dirty = True

    def save(self) -> None:
        if not (self.path and self.dirty):
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.entries), "utf-8")
            tmp.replace(self.path)
        except OSError:
            pass  # a cache that cannot be written only costs time


def variant_places(text: str, marks: dict[str, str], validate: bool, cache: _TextCache) -> tuple[list[Place], list[str]]:
    field = "proven" if validate else "found"
    cached = cache.get(text, field)
    if cached is not None:
        return [Place(*p) for p in cached["places"]], cached["problems"]
    doc, findings = load(text)
    if doc is None:
        return [], [f"the workflow does not parse: {findings[0].message}" if findings else "the workflow does not parse"]
    keys, problems = find_places(doc, marks)
    if validate and not problems:
        problems = prove(doc, keys, marks)
    places = [place for _, place in keys]
    cache.put(text, field, {"places": [[p.line, p.column, p.part] for p in places], "problems": problems})
    return places, problems


def variant_preview(text: str, cache: _TextCache) -> list[dict]:
    """Each default event and what the variant pushes for it, as the page shows it."""
    cached = cache.get(text, "preview")
    if cached is not None:
        return cached
    context = preview.parse_context(PREVIEW_CONTEXT)
    rows = []
    for result in preview.preview_workflow(text, None, context):
        row = result.as_json()
        row["event"] = result.event.label(context).replace("`", "")
        rows.append(row)
    cache.put(text, "preview", rows)
    return rows


# -- the index -------------------------------------------------------------------

def build_index(build, composition) -> tuple[dict, dict[str, list]]:
    """The page's data: options, grammar, and per variant its raw files, proven places and
    preview file; and the previews, by site path."""
    marks = placeholders(composition)
    cache = _TextCache(build.check_cache().directory)
    variants, previews, problems = {}, {}, []
    ids = sorted(s.id for s in build.library if s.id.startswith(SNIPPET_PREFIX))
    for snippet_id in ids:
        snippet = build.library.get(snippet_id)
        key = snippet_id[len(SNIPPET_PREFIX):]
        tags, pinned = build.texts[(snippet_id, TAGS)], build.texts[(snippet_id, PINNED)]
        places, why = variant_places(tags, marks, build.validate, cache)
        tag_lines, pinned_lines = tags.splitlines(), pinned.splitlines()
        if any(tag_lines[p.line - 1] != pinned_lines[p.line - 1] for p in places):
            why = why + ["the pinned rendering moves the image name's line"]
        for problem in why:
            problems.append(f"{snippet.path} composes {snippet_id}: {problem}")
        previews[f"{PREVIEW_DIR}/{key}.json"] = variant_preview(tags, cache)
        variants[key] = {
            "tags": f"../{snippet.raw_name(TAGS)}",
            "pinned": f"../{snippet.raw_name(PINNED)}",
            "places": [p.as_json() for p in places],
            "preview": f"{PREVIEW_DIR.split('/', 1)[1]}/{key}.json",
        }
    cache.save()
    if not variants:
        problems.append(f"{COMPOSITION} composes no variants")
    if problems:
        raise BuilderError("the workflow builder's variants cannot be published:\n  " + "\n  ".join(problems)
                           + "\n  fix the composition so that the image name sits only in env: values "
                           "the checks read as image references")
    index = {
        "version": INDEX_VERSION,
        "file": composition.WORKFLOW_FILE.rsplit("/", 1)[-1],
        "placeholder": marks,
        "grammar": {
            "registry": "ghcr.io",
            "component": imageref.PATH_COMPONENT_RE.pattern,
            "max_length": imageref.MAX_NAME,
        },
        "options": composition.OPTIONS,
        "variants": variants,
    }
    return index, previews


# -- the page's form -----------------------------------------------------------------

_CONTROL = re.compile(r"<(input|select)\b([^>]*)>", re.IGNORECASE)
_OPTION = re.compile(r"<option\b([^>]*)>", re.IGNORECASE)
_ATTR = re.compile(r'([\w-]+)\s*=\s*"([^"]*)"')


def form_problems(page_source: str, options: list[dict]) -> list[str]:
    """Where the page's form and the composition's OPTIONS disagree (each value needs a control)."""
    offered: dict[str, set[str]] = {}
    for match in _CONTROL.finditer(page_source):
        attrs = {k.lower(): html.unescape(v) for k, v in _ATTR.findall(match.group(2))}
        name = attrs.get("name")
        if not name or name in PAGE_CONTROLS:
            continue
        if match.group(1).lower() == "select":
            end = page_source.find("</select>", match.end())
            values = {html.unescape(dict(_ATTR.findall(o)).get("value", "")) for o in
                      _OPTION.findall(page_source[match.end(): end])}
        elif attrs.get("type") == "checkbox":
            values = {attrs.get("value", "on"), attrs.get("data-off", "")}
        else:
            values = {attrs.get("value", "")}
        offered.setdefault(name, set()).update(values)
    problems = []
    for option in options:
        name, values = option["name"], set(option["values"])
        if name not in offered:
            problems.append(f"no control named '{name}' (values {sorted(values)})")
        elif offered[name] != values:
            problems.append(f"control '{name}' offers {sorted(offered[name])}, the composition {sorted(values)}")
    for name in sorted(set(offered) - {o["name"] for o in options}):
        problems.append(f"control '{name}' is not an option of {COMPOSITION}")
    return problems


def generated_files(build, docs_dir: Path) -> dict[str, bytes]:
    """Site path -> content of the builder's generated files; BuilderError when they cannot be trusted."""
    build.prepare()
    composition = load_composition(build.project)
    page = docs_dir / PAGE
    if page.exists():
        problems = form_problems(page.read_text("utf-8"), composition.OPTIONS)
        if problems:
            raise BuilderError(f"{build.docs_dir}/{PAGE}: the form does not match {COMPOSITION}:\n  "
                               + "\n  ".join(problems))
    index, previews = build_index(build, composition)
    files = {INDEX_PATH: _json(index)}
    files.update({path: _json(rows) for path, rows in previews.items()})
    return files


def _json(data) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
