//! The one rule for "which client is this" that every per-address limit keys on.
//!
//! - Without `LINLI_TRUST_PROXY` the key is the TCP peer; `Forwarded` and `X-Forwarded-For`
//!   are ignored, so a client cannot pick its own key.
//! - With it (exactly one reverse proxy in front, e.g. the nginx site in `deploy/`), the key is
//!   the address that proxy appended: the last entry of `X-Forwarded-For` (nginx's
//!   `$proxy_add_x_forwarded_for` appends the peer it saw), else the last `for=` of
//!   `Forwarded`. Earlier entries were written by the client and are never trusted. When the
//!   proxy sent neither, the TCP peer (the proxy itself) is the key.
//! - IPv6 addresses key on their /64: one household or phone holds a whole /64.
//! - When no address is known at all, every such request shares one key (`unknown`): a limit
//!   is never skipped, it only gets stricter.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use actix_web::http::header::HeaderMap;
use actix_web::HttpRequest;

/// The key of the caller's address for per-address limits (see the module docs).
pub fn client_key(req: &HttpRequest, trust_proxy: bool) -> String {
    let proxied = trust_proxy.then(|| forwarded_addr(req.headers())).flatten();
    match proxied.or_else(|| req.peer_addr().map(|a| a.ip())) {
        Some(ip) => key_of(ip),
        None => "unknown".to_owned(),
    }
}

/// The address the trusted proxy reported: the last `X-Forwarded-For` entry, else the last
/// `for=` of `Forwarded`.
pub fn forwarded_addr(headers: &HeaderMap) -> Option<IpAddr> {
    let last_xff = headers
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .last();
    if let Some(entry) = last_xff {
        return parse_addr(entry);
    }
    let last_for = headers
        .get_all("forwarded")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split([',', ';']))
        .filter_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            k.eq_ignore_ascii_case("for")
                .then_some(v.trim().trim_matches('"'))
        })
        .last()?;
    parse_addr(last_for)
}

/// `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`, `[2001:db8::1]:443`, `[2001:db8::1]`.
fn parse_addr(s: &str) -> Option<IpAddr> {
    s.parse::<IpAddr>()
        .ok()
        .or_else(|| s.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .or_else(|| {
            s.strip_prefix('[')
                .and_then(|r| r.strip_suffix(']'))
                .and_then(|r| r.parse().ok())
        })
}

fn key_of(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{}/64", Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn key(trust: bool, peer: &str, headers: &[(&str, &str)]) -> String {
        let mut req = TestRequest::default().peer_addr(peer.parse().unwrap());
        for h in headers {
            req = req.append_header(*h);
        }
        client_key(&req.to_http_request(), trust)
    }

    #[test]
    fn headers_count_only_behind_a_trusted_proxy() {
        let xff = [("X-Forwarded-For", "10.9.9.9")];
        assert_eq!(key(false, "203.0.113.7:5000", &xff), "203.0.113.7");
        assert_eq!(key(true, "127.0.0.1:5000", &xff), "10.9.9.9");
        assert_eq!(key(true, "127.0.0.1:5000", &[]), "127.0.0.1");
    }

    #[test]
    fn the_proxys_own_entry_wins_over_what_the_client_wrote() {
        let spoofed = [("X-Forwarded-For", "1.1.1.1, 198.51.100.4")];
        assert_eq!(key(true, "127.0.0.1:1", &spoofed), "198.51.100.4");
        let two_headers = [
            ("X-Forwarded-For", "1.1.1.1"),
            ("X-Forwarded-For", "198.51.100.5"),
        ];
        assert_eq!(key(true, "127.0.0.1:1", &two_headers), "198.51.100.5");
        let fwd = [(
            "Forwarded",
            "for=1.1.1.1, for=\"[2001:db8:1:2::9]:443\";proto=https",
        )];
        assert_eq!(key(true, "127.0.0.1:1", &fwd), "2001:db8:1:2::/64");
    }

    #[test]
    fn ipv6_keys_on_its_64_and_mapped_v4_on_the_v4() {
        assert_eq!(
            key(false, "[2001:db8:a:b:1:2:3:4]:1", &[]),
            "2001:db8:a:b::/64"
        );
        assert_eq!(key(false, "[::ffff:192.0.2.1]:1", &[]), "192.0.2.1");
    }

    #[test]
    fn an_unknown_address_shares_one_key() {
        let req = TestRequest::default().to_http_request();
        assert_eq!(client_key(&req, false), "unknown");
        assert_eq!(client_key(&req, true), "unknown");
    }
}
