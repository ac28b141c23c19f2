"""The workflow builder in a real browser: what a reader copies is what the build checked."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from macros import builder
from macros.sitebuild import SiteBuild

ROOT = Path(__file__).resolve().parents[2]
READY = "[data-ghcr-builder][data-builder-state=ready]"
PLACEHOLDER = "ghcr.io/your-org/your-image"


@pytest.fixture(scope="session")
def composition():
    return builder.load_composition(ROOT)


@pytest.fixture(scope="session")
def checked_texts() -> dict:
    """Every snippet rendering, as the site build renders (and checks) it."""
    build = SiteBuild(ROOT, validate=False)
    build.prepare()
    return build.texts


class BuilderPage:
    def __init__(self, page: Page, site_server: str, site_dir: Path, index: dict):
        self.page, self.server, self.site_dir, self.index = page, site_server, site_dir, index
        self.root = page.locator("[data-ghcr-builder]")

    def open(self, query: str = "") -> "BuilderPage":
        self.page.goto(f"{self.server}/builder/{query}")
        self.wait()
        return self

    def wait(self, key: str | None = None) -> None:
        expect(self.page.locator(READY)).to_have_count(1)
        if key is not None:
            expect(self.root).to_have_attribute("data-builder-key", key)
        expect(self.page.locator(READY)).to_have_count(1)

    @property
    def key(self) -> str:
        return self.root.get_attribute("data-builder-key")

    @property
    def text(self) -> str:
        return self.page.locator("[data-builder-code]").text_content()

    @property
    def message(self) -> str:
        return self.page.locator("[data-builder-message]").text_content()

    def choose(self, name: str, value: str) -> None:
        """Set a control the way a reader does: click a radio or checkbox, pick an option."""
        controls = self.page.locator(f'form[data-builder-form] [name="{name}"]')
        first = controls.first
        kind = first.get_attribute("type") or first.evaluate("el => el.tagName.toLowerCase()")
        if kind == "select":
            first.select_option(value)
        elif kind == "checkbox":
            first.set_checked(value == first.get_attribute("value"))
        elif kind == "radio":
            self.page.locator(f'form[data-builder-form] input[name="{name}"][value="{value}"]').check()
        else:
            first.fill(value)

    def state(self) -> dict:
        return self.page.evaluate("""() => {
            const form = document.querySelector('form[data-builder-form]');
            const state = {};
            for (const el of form.elements) {
                if (!el.name) continue;
                if (el.type === 'checkbox') state[el.name] = el.checked ? el.value : el.getAttribute('data-off');
                else if (el.type === 'radio') { if (el.checked) state[el.name] = el.value; }
                else state[el.name] = el.value;
            }
            return state;
        }""")

    def raw_file(self, key: str, refs: str) -> str:
        entry = self.index["variants"][key]
        return (self.site_dir / "builder" / entry[refs]).resolve().read_text("utf-8")


@pytest.fixture
def builder_page(page, site_server, site_dir, variant_index) -> BuilderPage:
    return BuilderPage(page, site_server, site_dir, variant_index)


def expected_key(composition, state: dict) -> str:
    return composition.variant_key({o["name"]: state[o["name"]] for o in composition.OPTIONS})


def substituted(text: str, places: list, image: str) -> str:
    """The checked text with the placeholder replaced at the index's places, computed here."""
    lines = text.split("\n")
    for line, column, part in places:
        mark = PLACEHOLDER if part == "image" else PLACEHOLDER.rsplit("/", 1)[1]
        value = image if part == "image" else image.rsplit("/", 1)[1]
        row = lines[line - 1]
        assert row[column - 1: column - 1 + len(mark)] == mark
        lines[line - 1] = row[: column - 1] + value + row[column - 1 + len(mark):]
    return "\n".join(lines)


def test_the_index_covers_every_combination(variant_index, composition):
    keys = {composition.variant_key(choice) for choice in composition.all_choices()}
    assert set(variant_index["variants"]) == keys
    assert all(entry["places"] for entry in variant_index["variants"].values())


def test_every_option_changes_the_workflow_to_its_checked_variant(builder_page, composition, checked_texts):
    b = builder_page.open()
    state = b.state()
    assert b.key == expected_key(composition, state)
    shown = b.text
    assert shown == checked_texts[(f"builder/{b.key}", "tags")] == b.raw_file(b.key, "tags")
    for option in b.index["options"]:
        original = state[option["name"]]
        for value in [v for v in option["values"] if v != original] + [original]:
            b.choose(option["name"], value)
            state = b.state()
            assert state[option["name"]] == value
            key = expected_key(composition, state)
            b.wait(key)
            assert b.text != shown, f"choosing {option['name']}={value!r} left the workflow as it was"
            shown = b.text
            assert shown == checked_texts[(f"builder/{key}", "tags")] == b.raw_file(key, "tags")
    b.choose("refs", "pinned")
    expect(b.root).to_have_attribute("data-builder-raw-url", re.compile(r"\.pinned\.yml$"))
    b.wait()
    assert b.text != shown
    assert b.text == checked_texts[(f"builder/{b.key}", "pinned")] == b.raw_file(b.key, "pinned")


CHOICES = {"publish": "push-main+tags-v", "pr": "pr", "platforms": "amd64-arm64", "cache": "gha", "tags": "meta",
           "provenance": "prov", "attest": "attest", "sign": "sign", "hub": "hub", "refs": "pinned",
           "image": "ghcr.io/acme/web-app"}


