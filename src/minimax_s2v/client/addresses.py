"""Which hosts the layer fetches from: the address policy for image URLs and downloads.

A product that passes its users' image URLs to `submit` must not let them point the layer at
the product's own network (server-side request forgery). So, unless the client was made with
`allow_private_urls=True`, a fetched URL must be http(s) and its host must be a public internet
address, and this holds for every spelling of an address and every hop of a redirect:

- `check_url` refuses, before any connection, a URL that is not http(s), cannot be parsed, names
  `localhost` (or a `.localhost` name), or whose host is an IP literal in any spelling the C
  resolver accepts (`127.1`, `2130706433`, `0x7f.1`, `[::1]`, `[::ffff:127.0.0.1]`) that is
  not public. It runs for each request the fetch client sends, redirects included
  (`PolicyTransport`).
- `GuardedBackend` / `AsyncGuardedBackend` (the network under the fetch client's own transport)
  resolve a name once, refuse it if any answer is not public, and connect to the address that
  was checked: a second DNS answer (rebinding) is never asked for. TLS still uses the URL's name
  (httpcore passes it as SNI), and the Host header is the URL's.

The refusal (`AddressNotAllowedError`) says the URL is not allowed and nothing about the host:
"connection refused" against "not an image" would tell a caller what lives at an address.

"Public" is `ipaddress`' `is_global`, minus multicast and local-use NAT64, with the IPv4
address inside an IPv4-mapped, IPv4-compatible, IPv4-translated, 6to4, Teredo or NAT64 address
checked as well. Hosts in `trusted_hosts` (the API's
own origin, host and port: the fake on loopback serves its downloads there) pass.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import anyio
import httpcore
import httpx

from minimax_s2v.errors.exceptions import InputError

IPAddress: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver: TypeAlias = Callable[[str, int], list[str]]
"""(host, port) -> the addresses it resolves to, as strings."""

_DEFAULT_PORTS = {"http": 80, "https": 443}
_NUMERIC_HOST = re.compile(r"[0-9a-fA-FxX.]+")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")
"""Local-use NAT64 (RFC 8215): a translator of the operator's own, any prefix length inside;
Python 3.11 still calls it global."""
_LAST_32_BITS = (
    ipaddress.IPv6Network("::/96"),  # IPv4-compatible (deprecated; some stacks still route it)
    ipaddress.IPv6Network("::ffff:0:0:0/96"),  # IPv4-translated (SIIT)
    _NAT64,
)
ENV_ALLOW_PRIVATE_URLS = "MINIMAX_ALLOW_PRIVATE_URLS"
"""Read by the CLI's `--allow-private-urls` only: a library client is told in its constructor."""

_REFUSAL = (
    "is not allowed: only http(s) URLs of public internet hosts are fetched (to allow private "
    "addresses: the client's allow_private_urls=True; the CLI's --allow-private-urls or "
    f"{ENV_ALLOW_PRIVATE_URLS}=1)"
)


class AddressNotAllowedError(InputError):
    """A URL the address policy refuses (or cannot parse); nothing was fetched from it."""


def refusal(what: str = "the URL") -> AddressNotAllowedError:
    """The one refusal text: it names no host, port or address."""
    return AddressNotAllowedError(f"{what} {_REFUSAL}")


def literal_ip(host: str) -> IPAddress | None:
    """The address `host` spells, in any form the C resolver accepts, else None (a name).

    `127.1`, `2130706433`, `0x7f000001` and `0177.0.0.1` are all 127.0.0.1 to `getaddrinfo`,
    so they must be to the policy too.
    """
    text = host.strip("[]").rstrip(".")
    try:
        return ipaddress.ip_address(text.partition("%")[0])  # an IPv6 zone goes
    except ValueError:
        pass
    if not _NUMERIC_HOST.fullmatch(text):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(text))
    except OSError:
        return None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if any(ip in network for network in _LAST_32_BITS):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public(ip: IPAddress) -> bool:
    """A global unicast address (and, for IPv6 carrying an IPv4 address, that one too)."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _LOCAL_NAT64:
            return False
        inner = _embedded_ipv4(ip)
        if inner is not None and not is_public(inner):
            return False
    return ip.is_global and not ip.is_multicast


def _is_local_name(host: str) -> bool:
    name = host.rstrip(".").lower()
    return name == "localhost" or name.endswith(".localhost")


@dataclass(frozen=True)
class AddressPolicy:
    """What the fetch client may connect to. `allow_private` turns the policy off."""

    allow_private: bool = False
    trusted: frozenset[tuple[str, int]] = field(default_factory=frozenset)
    """(host, port) pairs passed as they are (host lowercased): the API's own origin."""

    def trusts(self, host: str, port: int) -> bool:
        return self.allow_private or (host.strip("[]").lower(), port) in self.trusted

    def check_url(self, url: str | httpx.URL, what: str = "the URL") -> httpx.URL:
        """The parsed URL, or AddressNotAllowedError (an InputError) before any connection."""
        try:
            parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
            host = parsed.host
            port = parsed.port
            scheme = parsed.scheme
        except (httpx.InvalidURL, ValueError, TypeError, UnicodeError):
            raise AddressNotAllowedError(f"{what} is not a valid URL") from None
        if scheme not in ("http", "https") or not host:
            raise refusal(what)
        if port is not None and not 0 < port < 65536:
            raise AddressNotAllowedError(f"{what} is not a valid URL (port out of range)")
        if self.trusts(host, port or _DEFAULT_PORTS[scheme]):
            return parsed
        if _is_local_name(host):
            raise refusal(what)
        ip = literal_ip(host)
        if ip is not None and not is_public(ip):
            raise refusal(what)
        return parsed

    def check_addresses(self, host: str, port: int, addresses: Iterable[str]) -> str:
        """The first of `addresses` (what `host` resolved to) if every one is allowed."""
        found = list(addresses)
        if not found:
            raise refusal()
        if self.trusts(host, port):
            return found[0]
        for address in found:
            ip = literal_ip(address)
            if ip is None or not is_public(ip):
                raise refusal()
        return found[0]


