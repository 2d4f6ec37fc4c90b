"""Which addresses a fetch may connect to: a pure function of the resolved addresses, no network.

A server that fetches what a page names can be pointed at the user's own network (the router's admin
page, a cloud metadata address, another local service). Every address a name resolves to is checked,
not only the first: a name with one public and one private address could be connected to the private one.
"""

import ipaddress
from collections.abc import Iterable

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Kinds of address that belong to the user's own machine or network: refused unless the page itself
#: came from such an address (then its images live there too).
LOCAL_KINDS = ("loopback", "private", "link-local", "not public")
#: Kinds no fetch ever has a reason to reach.
NEVER_KINDS = ("unspecified", "multicast", "reserved")


def parse_address(text: str) -> Address:
    """The address, an IPv4-mapped IPv6 one (::ffff:10.0.0.1) taken as the IPv4 address it carries:
    connecting to it reaches that IPv4 host. A zone suffix (fe80::1%eth0) is dropped."""
    address = ipaddress.ip_address(text.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def kind_of(address: Address) -> str:
    """'public' or the kind of non-public address (the order matters: 127.0.0.1 is also 'private'
    to the ipaddress module, and 'not public' catches what is neither global nor named, e.g. 100.64/10)."""
    if address.is_unspecified:
        return "unspecified"
    if address.is_multicast:
        return "multicast"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_reserved:  # before private: the ipaddress module counts 240/4 among the private ones
        return "reserved"
    if address.is_private:
        return "private"
    if not address.is_global:
        return "not public"
    return "public"


def refusal(addresses: Iterable[str], allow_private: bool = False) -> str | None:
    """Why a host with these resolved addresses may not be fetched, or None when it may.
    `allow_private` lets loopback, private and link-local addresses through (the clipped page came
    from one, or the user named the address); unspecified, multicast and reserved ones never pass."""
    listed = list(addresses)
    if not listed:
        return "the name has no address"
    for text in listed:
        try:
            address = parse_address(text)
        except ValueError:
            return f"refused address {text} (not an IP address)"
        kind = kind_of(address)
        if kind in NEVER_KINDS or (kind in LOCAL_KINDS and not allow_private):
            return f"refused address {address} ({kind})"
    return None


def any_private(addresses: Iterable[str]) -> bool:
    """Whether any of these addresses is on the user's own machine or network (a page that came from
    there may have its images fetched from there)."""
    for text in addresses:
        try:
            if kind_of(parse_address(text)) in LOCAL_KINDS:
                return True
        except ValueError:
            continue
    return False
