"""A repository's settings for ghcr-check, written once: `[tool.ghcr-check]` in
pyproject.toml, or `.github/ghcr-check.yml`.

For each checked file the nearest configuration counts, looking from the file's folder
upward, as ruff does; `--config PATH` names one for every file. A key or value that
is not understood is an error naming the file and line.
"""
from __future__ import annotations

import re
from pathlib import Path

from . import yamldoc
from .records import field, record
from .rules import profile_names, registry

PYPROJECT = "pyproject.toml"
YAML_FILE = ".github/ghcr-check.yml"
KEYS = {
    "profile": "default or hardened",
    "ignore": "rule IDs (or prefixes such as Z) never to report",
    "raise": "rule IDs (or prefixes) to report as errors",
    "per-path-ignores": "a table of glob pattern -> rule IDs not to report in matching files",
    "repository": "the repository as owner/name; G005 uses its owner",
}
_REPOSITORY = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")


class ConfigError(Exception):
    """A configuration that cannot be used; the message names the file and line."""


@record
class Config:
    path: Path | None = None  # None: no configuration file, everything default
    base: Path = field(default_factory=Path.cwd)  # per-path patterns are relative to this folder
    profile: str | None = None
    ignore: tuple[str, ...] = ()
    raise_: tuple[str, ...] = ()
    per_path_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    repository: str | None = None

    def ignored(self, rule_id: str, path: str) -> bool:
        if _matches(rule_id, self.ignore):
            return True
        if not self.per_path_ignores:
            return False
        import fnmatch  # only where per-path ignores are configured

        relative = _relative(path, self.base)
        return any(fnmatch.fnmatchcase(relative, pattern) and _matches(rule_id, ids)
                   for pattern, ids in self.per_path_ignores.items())

    def raised(self, rule_id: str) -> bool:
        return _matches(rule_id, self.raise_)

    def context(self) -> dict | None:
        return {"repository": self.repository} if self.repository else None


def _matches(rule_id: str, selectors) -> bool:
    return any(rule_id.startswith(selector) for selector in selectors)


def _relative(path: str, base: Path) -> str:
    try:
        return Path(path).resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


# -- reading ----------------------------------------------------------------------

def _toml_line(text: str, key: str, table: str = "tool.ghcr-check") -> int:
    """The line of key in the table (tomllib gives no positions); the table's line if not found."""
    header = re.compile(r"^\s*\[\s*" + r"\s*\.\s*".join(re.escape(p) if p != "ghcr-check" else r'"?ghcr-check"?'
                                                       for p in table.split(".")) + r"\s*\]")
    lines = text.splitlines()
    start = next((n for n, line in enumerate(lines, 1) if header.match(line)), 1)
    pattern = re.compile(r"^\s*[\"']?" + re.escape(key) + r"[\"']?\s*=")
    for number in range(start, len(lines) + 1):
        if number > start and lines[number - 1].lstrip().startswith("["):
            break
        if pattern.match(lines[number - 1]):
            return number
    return start


def _read_pyproject(path: Path) -> tuple[dict | None, callable]:
    import tomllib  # only when a pyproject.toml is there

    text = path.read_text("utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{_display(path)}: not valid TOML: {error}") from None
    section = data.get("tool", {}).get("ghcr-check")
    if section is None:
        return None, None

    def where(key: str, table: str = "tool.ghcr-check") -> int:
        return _toml_line(text, key, table)

    return section, where


def _read_yaml(path: Path) -> tuple[dict, callable]:
    doc, problems = yamldoc.load(path.read_bytes())
    if doc is None:
        if problems and problems[0].rule == "Y004":  # an empty file: no settings
            return {}, lambda key, table=None: 1
        first = problems[0]
        raise ConfigError(f"{_display(path)}:{first.line}: {first.message}")
    root = doc.root

    def where(key: str, table: str | None = None) -> int:
        node = root.get("per-path-ignores") if table and table.endswith("per-path-ignores") else root
        return yamldoc.position(node if isinstance(node, dict) else root, key=key)[0]

    return root, where


def _rule_list(value, path: str, line: int, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}:{line}: '{key}' must be a list of rule IDs, such as [\"G005\", \"Z003\"]")
    known = registry()
    for item in value:
        if not item or not any(rule_id.startswith(item) for rule_id in known):
            raise ConfigError(f"{path}:{line}: '{key}' names '{item}', which is no rule ID or prefix of one "
                              "(see ghcr-check --explain RULE)")
    return tuple(value)


def _display(path: Path) -> str:
    """The path as users wrote it: relative to the current folder when below it."""
    try:
        return str(Path(path).absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def load(path: Path) -> Config:
    """The settings in path (a pyproject.toml, or a YAML file); ConfigError if they are wrong."""
    path = Path(path)
    shown = _display(path)
    try:
        if path.suffix == ".toml":
            data, where = _read_pyproject(path)
            if data is None:
                raise ConfigError(f"{shown}: has no [tool.ghcr-check] table")
            table = "tool.ghcr-check"
        else:
            data, where = _read_yaml(path)
            table = "per-path-ignores"
    except OSError as error:
        raise ConfigError(f"{shown}: cannot read: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{shown}: is not UTF-8 text") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{shown}:1: the settings must be a table of keys: {', '.join(KEYS)}")
    base = path.parent.parent if path.parent.name == ".github" else path.parent
    config = Config(path=path, base=base)
    for key, value in data.items():
        line = where(str(key))
        if key not in KEYS:
            raise ConfigError(f"{shown}:{line}: unknown key '{key}'; known keys: {', '.join(KEYS)}")
        if key == "profile":
            if value not in profile_names():
                raise ConfigError(f"{shown}:{line}: profile must be one of {', '.join(profile_names())}, not {value!r}")
            config.profile = value
        elif key == "ignore":
            config.ignore = _rule_list(value, shown, line, key)
        elif key == "raise":
            config.raise_ = _rule_list(value, shown, line, key)
        elif key == "repository":
            if not isinstance(value, str) or not _REPOSITORY.match(value):
                raise ConfigError(f"{shown}:{line}: repository must be owner/name, such as Octo-Org/hello-world")
            config.repository = value
        else:
            if not isinstance(value, dict):
                raise ConfigError(f"{shown}:{line}: per-path-ignores must be a table of pattern = [rule IDs]")
            sub = f"{table}.per-path-ignores" if table.startswith("tool") else table
            config.per_path_ignores = {
                str(pattern): _rule_list(ids, shown, where(str(pattern), sub), f"per-path-ignores.{pattern}")
                for pattern, ids in value.items()
            }
    return config


def _settings_in(folder: Path) -> Path | None:
    """The configuration file that folder holds, if any; both kinds at once is an error."""
    found = []
    candidate = folder / YAML_FILE
    if candidate.is_file():
        found.append(candidate)
    pyproject = folder / PYPROJECT
    if pyproject.is_file():
        try:
            if _read_pyproject(pyproject)[0] is not None:
                found.append(pyproject)
        except (OSError, UnicodeDecodeError):
            pass  # not ours to read: load() says why if it is named with --config
    if len(found) > 1:
        raise ConfigError(f"{_display(folder)}: both {YAML_FILE} and {PYPROJECT} [tool.ghcr-check] configure ghcr-check; keep one")
    return found[0] if found else None


def discover(checked: str) -> Config:
    """The nearest configuration above a checked path ('-': the current folder)."""
    start = Path.cwd() if checked == "-" else Path(checked).resolve()
    folders = [start] if start.is_dir() else []
    folders += list(start.parents)
    for folder in folders:
        found = _settings_in(folder)
        if found is not None:
            return load(found)
    return Config()
