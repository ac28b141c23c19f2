"""docker/metadata-action's input grammar that every check reads: list inputs, CSV fields,
and the `images` input. The ghcr layer needs these for each workflow that uses the action;
evaluating `tags` and `flavor` (metadata.py) is the preview's, and loads only with it."""
from __future__ import annotations

from ..records import record


class MetadataError(Exception):
    """docker/metadata-action would fail with this message."""


@record
class Image:
    name: str
    enable: bool = True


def list_input(text: str | None) -> list[str]:
    """A list input: one entry a line; lines starting with # are comments (v6 keeps # inside values)."""
    if not text:
        return []
    entries = []
    for line in str(text).splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            entries.append(line)
    return entries


def csv_fields(line: str) -> list[str]:
    """One CSV record: commas split fields, double quotes protect them ("" is a quote)."""
    if '"' not in line:
        return line.split(",")
    fields, current, i, quoted = [], [], 0, False
    while i < len(line):
        ch = line[i]
        if quoted:
            if ch == '"' and line[i + 1: i + 2] == '"':
                current.append('"')
                i += 1
            elif ch == '"':
                quoted = False
            else:
                current.append(ch)
        elif ch == '"' and not "".join(current).strip():
            quoted = True
            current = []
        elif ch == '"':
            raise MetadataError(f"Invalid Opening Quote: a quote is found on field {len(fields)} of '{line}'")
        elif ch == ",":
            fields.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    if quoted:
        raise MetadataError(f"Quote Not Closed: the parsing is finished with an opening quote in '{line}'")
    fields.append("".join(current))
    return fields


def parse_images(lines: list[str]) -> list[Image]:
    if len(lines) == 1:  # the old form: `images: a/b,ghcr.io/c/d`
        fields = [f.strip() for f in csv_fields(lines[0])]
        if all("=" not in f for f in fields):
            return [Image(f) for f in fields if f]
    images = []
    for line in lines:
        image = Image("")
        for raw in csv_fields(line):
            parts = [p.strip() for p in raw.split("=")]
            if len(parts) == 1:
                image.name = parts[0]
                continue
            key, value = parts[0].lower(), parts[1]
            if key == "name":
                image.name = value
            elif key == "enable":
                if value not in ("true", "false"):
                    raise MetadataError(f"Invalid enable attribute value: {line}")
                image.enable = value == "true"
            else:
                raise MetadataError(f"Unknown image attribute: {line}")
        if not image.name:
            raise MetadataError(f"Image name attribute empty: {line}")
        images.append(image)
    return images
