"""The registry: layers, profiles and rules, and the findings made from rules.

Layers and profiles are data (data/registry.yml), rules too (data/rules/*.yml, one
file per layer). Both are read once and checked as they load: an unknown key, an
unknown layer, a rule ID whose letter is not its layer's, or a placeholder in a
message or fix that the rule does not declare under `params:` is a RegistryError
naming the file and the rule. Code refers to rules by ID and passes the values that
fill the message and fix. Everything else that names a layer or a profile (the
engine's order, the command's --profile, the rule pages) derives from here.
"""
from __future__ import annotations

import re
from functools import lru_cache

from . import datafile
from .records import field, record, replace

SEVERITIES = ("error", "warning", "info")  # info: true, but nothing to fix in the workflow
LAYER_KINDS = ("document", "batch", "engine", "site")
_PLACEHOLDER = re.compile(r"(?<!\{)\{([a-z_]+)\}(?!\})")
_RULE_ID = re.compile(r"[A-Z]\d{3}")
_REQUIRED = ("id", "name", "layer", "severity", "summary", "message", "fix")
# keys every rule may carry, beyond the required ones; a layer adds its own (registry.yml `keys:`)
_OPTIONAL = ("params", "why", "pages", "silent", "no_examples")


class RegistryError(ValueError):
    """A registry or rule file that breaks its format: the message names the file and entry."""


@record(frozen=True)
class Layer:
    name: str
    letter: str
    title: str  # as rule pages and the rules index head it
    checked_as: str  # as a placed snippet's check note lists it
    kind: str  # one of LAYER_KINDS
    order: int
    keys: tuple[str, ...] = ()


@record(frozen=True)
class Profile:
    name: str
    description: str


@record(frozen=True)
class Registry:
    layers: dict  # name -> Layer, in order
    profiles: dict  # name -> Profile
    index: tuple  # (title, (layer names...)) groups of the rules index
    site_url: str
    rule_path: str


@record(frozen=True)
class Rule:
    id: str
    name: str
    layer: str
    severity: str
    summary: str
    message: str
    fix: str
    params: tuple[str, ...] = ()  # the placeholders message and fix use, each declared
    why: str = ""  # why it matters (ruff's "Why is this bad?")
    pages: tuple[str, ...] = ()  # course pages that teach it, beyond those found by the site build
    silent: str = ""  # when the rule stays silent, and why
    no_examples: str = ""  # why the rule has no example files, for the few that cannot have them
    extra: dict = field(default_factory=dict, compare=False)  # the layer's own keys


@record(frozen=True)
class Finding:
    rule: str
    severity: str
    message: str
    fix: str
    line: int = 1  # 1-based, in the checked text
    column: int = 1
    path: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    def at(self, path: str) -> "Finding":
        return replace(self, path=path)

    def moved(self, line_offset: int) -> "Finding":
        return replace(self, line=self.line + line_offset)

    def sort_key(self):
        return (self.path, self.line, self.column, self.rule, self.message)


def _fill(template: str, params: dict) -> str:
    def sub(match):
        key = match.group(1)
        if key not in params:
            raise KeyError(f"rule template needs '{key}'")
        return " ".join(str(params[key]).splitlines())  # a value from the file may hold line breaks

    return _PLACEHOLDER.sub(sub, template)


def placeholders(template: str) -> list[str]:
    return _PLACEHOLDER.findall(template)


def template(text: str) -> str:
    """A rule's message or fix as readers see it: placeholders become <name>."""
    return _PLACEHOLDER.sub(r"<\1>", text)


# -- layers and profiles ---------------------------------------------------------

def _fields(entry, known: tuple, where: str) -> dict:
    if not isinstance(entry, dict):
        raise RegistryError(f"{where}: expected a mapping, found {type(entry).__name__}")
    unknown = sorted(set(entry) - set(known))
    if unknown:
        raise RegistryError(f"{where}: unknown key {', '.join(unknown)} (known: {', '.join(known)})")
    missing = [k for k in known if k not in entry]
    return {"missing": missing, **entry}


