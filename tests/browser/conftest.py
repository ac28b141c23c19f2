"""Browser tests: the built site, served on 127.0.0.1, driven in Debian's Chromium.

Playwright never downloads a browser here: it launches CHROMIUM_PATH or
/usr/bin/chromium, and a browser that cannot start fails the tests (never skips).
Every test's browser context records console errors and requests to any host but
127.0.0.1; a test that caused either fails.

GHCR_BROWSER_SITE=<dir> serves an already built site instead of building one
(handy while working on a page; CI always builds).
"""
from __future__ import annotations

import functools
import json
import os
import re
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[2]


def pytest_configure(config):
    # pytest-playwright 0.10 defines its session fixture base_url as a method, which pytest 9
    # deprecates; nothing here depends on it.
    config.addinivalue_line(
        "filterwarnings",
        "ignore:Session-scoped fixtures defined as instance methods:pytest.PytestRemovedIn10Warning")


# Auto-retrying assertions wait this long: a loaded CI machine can take seconds per page.
expect.set_options(timeout=15_000)

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
LOCAL_HOST = "127.0.0.1"
SCREENSHOTS = ROOT / "test-output" / "screenshots"


def chromium_path() -> str:
    return os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"


# -- the browser ---------------------------------------------------------------

@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    path = chromium_path()
    if not (Path(path).is_file() and os.access(path, os.X_OK)) and not shutil.which(path):
        pytest.fail(f"no Chromium at {path}: run `make chromium` (Debian: apt-get install chromium), "
                    "or set CHROMIUM_PATH", pytrace=False)
    return {**browser_type_launch_args, "executable_path": path, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}, "accept_downloads": True,
            "locale": "en-GB", "color_scheme": "light"}


class Watch:
    """What a browser context did that a page of this site must never do."""

    def __init__(self, context):
        self.console_errors: list[str] = []
        self.off_host: list[str] = []
        context.on("request", self._request)
        context.on("page", self._page)

    def _page(self, page):
        page.on("console", lambda message: message.type == "error" and self.console_errors.append(
            f"{page.url}: {message.text}"))
        page.on("pageerror", lambda error: self.console_errors.append(f"{page.url}: uncaught {error}"))

    def _request(self, request):
        url = request.url
        if url.startswith(("data:", "about:")):
            return
        host = urlsplit(url[len("blob:"):] if url.startswith("blob:") else url).hostname
        if host != LOCAL_HOST:
            self.off_host.append(url)

    def problems(self) -> list[str]:
        return ([f"console error: {e}" for e in self.console_errors]
                + [f"request to another host: {u}" for u in self.off_host])


@pytest.fixture
def watch(context) -> Watch:
    return context._ghcr_watch


@pytest.fixture
def context(new_context, site_server):
    context = new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site_server)
    # nothing may leave the machine: requests elsewhere are recorded, then refused
    context.route(lambda url: urlsplit(url).hostname not in (LOCAL_HOST, None), lambda route: route.abort())
    context._ghcr_watch = Watch(context)
    yield context
    problems = context._ghcr_watch.problems()
    assert not problems, "the site misbehaved in the browser:\n" + "\n".join(problems)


# -- the site --------------------------------------------------------------------

@pytest.fixture(scope="session")
def site_dir(request) -> Path:
    prebuilt = os.environ.get("GHCR_BROWSER_SITE")
    if prebuilt:
        path = Path(prebuilt)
        assert (path / "index.html").is_file(), f"GHCR_BROWSER_SITE={prebuilt} holds no built site"
        return path
    return request.getfixturevalue("built_site")


class _SiteHandler(SimpleHTTPRequestHandler):
    """Static files, quietly; sitemap.xml as if the site were deployed at this address.

    Material's instant navigation only takes over links the sitemap lists, on the
    sitemap's own host and port: the sitemap names site_url, so it is moved here.
    """

    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".yml": "text/yaml; charset=utf-8",
                      ".json": "application/json"}

    def do_GET(self):  # noqa: N802 - the base class's name
        if urlsplit(self.path).path != "/sitemap.xml":
            return super().do_GET()
        text = (Path(self.directory) / "sitemap.xml").read_text("utf-8")
        locations = re.findall(r"<loc>([^<]*)</loc>", text)
        if locations:
            deployed = min(locations, key=len)  # the home page: site_url itself
            text = text.replace(f"<loc>{deployed}", f"<loc>http://{LOCAL_HOST}:{self.server.server_address[1]}/")
        body = text.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="session")
def site_server(site_dir):
    """http://127.0.0.1:<free port>, serving the built site from a thread."""
    server = ThreadingHTTPServer((LOCAL_HOST, 0), functools.partial(_SiteHandler, directory=str(site_dir)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://{LOCAL_HOST}:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def variant_index(site_dir) -> dict:
    return json.loads((site_dir / "builder" / "variants.json").read_text("utf-8"))


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
