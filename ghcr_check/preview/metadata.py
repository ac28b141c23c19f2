"""docker/metadata-action's `images`, `tags` and `flavor` inputs, evaluated as the action does.

A transcription of the action's semantics (v6), for the rules the course uses and
teaches: `type=schedule`, `semver`, `ref` (branch, tag, pr), `edge`, `raw`, `sha`,
the global attributes (`enable`, `priority`, `prefix`, `suffix`), `flavor`
(`latest`, `prefix`, `suffix`, `onlatest`), the global expressions (`{{branch}}`,
`{{tag}}`, `{{sha}}`, `{{base_ref}}`, `{{is_default_branch}}`, `{{date}}`,
`{{commit_date}}`), image lowercasing and tag sanitising.

Two kinds of trouble are told apart:
- `MetadataError`: the action itself would stop with this error at run time;
- `NotPreviewed`: the input is outside what this module evaluates (`type=match`,
  `type=pep440`, Handlebars beyond plain `{{name}}` and the date helpers, ...).
  It never guesses.

Inputs reach this module after GitHub has substituted `${{ }}` expressions,
exactly as the action receives them.
"""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..expressions.evaluate import Unknown
from ..records import field, record
from .inputs import Image, MetadataError, csv_fields, list_input, parse_images  # noqa: F401 - part of this module's API

SUPPORTED_TYPES = ("schedule", "semver", "edge", "ref", "raw", "sha")
KNOWN_TYPES = ("schedule", "semver", "pep440", "match", "edge", "ref", "raw", "sha")
REF_EVENTS = ("branch", "tag", "pr")
SHA_FORMATS = ("short", "long")
# The action sorts rules by priority, highest first; equal priorities keep their order.
DEFAULT_PRIORITIES = {
    "schedule": 1000, "semver": 900, "pep440": 900, "match": 800,
    "edge": 700, "ref": 600, "raw": 200, "sha": 100,
}
DEFAULT_TAG_RULES = ("type=schedule", "type=ref,event=branch", "type=ref,event=tag", "type=ref,event=pr")
DEFAULT_SHORT_SHA_LENGTH = 7
SEMVER_PATTERN_FIELDS = ("raw", "version", "major", "minor", "patch")
# Events that GitHub always runs on the default branch's last commit.
DEFAULT_BRANCH_EVENTS = ("create", "discussion", "issues", "schedule")


NotPreviewed = Unknown  # outside what the preview evaluates; the message says what and why


@record(frozen=True)
class MetaContext:
    """What the action reads from the run: event, ref, commit, repository, clock."""

    event_name: str  # push, pull_request, schedule, workflow_dispatch
    ref: str  # refs/heads/main, refs/tags/v1.2.3, refs/pull/42/merge
    sha: str
    default_branch: str
    base_ref: str | None = ""  # the PR's base branch; for a tag push the payload's base_ref (None: unknown)
    date: dt.datetime = dt.datetime(2020, 1, 10, 0, 30, tzinfo=dt.timezone.utc)
    commit_date: dt.datetime | None = None
    short_sha_length: int = DEFAULT_SHORT_SHA_LENGTH


@record
class TagRule:
    type: str
    attrs: dict[str, str]
    source: str  # the line as written

    @property
    def priority(self) -> float:
        return float(self.attrs["priority"])


@record
class Flavor:
    latest: str = "auto"
    prefix: str = ""
    prefix_latest: bool = False
    suffix: str = ""
    suffix_latest: bool = False


@record
class Version:
    main: str | None = None
    partial: list[str] = field(default_factory=list)
    latest: bool | None = None


@record
class MetaResult:
    version: Version
    tags: list[str]  # the `tags` output, in the action's order


# -- reading the inputs ---------------------------------------------------------


