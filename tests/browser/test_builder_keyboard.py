"""The workflow builder from the keyboard alone: Tab reaches every control, Space, Enter
and the arrow keys set every option, and whatever has focus shows a visible ring.

No click and no programmatic focus here: the page is opened and then driven with
key presses only, as a reader without a mouse would.
"""
from __future__ import annotations

from playwright.sync_api import expect

READY = "[data-ghcr-builder][data-builder-state=ready]"
MAX_TABS = 400  # the header, the navigation and the table of contents come first

# What document.activeElement is, in words a failure message can show.
DESCRIBE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  return {
    inBuilder: !!el.closest('[data-ghcr-builder]'),
    tag: el.tagName.toLowerCase(), type: el.type || '', name: el.name || '', value: el.value || '',
    checked: !!el.checked, role: el.getAttribute('data-builder-copy') !== null ? 'copy'
      : el.getAttribute('data-builder-permalink') !== null ? 'permalink'
      : el.getAttribute('data-builder-download') !== null ? 'download'
      : el.getAttribute('data-builder-raw') !== null ? 'raw'
      : el.getAttribute('data-builder-code') !== null ? 'code' : '',
    focusVisible: el.matches(':focus-visible'),
    outline: [style.outlineStyle, style.outlineWidth],
  };
}"""


def _focused(page) -> dict | None:
    return page.evaluate(DESCRIBE)


def _label(el: dict) -> str:
    return el["role"] or el["name"] or el["tag"]


def _tab_through_builder(page) -> list[dict]:
    """Tab from the top of the page to past the builder; every stop inside it, in order."""
    stops, left = [], False
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        el = _focused(page)
        if el and el["inBuilder"]:
            stops.append(el)
        elif stops:
            left = True
            break
    assert left, f"Tab never left the builder, or never reached it: {[_label(s) for s in stops]}"
    return stops


def _ring_is_visible(el: dict) -> bool:
    style, width = el["outline"]
    return el["focusVisible"] and style not in ("none", "") and float(width.rstrip("px") or 0) >= 2


def _tab_to(page, wanted) -> dict:
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        el = _focused(page)
        if el and el["inBuilder"] and wanted(el):
            return el
    raise AssertionError("Tab never reached the control")


def _shown(page) -> str:
    """The checked file the builder shows: every option, the action references included, changes it."""
    expect(page.locator(READY)).to_have_count(1)
    return page.locator("[data-ghcr-builder]").get_attribute("data-builder-raw-url")


def _checked(page, name: str) -> list[str]:
    return page.locator(f'form[data-builder-form] input[name="{name}"]:checked').evaluate_all(
        "els => els.map(el => el.value)")


def test_tab_reaches_every_control_of_the_builder_with_a_visible_focus_ring(page, site_server):
    page.goto(f"{site_server}/builder/")
    expect(page.locator(READY)).to_have_count(1)
    stops = _tab_through_builder(page)
    reached = {_label(s) for s in stops}
    names = set(page.locator("form[data-builder-form] [name]").evaluate_all("els => els.map(el => el.name)"))
    assert names <= reached, f"not reached by Tab: {sorted(names - reached)}"
    assert {"copy", "download", "permalink", "raw", "code"} <= reached, reached
    hidden = [f"{_label(s)} {s['outline']}" for s in stops if not _ring_is_visible(s)]
    assert not hidden, f"focus without a visible ring: {hidden}"


def test_space_enter_and_arrows_set_every_option(page, site_server):
    page.goto(f"{site_server}/builder/")
    expect(page.locator(READY)).to_have_count(1)
    radios = page.locator("form[data-builder-form] input[type=radio]").evaluate_all(
        "els => els.map(el => [el.name, el.value])")
    groups: dict[str, list[str]] = {}
    for name, value in radios:
        groups.setdefault(name, []).append(value)
    checkboxes = page.locator("form[data-builder-form] input[type=checkbox]").evaluate_all(
        "els => els.map(el => el.name)")

    for name, values in groups.items():
        page.goto(f"{site_server}/builder/")
        start = _tab_to(page, lambda el, n=name: el["name"] == n)
        seen = [start["value"]]
        for _ in values[1:]:
            before = _shown(page)
            page.keyboard.press("ArrowDown")
            expect(page.locator("[data-ghcr-builder]")).not_to_have_attribute("data-builder-raw-url", before)
            seen.append(_checked(page, name)[0])
        assert sorted(seen) == sorted(values), (name, seen)
        # Enter picks the focused option too: back to the first one with the arrows, then Enter
        page.keyboard.press("ArrowDown")
        assert _checked(page, name) == [values[0]]
        page.keyboard.press("Enter")
        assert _checked(page, name) == [values[0]], "Enter keeps the focused option chosen"

    page.goto(f"{site_server}/builder/")
    expect(page.locator(READY)).to_have_count(1)
    for name in checkboxes:
        _tab_to(page, lambda el, n=name: el["name"] == n)
        before = _shown(page)
        page.keyboard.press("Space")
        expect(page.locator("[data-ghcr-builder]")).not_to_have_attribute("data-builder-raw-url", before)
        assert _checked(page, name), f"Space did not tick {name}"
        page.keyboard.press("Enter")
        expect(page.locator("[data-ghcr-builder]")).to_have_attribute("data-builder-raw-url", before)
        assert not _checked(page, name), f"Enter did not untick {name}"
        page.keyboard.press("Shift+Tab")  # back before it, so the next search starts here
        page.keyboard.press("Shift+Tab")

    page.goto(f"{site_server}/builder/")
    expect(page.locator(READY)).to_have_count(1)
    select = _tab_to(page, lambda el: el["tag"] == "select")
    page.keyboard.press("ArrowDown")
    assert page.locator(f'select[name="{select["name"]}"]').input_value() != select["value"]


def test_the_image_name_and_the_buttons_work_from_the_keyboard(page, site_server):
    page.goto(f"{site_server}/builder/")
    expect(page.locator(READY)).to_have_count(1)
    _tab_to(page, lambda el: el["name"] == "image")
    page.keyboard.press("Control+A")
    page.keyboard.type("ghcr.io/octo-org/keyboard")
    expect(page.locator("[data-builder-code]")).to_contain_text("ghcr.io/octo-org/keyboard")
    _tab_to(page, lambda el: el["role"] == "copy")
    page.keyboard.press("Enter")
    expect(page.locator("[data-builder-status]")).to_have_text("Workflow copied.")
    assert "ghcr.io/octo-org/keyboard" in page.evaluate("navigator.clipboard.readText()")
    _tab_to(page, lambda el: el["role"] == "permalink")
    page.keyboard.press("Space")
    expect(page.locator("[data-builder-status]")).to_contain_text("Link copied")
    assert "image=ghcr.io%2Focto-org%2Fkeyboard" in page.evaluate("navigator.clipboard.readText()")
