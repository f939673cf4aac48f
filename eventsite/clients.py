"""Who the client is: one answer for the API's throttles and the log-in lock-out (django-axes) alike.

Every header is written by the client, so the address is the TCP peer's (``REMOTE_ADDR``) unless
``settings.NUM_PROXIES`` reverse proxies we run stand in front. Each of them appends the address it received the
request from to ``X-Forwarded-For``, so the client is the ``NUM_PROXIES``-th entry from the right; whatever lies
further left was written by the client and is never read. A header with fewer entries than proxies, or an entry
that is not an IP address, means the request did not come through them: the peer's address counts then.

An IPv6 client stands for its /64 network: one subscriber is routinely given a whole /64, so counting single
addresses would hand a guesser 2⁶⁴ budgets. Many are given more, a /56 or a /48 (a free tunnel broker hands out
/48s), and a /48 holds 65,536 /64s: so the throttles also count an IPv6 client's /48 (``client_network``), whose
budget is ``IPV6_NETWORK_FACTOR`` times a client's. A /48 then gets a few clients' worth, like an IPv4 address
shared by many behind a NAT, not 65,536. The lock-out keeps counting the /64 (per address and e-mail): the log-in
throttle, which counts the /48 too, bounds what a /48 may try.
"""

import ipaddress

from django.conf import settings

IPV6_CLIENT_PREFIX = 64
IPV6_NETWORK_PREFIX = 48


def client_address(request) -> str | None:
    """The address the throttles and the lock-out count a request against (``None`` without a peer address)."""
    meta = request.META
    peer = _address(meta.get("REMOTE_ADDR", ""))
    proxies = settings.NUM_PROXIES
    if proxies:
        forwarded = [entry.strip() for entry in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if len(forwarded) >= proxies:
            peer = _address(forwarded[-proxies]) or peer
    return peer


def client_network(request) -> str | None:
    """The wider network an IPv6 client counts in as well (its /48, e.g. ``2001:db8:1::/48``); ``None`` for IPv4
    (and IPv4-mapped IPv6) and without a peer address."""
    address = client_address(request)
    if address is None or ":" not in address:
        return None
    return str(ipaddress.ip_network(f"{address}/{IPV6_NETWORK_PREFIX}", strict=False))


def _address(text: str) -> str | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/{IPV6_CLIENT_PREFIX}", strict=False).network_address)
    return str(address)