def parse_registry(text: str, name: str = "registry.yml") -> Registry:
    """The layers, profiles and index groups of registry.yml; a broken entry is a RegistryError."""
    data = datafile.load_data(text) or {}
    top = _fields(data, ("site_url", "rule_path", "layers", "index", "profiles"), name)
    if top["missing"]:
        raise RegistryError(f"{name}: missing {', '.join(top['missing'])}")
    layers: dict[str, Layer] = {}
    for entry in data["layers"]:
        where = f"{name}: layer {entry.get('name', '?') if isinstance(entry, dict) else repr(entry)}"
        values = _fields(entry, ("name", "letter", "title", "checked_as", "kind", "order", "keys"), where)
        absent = [k for k in values.pop("missing") if k != "keys"]
        if absent:
            raise RegistryError(f"{where}: missing {', '.join(absent)}")
        layer = Layer(**{**values, "keys": tuple(values.get("keys") or ())})
        if layer.kind not in LAYER_KINDS:
            raise RegistryError(f"{where}: kind '{layer.kind}' is not one of {', '.join(LAYER_KINDS)}")
        if not re.fullmatch(r"[A-Z]", str(layer.letter)):
            raise RegistryError(f"{where}: letter must be one capital letter")
        clash = [other.name for other in layers.values()
                 if other.name == layer.name or other.letter == layer.letter or other.order == layer.order]
        if clash:
            raise RegistryError(f"{where}: name, letter or order already taken by layer {clash[0]}")
        layers[layer.name] = layer
    layers = dict(sorted(layers.items(), key=lambda item: item[1].order))
    profiles = {}
    for entry in data["profiles"]:
        where = f"{name}: profile {entry.get('name', '?') if isinstance(entry, dict) else repr(entry)}"
        values = _fields(entry, ("name", "description"), where)
        if values.pop("missing"):
            raise RegistryError(f"{where}: needs a name and a description")
        profiles[values["name"]] = Profile(**values)
    groups, grouped = [], []
    for entry in data["index"]:
        values = _fields(entry, ("title", "layers"), f"{name}: index group")
        unknown = [layer for layer in values["layers"] if layer not in layers]
        if unknown:
            raise RegistryError(f"{name}: index group '{values['title']}': unknown layer {', '.join(unknown)}")
        groups.append((values["title"], tuple(values["layers"])))
        grouped += values["layers"]
    if sorted(grouped) != sorted(layers):
        raise RegistryError(f"{name}: index: every layer belongs to exactly one group")
    return Registry(layers, profiles, tuple(groups), str(data["site_url"] or ""), str(data["rule_path"]))


@lru_cache(maxsize=1)
def meta() -> Registry:
    """registry.yml, read once."""
    return parse_registry(datafile.read_text("registry.yml"))


def layers(*kinds: str) -> tuple[Layer, ...]:
    """Every layer in run order, or those of the given kinds."""
    return tuple(layer for layer in meta().layers.values() if not kinds or layer.kind in kinds)


def layer_names(*kinds: str) -> tuple[str, ...]:
    return tuple(layer.name for layer in layers(*kinds))


def profiles() -> dict[str, Profile]:
    return meta().profiles


def profile_names() -> tuple[str, ...]:
    return tuple(meta().profiles)


@lru_cache(maxsize=1)
def project() -> dict[str, str]:
    """Where the checker is installed from (data/project.yml)."""
    return {k: str(v) for k, v in datafile.load("project.yml").items()}


def url(rule_id: str) -> str:
    """The page of a rule on the published course (its path within the site while none is known)."""
    path = meta().rule_path.format(id=rule_id)
    base = meta().site_url
    return f"{base.rstrip('/')}/{path}" if base else path


# -- rules -----------------------------------------------------------------------

