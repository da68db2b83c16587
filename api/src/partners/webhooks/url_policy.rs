//! Where webhooks may go (server-side request forgery). A URL must be `https` on port 443 (or
//! `http` on port 80 when `LINLI_WEBHOOK_ALLOW_HTTP` is on), and every address its host
//! resolves to must be globally routable unicast ([`super::ip_ranges`]).
//!
//! The check runs when a subscription is made and again at every delivery: the worker resolves
//! the host once, checks the answers, and connects only to those addresses ([`Target`]), so a
//! name that later points inside the network (DNS rebinding) is never posted to.
//! `LINLI_WEBHOOK_ALLOW_PRIVATE` lifts the address and port rules (tests, closed networks);
//! `LINLI_WEBHOOK_RESOLVE` answers chosen names from configuration instead of DNS (split
//! horizon; the tests use it to make a name change its address), and the rules apply to
//! those answers the same way.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use super::ip_ranges::is_global_unicast;
use crate::config::Config;
use crate::error::{ApiError, ErrorCode};

/// The longest a host name's lookup may take (the system resolver has no deadline of its own
/// that we control).
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(3);

/// What the configuration allows.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    pub allow_private: bool,
    pub allow_http: bool,
    /// Names answered from configuration (lower case) instead of DNS.
    pub resolve: HashMap<String, Vec<IpAddr>>,
}

/// Why a URL is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not a usable URL at all (a client's mistake: `validation_failed`).
    Invalid(String),
    /// A usable URL the policy does not allow (`webhook_url_not_allowed`).
    NotAllowed(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Invalid(why) | Refusal::NotAllowed(why) => f.write_str(why),
        }
    }
}

/// A checked destination: connect to `host` only at `addrs`.
#[derive(Debug)]
pub struct Target {
    pub url: url::Url,
    /// The host name to pin, or `None` when the URL names an address.
    pub host: Option<String>,
    pub addrs: Vec<SocketAddr>,
}

/// Parse `LINLI_WEBHOOK_RESOLVE`: `name=address[,name=address…]`; a name may repeat.
pub fn parse_resolve(spec: &str) -> Result<HashMap<String, Vec<IpAddr>>, String> {
    let mut out: HashMap<String, Vec<IpAddr>> = HashMap::new();
    for entry in spec.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (name, addr) = entry
            .split_once('=')
            .ok_or_else(|| format!("{entry:?} is not name=address"))?;
        let ip = addr
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .map_err(|_| format!("{addr:?} is not an IP address"))?;
        out.entry(name.trim().to_ascii_lowercase())
            .or_default()
            .push(ip);
    }
    Ok(out)
}

impl Policy {
    pub fn from_config(config: &Config) -> Policy {
        Policy {
            allow_private: config.webhook_allow_private,
            allow_http: config.webhook_allow_http,
            // Checked at start-up (`Config::finalize`).
            resolve: parse_resolve(&config.webhook_resolve).unwrap_or_default(),
        }
    }

    /// The shape of the URL: scheme, port, no credentials, a host.
    fn check_shape(&self, raw: &str) -> Result<url::Url, Refusal> {
        let url = url::Url::parse(raw).map_err(|e| Refusal::Invalid(e.to_string()))?;
        if raw.len() > 512 || !url.username().is_empty() || url.password().is_some() {
            return Err(Refusal::Invalid(
                "at most 512 characters, without credentials".into(),
            ));
        }
        let default_port = match url.scheme() {
            "https" => 443,
            "http" if self.allow_http => 80,
            "http" => {
                return Err(Refusal::NotAllowed(
                    "plain http is not allowed; use https".into(),
                ))
            }
            _ => return Err(Refusal::Invalid("must be http or https".into())),
        };
        if url.host().is_none() {
            return Err(Refusal::Invalid("must have a host".into()));
        }
        let port = url.port_or_known_default().unwrap_or(default_port);
        if port != default_port && !self.allow_private {
            return Err(Refusal::NotAllowed(format!(
                "port {port} is not allowed; use {default_port}"
            )));
        }
        Ok(url)
    }

    fn check_addr(&self, ip: IpAddr) -> Result<(), Refusal> {
        if self.allow_private || is_global_unicast(ip) {
            Ok(())
        } else {
            Err(Refusal::NotAllowed(format!("{ip} is not a public address")))
        }
    }

