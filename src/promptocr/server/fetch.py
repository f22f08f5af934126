"""Fetching an image from a URL, only when the operator enabled it (it is an SSRF risk).

Rules: http or https only; the host is resolved and *every* address must be public (not private,
loopback, link-local, multicast, reserved or unspecified; IPv4-mapped IPv6 is unwrapped first);
redirects are followed by hand (at most 3) and each hop is checked the same way; the body is
streamed with a byte cap and the whole fetch has a timeout.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Collection
from urllib.parse import urljoin, urlsplit

import httpx

from promptocr.server.errors import (
    BodyTooLargeError,
    URLFetchDisabledError,
    URLFetchError,
    URLForbiddenError,
)

MAX_REDIRECTS = 3


def address_is_public(addr: str) -> bool:
    ip = ipaddress.ip_address(addr.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(ip.is_global) and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


async def check_url(url: str, trusted_hosts: Collection[str] = ()) -> None:
    """Raise URLForbiddenError unless `url` is http(s) to a host with only public addresses
    (or a host the operator named in `trusted_hosts`, exactly as written in the URL), and
    URLFetchError when the host does not resolve."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. "http://[::1/": an unclosed IPv6 bracket
        raise URLForbiddenError(f"the URL is not valid ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise URLForbiddenError(f"only http and https URLs are fetched, not {parts.scheme!r}")
    host = parts.hostname
    if not host:
        raise URLForbiddenError("the URL has no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise URLForbiddenError("the URL's port is not valid") from None
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise URLFetchError(f"cannot resolve host {host!r}") from None
    addrs = {str(info[4][0]) for info in infos}
    if not addrs:
        raise URLFetchError(f"cannot resolve host {host!r}")
    if host.lower() in trusted_hosts:
        return
    bad = sorted(a for a in addrs if not address_is_public(a))
    if bad:
        raise URLForbiddenError(
            f"host {host!r} resolves to a non-public address ({', '.join(bad)}); refused"
        )


async def fetch_url(
    url: str, *, enabled: bool, max_bytes: int, timeout_s: float
) -> tuple[bytes, str]:
    """Download `url` under the rules above; returns (bytes, file name for messages)."""
    if not enabled:
        raise URLFetchDisabledError(
            "fetching images from URLs is disabled on this server; send the bytes "
            "(multipart upload, base64 or a data: URL) or ask the operator to enable "
            "allow_url_fetch"
        )
    try:
        name = urlsplit(url).path.rsplit("/", 1)[-1] or urlsplit(url).hostname or "<url>"
    except ValueError as exc:
        raise URLForbiddenError(f"the URL is not valid ({exc})") from None

    async def run() -> bytes:
        current = url
        async with httpx.AsyncClient(follow_redirects=False, timeout=timeout_s) as client:
            for _ in range(MAX_REDIRECTS + 1):
                await check_url(current)
                async with client.stream("GET", current) as resp:
                    if resp.is_redirect:
                        location = resp.headers.get("location")
                        if not location:
                            raise URLFetchError("redirect without a Location header")
                        current = urljoin(current, location)
                        continue
                    if resp.status_code != 200:
                        raise URLFetchError(f"the URL answered HTTP {resp.status_code}")
                    declared = resp.headers.get("content-length")
                    if declared and declared.isdigit() and int(declared) > max_bytes:
                        raise BodyTooLargeError(
                            f"the URL's content is {declared} bytes, over the limit of {max_bytes}"
                        )
                    buf = bytearray()
                    async for chunk in resp.aiter_bytes():
                        buf.extend(chunk)
                        if len(buf) > max_bytes:
                            raise BodyTooLargeError(
                                f"the URL's content is over the limit of {max_bytes} bytes"
                            )
                    return bytes(buf)
        raise URLFetchError(f"more than {MAX_REDIRECTS} redirects")

    try:
        return await asyncio.wait_for(run(), timeout=timeout_s), name
    except TimeoutError:
        raise URLFetchError(f"fetching the URL took longer than {timeout_s:g} s") from None
    except httpx.HTTPError as exc:
        raise URLFetchError(f"fetching the URL failed: {type(exc).__name__}") from None
