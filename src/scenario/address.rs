//! Which IPv4 addresses a host can have. Each host's interface is given its
//! address with a /24 prefix and no router (`engine/host.rs`), and smoltcp
//! refuses, by panicking, an interface address that is not unicast: so a
//! broadcast or multicast address would crash the run, `0.0.0.0` deadlock
//! it, and a loopback, reserved or off-network address leave the SYN
//! unanswered until the time limit. All of them are refused when the file
//! (or `--set`) is read, with the reason.

use std::net::Ipv4Addr;

/// Why `ip` cannot be a host's address, if it cannot.
pub(crate) fn host_address_problem(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, _, _, d] = ip.octets();
    if ip.is_broadcast() {
        Some("the broadcast address")
    } else if ip.is_multicast() {
        Some("a multicast address (224.0.0.0/4)")
    } else if a >= 240 {
        Some("a reserved address (240.0.0.0/4)")
    } else if a == 0 {
        Some("in 0.0.0.0/8 (\"this network\"), not a host address")
    } else if ip.is_loopback() {
        Some("a loopback address (127.0.0.0/8): the link joins two hosts, not one to itself")
    } else if d == 255 {
        Some("the broadcast address of its /24 network (each host has a /24)")
    } else if d == 0 {
        Some("the address of its /24 network itself (each host has a /24), not a host address")
    } else {
        None
    }
}

/// Whether two addresses are on one /24 network: the hosts have no router,
/// so each reaches only addresses on its own /24.
pub(crate) fn same_network(a: Ipv4Addr, b: Ipv4Addr) -> bool {
    a.octets()[..3] == b.octets()[..3]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unicast_host_addresses_on_one_network_pass() {
        let ip = |s: &str| s.parse::<Ipv4Addr>().unwrap();
        for bad in [
            "255.255.255.255",
            "224.0.0.1",
            "239.1.2.3",
            "240.0.0.1",
            "0.0.0.0",
            "0.1.2.3",
            "127.0.0.1",
            "10.0.0.255",
            "10.0.0.0",
        ] {
            assert!(host_address_problem(ip(bad)).is_some(), "{bad}");
        }
        for good in ["10.0.0.1", "192.168.1.254", "169.254.1.1", "172.16.0.1"] {
            assert_eq!(host_address_problem(ip(good)), None, "{good}");
        }
        assert!(same_network(ip("10.0.0.1"), ip("10.0.0.2")));
        assert!(!same_network(ip("10.0.0.1"), ip("10.0.1.2")));
    }
}