def test_a_copied_permalink_restores_the_choices(builder_page, context, composition):
    b = builder_page.open()
    for name, value in CHOICES.items():
        b.choose(name, value)
    key = expected_key(composition, CHOICES)
    b.wait(key)
    expect(b.page.locator("[data-builder-code]")).to_contain_text("IMAGE: ghcr.io/acme/web-app\n")
    shown = b.text
    b.page.locator("[data-builder-permalink]").click()
    expect(b.page.locator("[data-builder-status]")).to_contain_text("Link copied")
    link = b.page.evaluate("navigator.clipboard.readText()")
    assert link.startswith(f"{b.server}/builder/?")
    other = BuilderPage(context.new_page(), b.server, b.site_dir, b.index)
    other.page.goto(link)
    other.wait(key)
    assert other.state() == {**b.state()}
    assert other.state() == CHOICES
    assert other.text == shown


@pytest.mark.parametrize("name, why", [
    ("ghcr.io/Acme/Web", "lowercase"),
    ("docker.io/acme/web", "Start with ghcr.io/"),
    ("ghcr.io/acme/web:1.0", "Leave out the tag"),
    ("ghcr.io/web", "Add the owner"),
    ("ghcr.io/acme//web", "empty part"),
    ("ghcr.io/acme/-web", "not allowed"),
    ("ghcr.io/acme/web app", "spaces"),
    ("", "Type an image name"),
])
def test_a_bad_image_name_is_refused_with_a_message(builder_page, name, why):
    b = builder_page.open()
    checked = b.text
    b.choose("image", name)
    expect(b.page.locator("[data-builder-message]")).to_contain_text(why)
    expect(b.page.locator("[data-builder-message]")).to_contain_text(f"keeps {PLACEHOLDER}")
    expect(b.page.locator("#builder-image")).to_have_attribute("aria-invalid", "true")
    b.wait()
    assert b.text == checked, "a refused name must leave the checked workflow untouched"


def test_a_good_name_changes_only_the_proven_places(builder_page, composition):
    b = builder_page.open()
    for name, value in {"hub": "hub", "sign": "sign", "tags": "meta"}.items():
        b.choose(name, value)
    b.choose("image", "ghcr.io/acme/tools/web_app")
    key = expected_key(composition, b.state())
    b.wait(key)
    expect(b.page.locator("[data-builder-message]")).to_have_text("")
    expect(b.page.locator("#builder-image")).not_to_have_attribute("aria-invalid", "true")
    checked = b.raw_file(key, "tags")
    places = b.index["variants"][key]["places"]
    assert [p[2] for p in places] == ["image", "name"]
    expect(b.page.locator("[data-builder-code]")).to_contain_text("IMAGE: ghcr.io/acme/tools/web_app\n")
    shown = b.text
    assert shown == substituted(checked, places, "ghcr.io/acme/tools/web_app")
    changed = [n for n, (a, c) in enumerate(zip(shown.split("\n"), checked.split("\n")), 1) if a != c]
    assert changed == [p[0] for p in places]
    assert "HUB_IMAGE: docker.io/${{ vars.DOCKERHUB_USERNAME }}/web_app\n" in shown
    assert PLACEHOLDER not in shown and "your-image" not in shown
    # the tag preview follows the choices and the name
    preview = b.page.locator("[data-builder-preview] table")
    expect(preview).to_contain_text("Push to main")
    expect(preview).to_contain_text("ghcr.io/acme/tools/web_app:main")
    expect(preview).to_contain_text("/web_app:main")
    assert "your-image" not in preview.text_content()


def test_copy_and_download_give_the_shown_bytes(builder_page):
    b = builder_page.open("?image=ghcr.io/acme/web&sign=sign")
    b.wait()
    shown = b.text
    assert "IMAGE: ghcr.io/acme/web\n" in shown and shown.endswith("\n")
    b.page.locator("[data-builder-copy]").click()
    expect(b.page.locator("[data-builder-status]")).to_contain_text("copied")
    assert b.page.evaluate("navigator.clipboard.readText()") == shown
    with b.page.expect_download() as download:
        b.page.locator("[data-builder-download]").click()
    assert download.value.suggested_filename == b.index["file"]
    assert Path(download.value.path()).read_bytes() == shown.encode("utf-8")
    raw = b.page.locator("[data-builder-raw]").get_attribute("href")
    assert raw.endswith(f"snippets/builder/{b.key}.yml")
    assert b.page.request.get(raw).text() == b.raw_file(b.key, "tags")


def test_the_builder_works_when_reached_by_a_link(page, site_server, site_dir, variant_index, composition):
    page.goto(f"{site_server}/")
    page.evaluate("window.__notReloaded = true")
    page.locator('a[href$="builder/"] >> visible=true').first.click()
    b = BuilderPage(page, site_server, site_dir, variant_index)
    b.wait()
    assert page.evaluate("window.__notReloaded === true"), (
        "the link reloaded the page: navigation.instant only takes over links that sitemap.xml lists, "
        "and the sitemap is empty unless mkdocs.yml sets site_url")
    b.choose("platforms", "amd64-arm64")
    b.wait(expected_key(composition, b.state()))
    assert "platforms: linux/amd64,linux/arm64\n" in b.text
    # away and back: the new copy of the page gets its own builder
    page.locator('a[href$="tutorial/"] >> visible=true').first.click()
    expect(page.locator("[data-ghcr-builder]")).to_have_count(0)
    page.go_back()
    b.wait()
    assert page.evaluate("window.__notReloaded === true")


def test_the_builder_page_screenshot(builder_page, screenshots):
    b = builder_page.open("?tags=meta&attest=attest&image=ghcr.io/acme/web")
    b.page.screenshot(path=str(screenshots / "builder.png"), full_page=True)
    assert (screenshots / "builder.png").stat().st_size > 10_000
