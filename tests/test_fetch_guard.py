"""The address guard as a function: no network at all (every address here is only looked at)."""

import pytest

from tidyclip.fetch.address_guard import any_private, kind_of, parse_address, refusal

PUBLIC = ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "8.8.8.8"]
LOCAL = {
    "127.0.0.1": "loopback", "127.8.9.10": "loopback", "::1": "loopback",
    "10.1.2.3": "private", "172.16.0.1": "private", "192.168.1.1": "private", "fd00::1": "private",
    "169.254.169.254": "link-local", "fe80::1": "link-local", "fe80::1%eth0": "link-local",
    "100.64.0.1": "not public",
}
NEVER = {
    "0.0.0.0": "unspecified", "::": "unspecified", "224.0.0.1": "multicast", "ff02::1": "multicast",
    "240.0.0.1": "reserved", "255.255.255.255": "reserved",
}


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address):
    assert refusal([address]) is None
    assert refusal([address], allow_private=True) is None


@pytest.mark.parametrize(("address", "kind"), LOCAL.items())
def test_local_addresses_are_refused_unless_allowed(address, kind):
    assert refusal([address]) == f"refused address {parse_address(address)} ({kind})"
    assert refusal([address], allow_private=True) is None


@pytest.mark.parametrize(("address", "kind"), NEVER.items())
def test_unspecified_multicast_and_reserved_never_pass(address, kind):
    assert kind in refusal([address])
    assert kind in refusal([address], allow_private=True)


@pytest.mark.parametrize(("mapped", "kind"), [("::ffff:127.0.0.1", "loopback"), ("::ffff:10.0.0.1", "private"),
                                              ("::ffff:169.254.169.254", "link-local")])
def test_ipv4_mapped_ipv6_is_judged_as_the_ipv4_address_it_carries(mapped, kind):
    assert kind_of(parse_address(mapped)) == kind
    assert refusal([mapped]) is not None
    assert refusal(["::ffff:8.8.8.8"]) is None


def test_every_address_of_a_name_is_checked_not_only_the_first():
    assert refusal(["8.8.8.8", "10.0.0.1"]) == "refused address 10.0.0.1 (private)"
    assert refusal(["8.8.8.8", "2606:2800:220:1::1", "::1"]) == "refused address ::1 (loopback)"
    assert refusal(["8.8.8.8", "1.1.1.1"]) is None


def test_a_name_without_addresses_or_with_garbage_is_refused():
    assert refusal([]) == "the name has no address"
    assert "not an IP address" in refusal(["example.com"])


def test_a_page_from_the_users_own_network_is_told_apart():
    assert any_private(["127.0.0.1"]) and any_private(["8.8.8.8", "192.168.0.4"])
    assert not any_private(["8.8.8.8", "2606:2800:220:1::1"])
    assert not any_private(["0.0.0.0", "224.0.0.1"])  # never fetched anyway: no private page made of them
