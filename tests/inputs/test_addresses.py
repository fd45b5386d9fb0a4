"""The address policy under a hostile corpus: every spelling of a private address, names that
resolve to one, redirects, malformed URLs.

Each corpus test counts attempts, refusals and leaks (a request that reached a server, or a
refusal that named the host) and asserts that nothing leaked; run with `-s` to see the counts.
"""

from __future__ import annotations

import base64
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from minimax_s2v import AsyncMiniMaxVideo, InputError, MiniMaxError, MiniMaxVideo
from minimax_s2v.client import addresses
from minimax_s2v.client.addresses import (
    AddressNotAllowedError,
    AddressPolicy,
    GuardedBackend,
    is_public,
    literal_ip,
)
from minimax_s2v.fake import FAKE_API_KEY, FakeMiniMax, running_app, running_server
from tests.support.clients import FAST, MODES, Mode, call, close, image_bytes, new_fake

PNG = image_bytes()


class ImageHost:
    """A loopback server that serves a good face for any path, counting what reached it."""

    def __init__(self) -> None:
        self.hits: list[str] = []

        async def face(request: Request) -> Response:
            self.hits.append(request.url.path)
            return Response(PNG, media_type="image/png")

        self.app = Starlette(routes=[Route("/{path:path}", face)])


@pytest.fixture(scope="module")
def image_host() -> Iterator[tuple[ImageHost, int]]:
    host = ImageHost()
    with running_app(host.app) as url:
        yield host, httpx.URL(url).port or 0


@pytest.fixture(scope="module")
def fake_api() -> Iterator[tuple[FakeMiniMax, str]]:
    fake = FakeMiniMax()
    with running_server(fake) as url:
        yield fake, url


def _spellings(port: int) -> list[str]:
    """Loopback, private, link-local, ULA, multicast, reserved, unspecified: every spelling."""
    hosts = [
        "127.0.0.1",
        "127.1",
        "127.0.1",
        "2130706433",
        "0x7f000001",
        "0x7f.1",
        "0177.0.0.1",
        "017700000001",
        "127.0.0.1.",
        "localhost",
        "LOCALHOST",
        "localhost.",
        "face.localhost",
        "[::1]",
        "[0:0:0:0:0:0:0:1]",
        "[::ffff:127.0.0.1]",
        "[::ffff:7f00:1]",
        "[2002:7f00:1::]",
        "[64:ff9b::7f00:1]",
        "0.0.0.0",
        "0",
        "[::]",
        "10.0.0.1",
        "172.16.0.1",
        "192.168.1.1",
        "100.64.0.1",
        "169.254.169.254",
        "[fe80::1]",
        "[fd00::1]",
        "[fc00::1]",
        "224.0.0.1",
        "[ff02::1]",
        "240.0.0.1",
        "255.255.255.255",
        "198.18.0.1",
        "[::ffff:10.0.0.1]",
        "[::ffff:169.254.169.254]",
    ]
    urls = [f"http://{h}:{port}/face.png" for h in hosts]
    urls += [f"https://{h}/face.png" for h in ("127.0.0.1", "[::1]", "10.1.2.3")]
    urls += [f"HTTP://127.0.0.1:{port}/face.png", f"http://127.0.0.1:{port}/face.png#x"]
    return urls


def _tally(label: str, attempts: int, refused: int, leaked: list[str]) -> None:
    print(f"\ncorpus {label}: attempts={attempts} refused={refused} leaked={len(leaked)}")
    assert not leaked, leaked
    assert refused == attempts


def _leaks(exc: BaseException, url: str) -> bool:
    """A refusal that names the host, or its port, tells the caller what it asked about."""
    host = urlsplit(url).hostname or ""
    text = str(exc)
    refused = "not allowed" in text or "not a valid URL" in text
    return not refused or (host in text and host not in ("0",))


@pytest.mark.parametrize("mode", MODES)
async def test_every_spelling_of_a_private_address_is_refused_before_connecting(
    mode: Mode, image_host: tuple[ImageHost, int], fake_api: tuple[FakeMiniMax, str]
) -> None:
    host, port = image_host
    fake, base_url = fake_api
    kind = MiniMaxVideo if mode == "sync" else AsyncMiniMaxVideo
    client: Any = kind(FAKE_API_KEY, base_url=base_url, retry=FAST)
    before, tasks_before = len(host.hits), len(fake.tasks)
    corpus = _spellings(port)
    refused, leaked = 0, []
    for url in corpus:
        try:
            await call(client, "submit", url, "waves")
        except AddressNotAllowedError as exc:
            refused += 1
            if _leaks(exc, url):
                leaked.append(f"{url}: {exc}")
        except Exception as exc:  # noqa: BLE001 - anything else is a leak of another kind
            leaked.append(f"{url}: {type(exc).__name__}: {exc}")
        else:
            leaked.append(f"{url}: accepted")
    await close(client)
    if len(host.hits) != before:
        leaked.append(f"{len(host.hits) - before} requests reached the image host")
    if len(fake.tasks) != tasks_before:
        leaked.append("a task was billed")
    _tally(f"address spellings ({mode})", len(corpus), refused, leaked)