def parse_tag_rule(line: str) -> TagRule:
    """One `tags:` entry, with the action's defaults and its errors."""
    attrs: dict[str, str] = {}
    rule_type = None
    for raw in csv_fields(line):
        key, sep, value = raw.partition("=")
        if not sep or not key:  # a bare word is the value: `type=raw,foo` or just `foo`
            attrs["value"] = raw.strip()
            continue
        key, value = key.strip().lower(), value.strip()
        if key == "type":
            if value not in KNOWN_TYPES:
                raise MetadataError(f"Unknown tag type attribute: {value}")
            rule_type = value
        else:
            attrs[key] = value
    rule_type = rule_type or "raw"
    if rule_type == "schedule":
        attrs.setdefault("pattern", "nightly")
    elif rule_type == "semver":
        if "pattern" not in attrs:
            raise MetadataError(f"Missing pattern attribute for {line}")
        attrs.setdefault("value", "")
        attrs.setdefault("match", "")
    elif rule_type == "edge":
        attrs.setdefault("branch", "")
    elif rule_type == "ref":
        if "event" not in attrs:
            raise MetadataError(f"Missing event attribute for {line}")
        if attrs["event"] not in REF_EVENTS:
            raise MetadataError(f"Invalid event for {line}")
        if attrs["event"] == "pr":
            attrs.setdefault("prefix", "pr-")
    elif rule_type == "raw":
        if "value" not in attrs:
            raise MetadataError(f"Missing value attribute for {line}")
    elif rule_type == "sha":
        attrs.setdefault("prefix", "sha-")
        attrs.setdefault("format", "short")
        if attrs["format"] not in SHA_FORMATS:
            raise MetadataError(f"Invalid format for {line}")
    attrs.setdefault("enable", "true")
    attrs.setdefault("priority", str(DEFAULT_PRIORITIES[rule_type]))
    try:
        float(attrs["priority"])
    except ValueError:
        raise NotPreviewed(f"priority={attrs['priority']} in '{line}' is not a number") from None
    return TagRule(rule_type, attrs, line)


def parse_tag_rules(lines: list[str]) -> list[TagRule]:
    """Every rule, highest priority first (a stable sort, as the action's)."""
    rules = [parse_tag_rule(line) for line in (lines or list(DEFAULT_TAG_RULES))]
    return sorted(rules, key=lambda rule: -rule.priority)


def parse_flavor(lines: list[str]) -> Flavor:
    flavor = Flavor()
    for line in lines:
        onlatest_for = ""
        for raw in csv_fields(line):
            parts = [p.strip() for p in raw.split("=")]
            if len(parts) == 1:
                raise MetadataError(f"Invalid flavor entry: {line}")
            key, value = parts[0].lower(), parts[1]  # the action keeps the text between the first two '='
            if key == "latest":
                if value not in ("auto", "true", "false"):
                    raise MetadataError(f"Invalid latest flavor entry: {line}")
                flavor.latest = value
            elif key in ("prefix", "suffix"):
                setattr(flavor, key, value)
                onlatest_for = key
            elif key == "onlatest":
                if value not in ("true", "false"):
                    raise MetadataError(f"Invalid value for onlatest attribute: {value}")
                if onlatest_for:
                    setattr(flavor, f"{onlatest_for}_latest", value == "true")
            else:
                raise MetadataError(f"Unknown flavor entry: {line}")
    return flavor


# -- semver (node-semver's strict grammar) ------------------------------------------

_NUM = r"0|[1-9]\d*"
_PRE_ID = rf"(?:{_NUM}|\d*[a-zA-Z-][a-zA-Z0-9-]*)"
_BUILD_ID = r"[0-9A-Za-z-]+"
_SEMVER = re.compile(
    rf"^v?({_NUM})\.({_NUM})\.({_NUM})(?:-({_PRE_ID}(?:\.{_PRE_ID})*))?(?:\+({_BUILD_ID}(?:\.{_BUILD_ID})*))?$"
)
_SEMVER_MAX_LENGTH = 256
_MAX_SAFE_INTEGER = 2**53 - 1


