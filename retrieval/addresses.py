"""What counts as a web address, in one place: the manifest's url field, `add` sources and feed entries,
the bot's links, `/add` and feed settings all use it."""

import ipaddress

MAX_ADDRESS = 1000  # longer is no real article's address; Telegram refuses very long links


def is_web_address(text: str) -> bool:
    """An http(s) address of reasonable length with no whitespace."""
    return text.startswith(("http://", "https://")) and len(text) <= MAX_ADDRESS and not any(c.isspace() for c in text)


# What an address is, for the rule below; tested in this order (127.0.0.1 is both loopback and private).
_KINDS = (("is_loopback", "a loopback address"), ("is_unspecified", "an unspecified address"),
          ("is_link_local", "a link-local address"), ("is_multicast", "a multicast address"),
          ("is_private", "a private address"), ("is_reserved", "a reserved address"))
# Python 3.11's tables call these global; IANA says they are not (IETF protocol assignments, IPv6 site-local).
_NOT_GLOBAL = (ipaddress.ip_network("192.0.0.0/24"), ipaddress.ip_network("fec0::/10"))
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # an IPv4 address reached through a NAT64 gateway


def refusal(address: str, allow_loopback: bool = False) -> str:
    """Why the bot must not connect to the IP `address` ("" when it may): anything but a public address is
    refused; an IPv4 address carried inside IPv6 (mapped, NAT64, 6to4, Teredo) is judged as itself.
    Loopback passes only when allowed, for tests and local use."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 scope ("fe80::1%eth0") is not part of it
    judged = [ip]
    if ip.version == 6 and (ip.ipv4_mapped or ip in _NAT64):
        judged = [ip.ipv4_mapped or ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    elif ip.version == 6:
        judged += [v4 for v4 in (ip.sixtofour, *(ip.teredo or ())) if v4 is not None]
    for candidate in judged:
        if candidate.is_loopback and allow_loopback:
            continue
        for name, kind in _KINDS:
            if getattr(candidate, name):
                return kind
        if not candidate.is_global or any(candidate in network for network in _NOT_GLOBAL
                                          if network.version == candidate.version):
            return "not a public address"
    return ""