def system_resolver(host: str, port: int) -> list[str]:
    """`getaddrinfo`, once: every address the name has, for TCP (tests replace it)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise httpcore.ConnectError(f"could not resolve the host ({exc})") from None
    return [str(info[4][0]) for info in infos]


async def async_system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise httpcore.ConnectError(f"could not resolve the host ({exc})") from None
    return [str(info[4][0]) for info in infos]


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's network, resolving each name once and connecting to the checked address."""

    def __init__(
        self,
        policy: AddressPolicy,
        inner: httpcore.NetworkBackend | None = None,
        resolve: Resolver | None = None,
    ) -> None:
        self.policy = policy
        self.inner = inner if inner is not None else httpcore.SyncBackend()
        self.resolve = resolve

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        address = self.policy.check_addresses(host, port, self._addresses(host, port))
        return self.inner.connect_tcp(address, port, timeout, local_address, socket_options)

    def _addresses(self, host: str, port: int) -> list[str]:
        ip = literal_ip(host)
        if ip is not None:
            return [str(ip)]
        return (self.resolve or system_resolver)(host, port)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise refusal()

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


AsyncResolver: TypeAlias = Callable[[str, int], Any]
"""(host, port) -> awaitable list of address strings."""


class AsyncGuardedBackend(httpcore.AsyncNetworkBackend):
    """`GuardedBackend` for the async client."""

    def __init__(
        self,
        policy: AddressPolicy,
        inner: httpcore.AsyncNetworkBackend | None = None,
        resolve: AsyncResolver | None = None,
    ) -> None:
        self.policy = policy
        self.inner = inner if inner is not None else httpcore.AnyIOBackend()
        self.resolve = resolve

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        ip = literal_ip(host)
        if ip is not None:
            found: list[str] = [str(ip)]
        else:
            found = await (self.resolve or async_system_resolver)(host, port)
        address = self.policy.check_addresses(host, port, found)
        return await self.inner.connect_tcp(address, port, timeout, local_address, socket_options)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise refusal()

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class PolicyTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Checks every request's URL (each redirect hop is a request) before `inner` sends it."""

    def __init__(self, inner: Any, policy: AddressPolicy) -> None:
        self.inner = inner
        self.policy = policy

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.policy.check_url(request.url)
        response: httpx.Response = self.inner.handle_request(request)
        return response

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.policy.check_url(request.url)
        response: httpx.Response = await self.inner.handle_async_request(request)
        return response

    def close(self) -> None:
        self.inner.close()

    async def aclose(self) -> None:
        await self.inner.aclose()


def guarded_transport(policy: AddressPolicy) -> httpx.HTTPTransport:
    """httpx's own transport, on a network that resolves once and checks (unless allowed)."""
    transport = httpx.HTTPTransport()
    if not policy.allow_private:
        # httpx does not expose httpcore's `network_backend`; the pool reads it per connection.
        transport._pool._network_backend = GuardedBackend(policy)
    return transport


def async_guarded_transport(policy: AddressPolicy) -> httpx.AsyncHTTPTransport:
    """`guarded_transport` for the async client."""
    transport = httpx.AsyncHTTPTransport()
    if not policy.allow_private:
        transport._pool._network_backend = AsyncGuardedBackend(policy)
    return transport