@pytest.mark.parametrize("mode", MODES)
async def test_a_name_that_resolves_to_a_private_address_is_refused(
    mode: Mode,
    image_host: tuple[ImageHost, int],
    fake_api: tuple[FakeMiniMax, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    host, port = image_host
    _fake, base_url = fake_api
    answers = {
        "rebind.example.test": ["127.0.0.1"],
        "mixed.example.test": ["93.184.216.34", "127.0.0.1"],
        "v6.example.test": ["::1"],
        "mapped.example.test": ["::ffff:127.0.0.1"],
        "metadata.example.test": ["169.254.169.254"],
    }
    asked: list[str] = []

    def resolve(name: str, _port: int) -> list[str]:
        asked.append(name)
        return answers[name]

    async def aresolve(name: str, _port: int) -> list[str]:
        return resolve(name, _port)

    monkeypatch.setattr(addresses, "system_resolver", resolve)
    monkeypatch.setattr(addresses, "async_system_resolver", aresolve)
    kind = MiniMaxVideo if mode == "sync" else AsyncMiniMaxVideo
    client: Any = kind(FAKE_API_KEY, base_url=base_url, retry=FAST)
    before = len(host.hits)
    refused, leaked = 0, []
    for name in answers:
        try:
            await call(client, "submit", f"http://{name}:{port}/face.png", "waves")
        except AddressNotAllowedError as exc:
            refused += 1
            if name in str(exc):
                leaked.append(str(exc))
        except Exception as exc:  # noqa: BLE001
            leaked.append(f"{name}: {type(exc).__name__}: {exc}")
    await close(client)
    assert sorted(asked) == sorted(answers)  # each name was resolved once, by the policy
    if len(host.hits) != before:
        leaked.append("a request reached the image host")
    _tally(f"names resolving privately ({mode})", len(answers), refused, leaked)


@pytest.mark.parametrize("mode", MODES)
async def test_allow_private_urls_fetches_a_loopback_image(
    mode: Mode, image_host: tuple[ImageHost, int], fake_api: tuple[FakeMiniMax, str]
) -> None:
    host, port = image_host
    fake, base_url = fake_api
    kind = MiniMaxVideo if mode == "sync" else AsyncMiniMaxVideo
    client: Any = kind(FAKE_API_KEY, base_url=base_url, retry=FAST, allow_private_urls=True)
    before = len(host.hits)
    task_id = await call(client, "submit", f"http://127.1:{port}/opt-in.png", "waves")
    await close(client)
    assert task_id in fake.tasks
    assert host.hits[before:] == ["/opt-in.png"]


class _Recording(httpcore.NetworkBackend):
    """Records where the guarded backend connects, and refuses (nothing public is reachable)."""

    def __init__(self) -> None:
        self.connects: list[tuple[str, int]] = []

    def connect_tcp(self, host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        self.connects.append((host, port))
        raise httpcore.ConnectError("recorded")


def test_the_backend_connects_to_the_address_it_checked_without_asking_dns_again() -> None:
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])  # a rebinding resolver
    asked: list[str] = []

    def resolve(name: str, port: int) -> list[str]:
        asked.append(name)
        return next(answers)

    inner = _Recording()
    backend = GuardedBackend(AddressPolicy(), inner, resolve)
    with pytest.raises(httpcore.ConnectError):
        backend.connect_tcp("cdn.example.test", 443)
    assert inner.connects == [("93.184.216.34", 443)]
    assert asked == ["cdn.example.test"]
    with pytest.raises(AddressNotAllowedError):  # the second answer is checked on its own
        backend.connect_tcp("cdn.example.test", 443)
    assert inner.connects == [("93.184.216.34", 443)]


def test_the_pinned_connection_keeps_the_urls_name_in_the_host_header(
    image_host: tuple[ImageHost, int],
) -> None:
    """Connect to the resolved IP, send the URL's name (TLS gets it as SNI the same way)."""
    _host, port = image_host
    seen: list[str] = []

    class Loopback(AddressPolicy):
        def check_addresses(self, host: str, port: int, found: Any) -> str:
            seen.append(host)
            return "127.0.0.1"

    transport = httpx.HTTPTransport()
    transport._pool._network_backend = GuardedBackend(
        Loopback(), resolve=lambda name, _port: ["127.0.0.1"]
    )
    headers: list[str] = []

    def record(request: httpx.Request) -> None:
        headers.append(request.headers["host"])

    with httpx.Client(transport=transport, event_hooks={"request": [record]}) as client:
        answer = client.get(f"http://face.example.test:{port}/pinned.png")
    assert answer.status_code == 200
    assert seen == ["face.example.test"]
    assert headers == [f"face.example.test:{port}"]


# --- redirects and malformed URLs, through a transport (no network) ------------------------


IMAGE_HOST = "images.example.test"
_DATA_URL = "data:image/png;base64," + base64.b64encode(PNG).decode()
REDIRECTS = {
    "/to-loopback": "http://127.0.0.1/secret",
    "/to-short-loopback": "http://127.1:8080/admin",
    "/to-metadata": "http://169.254.169.254/latest/meta-data/",
    "/to-ipv6": "http://[::1]:9000/",
    "/to-mapped": "http://[::ffff:10.0.0.1]/",
    "/to-localhost": "http://localhost/",
    "/to-data": _DATA_URL,
    "/to-file": "file:///etc/passwd",
    "/to-ftp": "ftp://images.example.test/face.png",
    "/to-gopher": "gopher://127.0.0.1:6379/_INFO",
    "/to-bad-ipv6": "http://[::1/x",
    "/to-bad-port": "http://images.example.test:99999/face.png",
    "/loop": "/loop",
    "/chain": "/chain2",
    "/chain2": "http://10.0.0.5/",
}


def _router(fake: FakeMiniMax, mode: Mode) -> tuple[Any, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    api: Any = fake.transport() if mode == "sync" else fake.async_transport()

    def image(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        target = REDIRECTS.get(request.url.path)
        if target is not None:
            return httpx.Response(302, headers={"Location": target})
        return httpx.Response(200, content=PNG)

    images = httpx.MockTransport(image)

    class Router(httpx.BaseTransport, httpx.AsyncBaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.host == IMAGE_HOST:
                return images.handle_request(request)
            answer: httpx.Response = api.handle_request(request)
            return answer

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.host == IMAGE_HOST:
                return await images.handle_async_request(request)
            answer: httpx.Response = await api.handle_async_request(request)
            return answer

    return Router(), seen


@pytest.mark.parametrize("mode", MODES)
async def test_every_redirect_hop_is_checked_and_a_bad_one_is_an_input_error(mode: Mode) -> None:
    fake, _clock = new_fake()
    router, seen = _router(fake, mode)
    kind = MiniMaxVideo if mode == "sync" else AsyncMiniMaxVideo
    client: Any = kind(FAKE_API_KEY, retry=FAST, transport=router)
    refused, leaked = 0, []
    corpus = [p for p in REDIRECTS if p != "/chain2"]
    for path in corpus:
        seen.clear()
        try:
            await call(client, "submit", f"https://{IMAGE_HOST}{path}", "waves")
        except InputError as exc:
            refused += 1
            target = REDIRECTS[path]
            if any(part in str(exc) for part in ("127.0.0.1", "169.254", "10.0.0", "passwd")):
                leaked.append(f"{path}: names the target: {exc}")
            if any(r.url.host != IMAGE_HOST for r in seen):
                leaked.append(f"{path}: a request left for {target}")
        except Exception as exc:  # noqa: BLE001 - ValueError, httpx.InvalidURL...: the bug
            leaked.append(f"{path}: {type(exc).__name__}: {exc}")
        else:
            leaked.append(f"{path}: accepted")
    await close(client)
    assert fake.tasks == {}
    _tally(f"redirects ({mode})", len(corpus), refused, leaked)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "url",
    [
        "http://[::1/x.png",
        "http://images.example.test:99999/x.png",
        "http://images.example.test:-1/x.png",
        "http://[fe80::1%25eth0/x.png",
        "http:///x.png",
        "https://images.example.test:port/x.png",
    ],
)
async def test_a_malformed_image_url_is_an_input_error(mode: Mode, url: str) -> None:
    fake, _clock = new_fake()
    router, _seen = _router(fake, mode)
    kind = MiniMaxVideo if mode == "sync" else AsyncMiniMaxVideo
    client: Any = kind(FAKE_API_KEY, retry=FAST, transport=router)
    with pytest.raises(InputError):
        await call(client, "submit", url, "waves")
    with pytest.raises(InputError):
        await call(client, "submit", url, "waves", verify_image_url=False)
    with pytest.raises(InputError):
        await call(client, "submit", PNG, "waves", callback_url=url)
    await close(client)
    assert fake.tasks == {}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "download_url", ["http://[::1/x", "http://cdn.example.test:99999/v.mp4", "data:video/mp4,x"]
)
async def test_a_malformed_download_url_is_a_minimax_error(
    mode: Mode, download_url: str, tmp_path: Any
) -> None:
    def api(request: httpx.Request) -> httpx.Response:
        file = {"file_id": 7, "bytes": 10, "filename": "v.mp4", "download_url": download_url}
        ok = {"status_code": 0, "status_msg": "success"}
        return httpx.Response(200, json={"file": file, "base_resp": ok})

    kind = MiniMaxVideo if mode == "sync" else AsyncMiniMaxVideo
    client: Any = kind(FAKE_API_KEY, retry=FAST, transport=httpx.MockTransport(api))
    with pytest.raises(MiniMaxError) as caught:
        await call(client, "download", 7, tmp_path / "v.mp4")
    await close(client)
    assert not isinstance(caught.value, InputError) or "download" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("host", "public"),
    [
        ("8.8.8.8", True),
        ("1.1", True),  # 1.0.0.1
        ("[2606:4700::1111]", True),
        ("127.1", False),
        ("2130706433", False),
        ("[::ffff:127.0.0.1]", False),
        ("[2002:a00:1::]", False),  # 6to4 of 10.0.0.1
        ("[2001:0:4136:e378:8000:63bf:f5ff:fffe]", False),  # Teredo of 10.0.0.1
        ("[::127.0.0.1]", False),  # IPv4-compatible (deprecated, still routed by some stacks)
        ("[::ffff:0:10.0.0.1]", False),  # IPv4-translated (SIIT)
        ("[64:ff9b:1::a00:1]", False),  # local-use NAT64: a private translator (RFC 8215)
        ("[::8.8.8.8]", True),
    ],
)
def test_what_counts_as_public(host: str, public: bool) -> None:
    ip = literal_ip(host)
    assert ip is not None
    assert is_public(ip) is public


def test_a_name_is_not_an_address() -> None:
    assert literal_ip("images.example.test") is None
    assert literal_ip("deadbeef.example") is None
    assert socket.inet_aton("1.1")  # the C resolver's reading, which the policy follows


@pytest.mark.parametrize("opt_in", ["--allow-private-urls", "MINIMAX_ALLOW_PRIVATE_URLS=1"])
def test_the_cli_refuses_a_private_image_url_unless_allowed(
    opt_in: str,
    image_host: tuple[ImageHost, int],
    fake_api: tuple[FakeMiniMax, str],
    tmp_path: Any,
) -> None:
    from click.testing import CliRunner

    from minimax_s2v.cli.app import cli
    from minimax_s2v.cli.exits import EXIT_USAGE

    host, port = image_host
    fake, base_url = fake_api
    env = {"MINIMAX_API_KEY": fake.api_key, "MINIMAX_BASE_URL": base_url}
    url = f"http://127.0.0.1:{port}/cli.png"
    submit = ["generate", "--image", url, "--out", str(tmp_path / "v.mp4"), "--timeout", "0.1"]
    before, tasks = len(host.hits), len(fake.tasks)
    refused = CliRunner().invoke(cli, submit, env=env)
    assert refused.exit_code == EXIT_USAGE, refused.output
    assert "not allowed" in refused.stderr
    assert str(port) not in refused.stderr
    assert (len(host.hits), len(fake.tasks)) == (before, tasks)
    if opt_in.startswith("--"):
        allowed = CliRunner().invoke(cli, [*submit, opt_in], env=env)
    else:
        allowed = CliRunner().invoke(cli, submit, env={**env, "MINIMAX_ALLOW_PRIVATE_URLS": "1"})
    assert host.hits[before:] == ["/cli.png"]  # fetched, checked, then the create went out
    assert len(fake.tasks) == tasks + 1, allowed.output


def test_a_refusal_tells_library_and_cli_users_each_their_own_switch() -> None:
    from minimax_s2v.cli.app import cli

    flags = [p for c in cli.commands.values() for p in c.params if p.name == "allow_private_urls"]
    assert flags  # the CLI's switch, as click reads it
    with pytest.raises(addresses.AddressNotAllowedError) as caught:
        AddressPolicy().check_url("http://127.0.0.1/face.png", "image")
    said = caught.value.message
    assert "the client's allow_private_urls=True" in said
    for flag in flags:
        assert f"the CLI's {flag.opts[0]} or {flag.envvar}=1" in said