def _rule(entry, name: str, known_layers: dict) -> Rule:
    if not isinstance(entry, dict):
        raise RegistryError(f"{name}: each rule is a mapping with id:, found {entry!r}")
    rule_id = str(entry.get("id", "?"))
    where = f"{name}: rule {rule_id}"
    missing = [k for k in _REQUIRED if k not in entry]
    if missing:
        raise RegistryError(f"{where}: missing {', '.join(missing)}")
    layer = known_layers.get(entry["layer"])
    if layer is None:
        raise RegistryError(f"{where}: unknown layer '{entry['layer']}' (known: {', '.join(known_layers)})")
    known = (*_REQUIRED, *_OPTIONAL, *layer.keys)
    unknown = sorted(set(entry) - set(known))
    if unknown:
        raise RegistryError(f"{where}: unknown key {', '.join(unknown)} (a {layer.name} rule may have: "
                            f"{', '.join(known)})")
    if not _RULE_ID.fullmatch(rule_id) or rule_id[0] != layer.letter:
        raise RegistryError(f"{where}: a {layer.name} rule's ID is {layer.letter} and three digits")
    if entry["severity"] not in SEVERITIES:
        raise RegistryError(f"{where}: severity '{entry['severity']}' is not one of {', '.join(SEVERITIES)}")
    params = tuple(entry.get("params") or ())
    used = set(placeholders(str(entry["message"])) + placeholders(str(entry["fix"])))
    if used - set(params):
        raise RegistryError(f"{where}: message or fix uses {', '.join('{' + p + '}' for p in sorted(used - set(params)))}"
                            f" but params: does not declare it")
    if set(params) - used:
        raise RegistryError(f"{where}: params: declares {', '.join(sorted(set(params) - used))}, "
                            "which neither message nor fix uses")
    for key in ("summary", "message", "fix", "why", "silent", "no_examples"):
        if "\n" in str(entry.get(key, "")).strip():
            raise RegistryError(f"{where}: {key} is one line")
    return Rule(
        id=rule_id, name=str(entry["name"]), layer=layer.name, severity=str(entry["severity"]),
        summary=str(entry["summary"]), message=str(entry["message"]), fix=str(entry["fix"]), params=params,
        why=str(entry.get("why", "")), pages=tuple(entry.get("pages") or ()), silent=str(entry.get("silent", "")),
        no_examples=str(entry.get("no_examples", "")),
        extra={k: entry[k] for k in layer.keys if k in entry},
    )


def load_rules(files) -> dict[str, Rule]:
    """Rules from YAML texts given as (file name, text) pairs; a bad or duplicate entry is a RegistryError."""
    rules: dict[str, Rule] = {}
    known_layers = meta().layers
    for name, text in files:
        for entry in datafile.load_data(text) or []:
            rule = _rule(entry, name, known_layers)
            if rule.id in rules:
                raise RegistryError(f"{name}: rule {rule.id} is defined twice")
            rules[rule.id] = rule
    return dict(sorted(rules.items()))


@lru_cache(maxsize=1)
def registry() -> dict[str, Rule]:
    """Every rule of the checker, from data/rules/*.yml (one file per layer), in ID order."""
    folder = datafile.root().joinpath("rules")
    files = sorted((item.name, item.read_text("utf-8")) for item in folder.iterdir() if item.name.endswith(".yml"))
    return load_rules(files)


def finding(rule_id: str, position: tuple[int, int] = (1, 1), *, rules: dict[str, Rule] | None = None,
            **params) -> Finding:
    """A finding of rule_id at (line, column), its message and fix filled from params."""
    rule = (rules or registry())[rule_id]
    severity = params.pop("severity", rule.severity)
    line, column = position
    return Finding(
        rule=rule.id,
        severity=severity,
        message=_fill(rule.message, params),
        fix=_fill(rule.fix, params),
        line=line,
        column=column,
    )
