//! Where webhooks may go (server-side request forgery): http(s) URLs whose host is not, and
//! does not resolve to, a loopback, private, link-local or otherwise internal address, unless
//! configuration allows them (`LINLI_WEBHOOK_ALLOW_PRIVATE`, for tests and closed networks).

use std::net::IpAddr;

use crate::error::{ApiError, ErrorCode};

fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.octets()[0] == 100 && (64..128).contains(&v4.octets()[1]) // shared CGNAT
                || v4.octets()[0] == 0
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00 // unique local
                || (v6.segments()[0] & 0xffc0) == 0xfe80 // link local
                || v6.to_ipv4_mapped().is_some_and(|v4| is_internal(IpAddr::V4(v4)))
        }
    }
}

/// Check a subscription URL: http(s), a host, and (unless allowed by configuration) no
/// loopback or private address, by literal or by what the name resolves to.
pub async fn check_url(raw: &str, allow_private: bool) -> Result<url::Url, ApiError> {
    let url = url::Url::parse(raw).map_err(|e| ApiError::validation("url", e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ApiError::validation("url", "must be http or https"));
    }
    if raw.len() > 512 || !url.username().is_empty() || url.password().is_some() {
        return Err(ApiError::validation(
            "url",
            "at most 512 characters, without credentials",
        ));
    }
    let host = url
        .host_str()
        .ok_or_else(|| ApiError::validation("url", "must have a host"))?;
    if allow_private {
        return Ok(url);
    }
    let refuse = || ApiError::new(ErrorCode::WebhookUrlNotAllowed).with_field("url");
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return if is_internal(ip) {
            Err(refuse())
        } else {
            Ok(url)
        };
    }
    if bare.eq_ignore_ascii_case("localhost")
        || bare.ends_with(".localhost")
        || bare.ends_with(".internal")
    {
        return Err(refuse());
    }
    let port = url.port_or_known_default().unwrap_or(443);
    match tokio::net::lookup_host((bare, port)).await {
        Ok(addrs) => {
            let addrs: Vec<_> = addrs.collect();
            if addrs.iter().any(|a| is_internal(a.ip())) {
                return Err(refuse());
            }
        }
        Err(_) => {
            return Err(ApiError::validation(
                "url",
                "the host name does not resolve",
            ))
        }
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_recognised() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.5.5",
            "169.254.169.254",
            "::1",
            "fd00::1",
            "0.0.0.0",
            "::ffff:127.0.0.1",
            "100.64.0.1",
        ] {
            assert!(is_internal(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "2001:4860:4860::8888", "1.1.1.1"] {
            assert!(!is_internal(ip.parse().unwrap()), "{ip}");
        }
    }
}