    /// Check a URL and resolve its host once: the addresses to connect to, every one of them
    /// allowed.
    pub async fn resolve(&self, raw: &str) -> Result<Target, Refusal> {
        let url = self.check_shape(raw)?;
        let port = url.port_or_known_default().unwrap_or(443);
        let (host, ips) = match url.host() {
            Some(url::Host::Ipv4(v4)) => (None, vec![IpAddr::V4(v4)]),
            Some(url::Host::Ipv6(v6)) => (None, vec![IpAddr::V6(v6)]),
            Some(url::Host::Domain(name)) => {
                let name = name.to_ascii_lowercase();
                let ips = self.lookup(&name, port).await?;
                (Some(name), ips)
            }
            None => return Err(Refusal::Invalid("must have a host".into())),
        };
        for ip in &ips {
            self.check_addr(*ip)?;
        }
        let addrs = ips
            .into_iter()
            .map(|ip| SocketAddr::new(ip, port))
            .collect();
        Ok(Target { url, host, addrs })
    }

    async fn lookup(&self, name: &str, port: u16) -> Result<Vec<IpAddr>, Refusal> {
        if let Some(ips) = self.resolve.get(name) {
            return Ok(ips.clone());
        }
        let internal_name =
            name == "localhost" || name.ends_with(".localhost") || name.ends_with(".internal");
        if internal_name && !self.allow_private {
            return Err(Refusal::NotAllowed(format!("{name} is an internal name")));
        }
        let unresolved = || Refusal::Invalid("the host name does not resolve".into());
        let ips: Vec<IpAddr> =
            tokio::time::timeout(LOOKUP_TIMEOUT, tokio::net::lookup_host((name, port)))
                .await
                .map_err(|_| unresolved())?
                .map_err(|_| unresolved())?
                .map(|a| a.ip())
                .collect();
        if ips.is_empty() {
            return Err(unresolved());
        }
        Ok(ips)
    }
}

/// Check a subscription URL when it is made; the URL as it will be stored.
pub async fn check_url(raw: &str, policy: &Policy) -> Result<url::Url, ApiError> {
    match policy.resolve(raw).await {
        Ok(target) => Ok(target.url),
        Err(Refusal::Invalid(why)) => Err(ApiError::validation("url", why)),
        Err(Refusal::NotAllowed(_)) => {
            Err(ApiError::new(ErrorCode::WebhookUrlNotAllowed).with_field("url"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strict() -> Policy {
        Policy::default()
    }

    #[actix_web::test]
    async fn only_https_on_443_is_allowed_by_default() {
        let p = strict();
        assert!(p.resolve("https://93.184.216.34/hooks").await.is_ok());
        assert!(p.resolve("https://93.184.216.34:443/hooks").await.is_ok());
        for url in [
            "https://93.184.216.34:8443/hooks",
            "https://93.184.216.34:22/",
            "http://93.184.216.34/hooks",
        ] {
            assert!(
                matches!(p.resolve(url).await, Err(Refusal::NotAllowed(_))),
                "{url}"
            );
        }
        let http = Policy {
            allow_http: true,
            ..strict()
        };
        assert!(http.resolve("http://93.184.216.34/hooks").await.is_ok());
        assert!(http.resolve("http://93.184.216.34:8080/").await.is_err());
    }

    #[actix_web::test]
    async fn configured_answers_are_checked_like_dns_answers() {
        let p = Policy {
            resolve: parse_resolve(
                "inside.example=10.0.0.7, mixed.example=8.8.8.8,mixed.example=[::1]",
            )
            .unwrap(),
            ..strict()
        };
        assert_eq!(
            p.resolve("https://inside.example/x").await.unwrap_err(),
            Refusal::NotAllowed("10.0.0.7 is not a public address".into())
        );
        assert!(p.resolve("https://MIXED.example/x").await.is_err());
        let open = Policy {
            allow_private: true,
            ..p
        };
        let t = open.resolve("https://inside.example:9443/x").await.unwrap();
        assert_eq!(t.host.as_deref(), Some("inside.example"));
        assert_eq!(
            t.addrs,
            vec!["10.0.0.7:9443".parse::<SocketAddr>().unwrap()]
        );
    }

    #[test]
    fn a_malformed_resolve_setting_is_an_error() {
        assert!(parse_resolve("a.example").is_err());
        assert!(parse_resolve("a.example=not-an-ip").is_err());
        assert!(parse_resolve("").unwrap().is_empty());
    }
}