@record(frozen=True)
class SemVer:
    raw: str
    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...]

    @property
    def version(self) -> str:
        core = f"{self.major}.{self.minor}.{self.patch}"
        return f"{core}-{'.'.join(self.prerelease)}" if self.prerelease else core

    def fields(self) -> dict[str, str]:
        return {"raw": self.raw, "version": self.version, "major": str(self.major),
                "minor": str(self.minor), "patch": str(self.patch)}


def parse_semver(text: str) -> SemVer | None:
    """A valid semantic version (an optional leading v), or None, as semver.valid() decides."""
    if len(text) > _SEMVER_MAX_LENGTH:
        return None
    match = _SEMVER.match(text.strip())
    if not match:
        return None
    numbers = [int(match.group(i)) for i in (1, 2, 3)]
    if any(n > _MAX_SAFE_INTEGER for n in numbers):
        return None
    pre = tuple(match.group(4).split(".")) if match.group(4) else ()
    return SemVer(text, *numbers, pre)


# -- Handlebars, the small part the action's templates use ---------------------------

_MUSTACHE = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_HELPER_ARGS = re.compile(r"""\s*(?:(?P<key>[A-Za-z_]\w*)=)?(?:'(?P<sq>[^']*)'|"(?P<dq>[^"]*)")""")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;", "`": "&#x60;", "=": "&#x3D;"}


def _escape(text: str) -> str:
    """What Handlebars does to every {{ }} value."""
    return "".join(_ESCAPES.get(ch, ch) for ch in text)


def render_template(template: str, values: dict) -> str:
    """Render `{{name}}` and `{{helper 'arg' key='value'}}`; values map names to text or helpers.

    A name that is neither gives '' (Handlebars' default); block helpers, partials,
    comments, triple braces and unquoted arguments are not previewed.
    """
    if "\\{{" in template or "{{{" in template:
        raise NotPreviewed(f"'{template}' uses Handlebars escapes or triple braces")
    out, last = [], 0
    for match in _MUSTACHE.finditer(template):
        out.append(template[last: match.start()])
        last = match.end()
        body = match.group(1).strip()
        if not body or body[0] in "#/!>^~&(" or body.endswith("~") or body.startswith("else"):
            raise NotPreviewed(f"'{{{{{match.group(1)}}}}}' is Handlebars beyond plain values and date helpers")
        name_match = re.match(r"[A-Za-z_][\w.]*", body)
        if not name_match:
            raise NotPreviewed(f"'{{{{{match.group(1)}}}}}' is not a plain Handlebars expression")
        name, rest = name_match.group(0), body[name_match.end():]
        args, hash_args = [], {}
        while rest.strip():
            arg = _HELPER_ARGS.match(rest)
            if not arg:
                raise NotPreviewed(f"'{{{{{match.group(1)}}}}}' has arguments the preview does not read "
                                   "(quote them: {{date 'YYYYMMDD'}})")
            text = arg.group("sq") if arg.group("sq") is not None else arg.group("dq")
            if arg.group("key"):
                hash_args[arg.group("key")] = text
            else:
                args.append(text)
            rest = rest[arg.end():]
        value = values.get(name)
        if callable(value):
            out.append(_escape(value(*args, **hash_args)))
        elif args or hash_args:
            raise MetadataError(f'Missing helper: "{name}"')
        else:
            out.append(_escape(str(value)) if value is not None else "")
    if "{{" in template[last:]:
        raise NotPreviewed(f"'{template}' has an unclosed '{{{{'")
    out.append(template[last:])
    return "".join(out)


def is_raw_statement(pattern: str) -> bool:
    """True for a pattern that is exactly {{raw}} (spaces allowed inside the braces)."""
    return re.fullmatch(r"\{\{\s*raw\s*\}\}", pattern) is not None


# -- moment.js date formats ------------------------------------------------------------

_MOMENT_TOKEN = re.compile(
    r"(\[[^\[]*\])|(\\)?([Hh]mm(?:ss)?|Mo|MM?M?M?|Do|DDDo|DD?D?D?|ddd?d?|do?|w[o|w]?|W[o|W]?|Qo?|N{1,5}"
    r"|YYYYYY|YYYYY|YYYY|YY|y{2,4}|yo?|gg(?:ggg?)?|GG(?:GGG?)?|e|E|a|A|hh?|HH?|kk?|mm?|ss?|S{1,9}|x|X|zz?|ZZ?|.)",
    re.DOTALL,
)
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _offset(moment: dt.datetime, sep: str) -> str:
    minutes = int(moment.utcoffset().total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}{sep}{abs(minutes) % 60:02d}"


def _hour12(moment: dt.datetime) -> int:
    return moment.hour % 12 or 12


_MOMENT_FORMATTERS = {
    "YYYY": lambda m: f"{m.year:04d}",
    "YY": lambda m: f"{m.year % 100:02d}",
    "MMMM": lambda m: _MONTHS[m.month - 1],
    "MMM": lambda m: _MONTHS[m.month - 1][:3],
    "MM": lambda m: f"{m.month:02d}",
    "M": lambda m: str(m.month),
    "DD": lambda m: f"{m.day:02d}",
    "D": lambda m: str(m.day),
    "Do": lambda m: _ordinal(m.day),
    "dddd": lambda m: _DAYS[m.weekday()],
    "ddd": lambda m: _DAYS[m.weekday()][:3],
    "HH": lambda m: f"{m.hour:02d}",
    "H": lambda m: str(m.hour),
    "hh": lambda m: f"{_hour12(m):02d}",
    "h": lambda m: str(_hour12(m)),
    "mm": lambda m: f"{m.minute:02d}",
    "m": lambda m: str(m.minute),
    "ss": lambda m: f"{m.second:02d}",
    "s": lambda m: str(m.second),
    "Hmm": lambda m: f"{m.hour}{m.minute:02d}",
    "Hmmss": lambda m: f"{m.hour}{m.minute:02d}{m.second:02d}",
    "hmm": lambda m: f"{_hour12(m)}{m.minute:02d}",
    "hmmss": lambda m: f"{_hour12(m)}{m.minute:02d}{m.second:02d}",
    "A": lambda m: "AM" if m.hour < 12 else "PM",
    "a": lambda m: "am" if m.hour < 12 else "pm",
    "Z": lambda m: _offset(m, ":"),
    "ZZ": lambda m: _offset(m, ""),
    "X": lambda m: str(int(m.timestamp())),
    "x": lambda m: str(int(m.timestamp() * 1000)),
}


def format_moment(moment: dt.datetime, fmt: str) -> str:
    """moment(date).format(fmt) for the common tokens; others are not previewed."""
    out = []
    for match in _MOMENT_TOKEN.finditer(fmt):
        bracket, escaped, token = match.group(1), match.group(2), match.group(3)
        if bracket:
            out.append(bracket[1:-1])
        elif escaped:
            out.append(token)
        elif token in _MOMENT_FORMATTERS:
            out.append(_MOMENT_FORMATTERS[token](moment))
        elif re.fullmatch(r"S{1,9}", token):
            out.append(f"{moment.microsecond:06d}000"[: len(token)])
        elif len(token) == 1 and (not token.isalpha() or token == "T"):  # moment copies these as they are
            out.append(token)
        else:
            raise NotPreviewed(f"the date format token '{token}' in '{fmt}' is not previewed")
    return "".join(out)


def _date_helper(moment: dt.datetime):
    def helper(fmt=None, **hash_args):
        if fmt is None:
            raise NotPreviewed("a date helper without a quoted format ({{date 'YYYYMMDD'}}) is not previewed")
        zone = "UTC"
        for key, value in hash_args.items():
            if key != "tz":
                raise MetadataError(f"Unknown {key} attribute")
            zone = value
        try:
            tz = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise NotPreviewed(f"time zone '{zone}' is not known here") from None
        return format_moment(moment.astimezone(tz), fmt)

    return helper


# -- evaluation ------------------------------------------------------------------------


def _after(prefix: str, ref: str) -> str | None:
    return ref[len(prefix):] if ref.startswith(prefix) else None


def sanitize_tag(tag: str) -> str:
    return re.sub(r"[^a-zA-Z0-9._-]+", "-", tag)


class Meta:
    """The action's computation for one run: version (main, partial, latest) and tags."""

    def __init__(self, images: list[Image], rules: list[TagRule], flavor: Flavor, ctx: MetaContext):
        self.images, self.rules, self.flavor, self.ctx = images, rules, flavor, ctx

    def short_sha(self) -> str:
        length = self.ctx.short_sha_length
        return self.ctx.sha if length >= len(self.ctx.sha) else self.ctx.sha[:length]

    def global_values(self) -> dict:
        ctx = self.ctx
        branch = _after("refs/heads/", ctx.ref)
        tag = _after("refs/tags/", ctx.ref)

        def base_ref():
            # the action reads the push payload's base_ref for tags, the PR's base for PRs
            if ctx.ref.startswith(("refs/tags/", "refs/pull/")):
                if ctx.base_ref is None:
                    raise NotPreviewed("{{base_ref}} on a tag push comes from GitHub's push payload, "
                                       "which often leaves it empty")
                return ctx.base_ref
            return ""

        def is_default_branch():
            name = ctx.ref.replace("refs/heads/", "", 1) if ctx.ref.startswith("refs/heads/") else ctx.ref
            if not name:
                return "false"
            if name == ctx.default_branch:
                return "true"
            if any(event in ctx.event_name for event in DEFAULT_BRANCH_EVENTS):
                return "true"
            return "false"

        return {
            "branch": lambda: branch or "",
            "tag": lambda: tag or "",
            "sha": self.short_sha,
            "base_ref": base_ref,
            "is_default_branch": is_default_branch,
            "is_not_default_branch": lambda: "true" if is_default_branch() == "false" else "false",
            "date": _date_helper(ctx.date),
            "commit_date": _date_helper(ctx.commit_date or ctx.date),
        }

    def expand(self, text: str) -> str:
        return render_template(text, self.global_values())

    def _affixed(self, value: str, rule: TagRule) -> str:
        if "prefix" in rule.attrs:
            value = self.expand(rule.attrs["prefix"]) + value
        elif self.flavor.prefix:
            value = self.expand(self.flavor.prefix) + value
        if "suffix" in rule.attrs:
            value = value + self.expand(rule.attrs["suffix"])
        elif self.flavor.suffix:
            value = value + self.expand(self.flavor.suffix)
        return value

    def _latest(self, auto: bool) -> bool:
        return auto if self.flavor.latest == "auto" else self.flavor.latest == "true"

    def version(self) -> Version:
        version = Version()
        for rule in self.rules:
            enabled = self.expand(rule.attrs["enable"])
            if enabled not in ("true", "false"):
                raise MetadataError(f"Invalid value for enable attribute: {enabled}")
            if enabled != "true":
                continue
            if rule.type not in SUPPORTED_TYPES:  # a disabled one is harmless; an enabled one is not guessed
                raise NotPreviewed(f"type={rule.type} ('{rule.source}') is outside the rules the preview evaluates")
            produced = getattr(self, f"_{rule.type}")(rule)
            if produced is not None:
                _set_version(version, *produced)
        version.partial = list(dict.fromkeys(version.partial))
        if version.latest is None:
            version.latest = False
        return version

    # One method per rule type: (value, latest under latest=auto), or None.

    def _schedule(self, rule):
        if "schedule" not in self.ctx.event_name:
            return None
        values = {"date": _date_helper(self.ctx.date), "commit_date": _date_helper(self.ctx.commit_date or self.ctx.date)}
        return self._affixed(render_template(rule.attrs["pattern"], values), rule), self._latest(False)

    def _semver(self, rule):
        tag = _after("refs/tags/", self.ctx.ref)
        if tag is None and not rule.attrs["value"]:
            return None
        raw = self.expand(rule.attrs["value"]) if rule.attrs["value"] else tag
        if rule.attrs.get("match"):  # the action keeps the regular expression's first group
            try:
                found = re.search(rule.attrs["match"], raw)
            except re.error:
                raise NotPreviewed(f"match={rule.attrs['match']} is a regular expression the preview cannot read") from None
            if found is not None:
                if found.re.groups < 1 or found.group(1) is None:
                    raise MetadataError(f"match={rule.attrs['match']} has no group: the action takes its first group")
                raw = found.group(1)
        raw = raw.replace("/", "-")
        parsed = parse_semver(raw)
        if parsed is None:
            return None  # the action warns "... is not a valid semver" and skips the rule
        pattern = rule.attrs["pattern"]
        unknown = {m.group(1).strip() for m in _MUSTACHE.finditer(pattern)} - set(SEMVER_PATTERN_FIELDS)
        if unknown:
            raise NotPreviewed(f"'{pattern}' uses {', '.join(sorted(unknown))}; the preview knows "
                               + ", ".join(f"{{{{{f}}}}}" for f in SEMVER_PATTERN_FIELDS))
        if parsed.prerelease:  # pre-releases only ever get {{version}}, or {{raw}} if that is the whole pattern
            value = render_template(pattern if is_raw_statement(pattern) else "{{version}}", parsed.fields())
            return self._affixed(value, rule), self._latest(False)
        return self._affixed(render_template(pattern, parsed.fields()), rule), self._latest(True)

    def _ref(self, rule):
        event = rule.attrs["event"]
        if event == "branch":
            branch = _after("refs/heads/", self.ctx.ref)
            return None if branch is None else (self._affixed(branch, rule), self._latest(False))
        if event == "tag":
            tag = _after("refs/tags/", self.ctx.ref)
            return None if tag is None else (self._affixed(tag, rule), self._latest(True))
        pull = _after("refs/pull/", self.ctx.ref)
        if pull is None:
            return None
        number = pull[: -len("/merge")] if pull.endswith("/merge") else pull
        return self._affixed(number, rule), self._latest(False)

    def _edge(self, rule):
        branch = _after("refs/heads/", self.ctx.ref)
        if branch is None:
            return None
        wanted = rule.attrs["branch"] or self.ctx.default_branch
        if wanted != branch:
            return None
        return self._affixed("edge", rule), self._latest(False)

    def _raw(self, rule):
        return self._affixed(self.expand(rule.attrs["value"]), rule), self._latest(False)

    def _sha(self, rule):
        if not self.ctx.sha:
            return None
        value = self.short_sha() if rule.attrs["format"] == "short" else self.ctx.sha
        return self._affixed(value, rule), self._latest(False)

    def tags(self, version: Version) -> list[str]:
        if not version.main:
            return []
        latest = ""
        if version.latest:
            latest = sanitize_tag(f"{self.flavor.prefix if self.flavor.prefix_latest else ''}latest"
                                  f"{self.flavor.suffix if self.flavor.suffix_latest else ''}")
        names = [image.name.lower() for image in self.images if image.enable]
        out = []
        for name in names or [""]:
            lead = f"{name}:" if name else ""
            out.append(f"{lead}{version.main}")
            out += [f"{lead}{partial}" for partial in version.partial]
            if latest:
                out.append(f"{lead}{latest}")
        return out


def _set_version(version: Version, value: str, latest: bool) -> None:
    if not value:
        return
    value = sanitize_tag(value)
    if version.main is None:
        version.main = value
    elif value != version.main:
        version.partial.append(value)
    if version.latest is None:
        version.latest = latest


def compute(images: str | None, tags: str | None, flavor: str | None, ctx: MetaContext) -> MetaResult:
    """The action's version and `tags` output for these input texts (after `${{ }}` substitution)."""
    meta = Meta(parse_images(list_input(images)), parse_tag_rules(list_input(tags)),
                parse_flavor(list_input(flavor)), ctx)
    version = meta.version()
    return MetaResult(version, meta.tags(version))


