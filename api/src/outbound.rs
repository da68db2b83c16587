//! Outbound HTTPS: the one place that builds the clients Linli calls out with, the WeChat code
//! exchange and webhook deliveries.
//!
//! TLS is rustls with the aws-lc-rs provider (the provider jsonwebtoken signs with too, so one
//! crypto library is built; aws-lc-sys builds with the C compiler alone on Linux, no cmake).
//! Trusted roots are Mozilla's, compiled in (`webpki-roots`), so a machine without the
//! `ca-certificates` package still reaches `https://api.weixin.qq.com`; `LINLI_EXTRA_CA_FILE`
//! (PEM, one or more certificates) adds roots for private deployments and for the tests.
//! Only HTTP/1.1 is spoken, and no system proxy is used for webhooks (a proxy would connect
//! somewhere other than the checked address).

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

use crate::config::Config;

/// The longest a connection may take to set up (TCP and TLS), whatever the total timeout.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

const USER_AGENT: &str = concat!("linli/", env!("CARGO_PKG_VERSION"));

/// Why the outbound clients could not be built (a start-up error).
#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    #[error("LINLI_EXTRA_CA_FILE {path}: {reason}")]
    ExtraCa { path: String, reason: String },
    #[error("TLS set-up: {0}")]
    Tls(String),
    #[error("HTTP client: {0}")]
    Client(String),
}

/// The outbound clients and what builds more of them (one per webhook delivery).
pub struct Outbound {
    tls: rustls::ClientConfig,
    wechat: reqwest::Client,
    webhook_timeout: Duration,
}

impl Outbound {
    pub fn new(config: &Config) -> Result<Self, OutboundError> {
        let tls = tls_config(config.extra_ca_file.as_deref())?;
        let wechat = base_builder(&tls, Duration::from_millis(config.wechat_timeout_ms))
            .build()
            .map_err(|e| OutboundError::Client(e.to_string()))?;
        Ok(Outbound {
            tls,
            wechat,
            webhook_timeout: Duration::from_millis(config.webhook_timeout_ms),
        })
    }

    /// The client of the WeChat code exchange (pooled, shared).
    pub fn wechat(&self) -> &reqwest::Client {
        &self.wechat
    }

    /// A client for one webhook delivery that follows no redirect and uses no proxy; with
    /// `pin = (host, addrs)` it connects to `host` only at `addrs` (already checked) and never
    /// asks DNS.
    pub fn webhook_client(
        &self,
        pin: Option<(&str, &[SocketAddr])>,
    ) -> Result<reqwest::Client, String> {
        let mut builder = base_builder(&self.tls, self.webhook_timeout);
        if let Some((host, addrs)) = pin {
            builder = builder.resolve_to_addrs(host, addrs);
        }
        builder
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("linli-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| describe(&e))
    }
}

fn base_builder(tls: &rustls::ClientConfig, total: Duration) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls.clone())
        .user_agent(USER_AGENT)
        .connect_timeout(CONNECT_TIMEOUT.min(total))
        .timeout(total)
}

/// The rustls configuration: Mozilla's roots plus those of `extra_ca_file`.
fn tls_config(extra_ca_file: Option<&Path>) -> Result<rustls::ClientConfig, OutboundError> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = extra_ca_file {
        for cert in read_extra_roots(path)? {
            roots.add(cert).map_err(|e| OutboundError::ExtraCa {
                path: path.display().to_string(),
                reason: format!("not a usable CA certificate: {e}"),
            })?;
        }
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| OutboundError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// Every certificate in a PEM file; an unreadable file, a malformed block or a file without
/// any certificate is an error.
fn read_extra_roots(path: &Path) -> Result<Vec<CertificateDer<'static>>, OutboundError> {
    let fail = |reason: String| OutboundError::ExtraCa {
        path: path.display().to_string(),
        reason,
    };
    let pem = std::fs::read(path).map_err(|e| fail(format!("cannot read it: {e}")))?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| fail(format!("not valid PEM: {e}")))?;
    if certs.is_empty() {
        return Err(fail("holds no PEM certificate (BEGIN CERTIFICATE)".into()));
    }
    Ok(certs)
}

/// A transport error with its causes (e.g. "invalid peer certificate: UnknownIssuer"), without
/// the URL (which may carry a secret).
pub fn describe(e: &reqwest::Error) -> String {
    let mut out = if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "could not connect".to_owned()
    } else {
        "request failed".to_owned()
    };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !out.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// Whether a request failed because the peer's certificate was refused.
pub fn is_untrusted_certificate(e: &reqwest::Error) -> bool {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if matches!(
            rustls_error(s),
            Some(rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented)
        ) {
            return true;
        }
        source = s.source();
    }
    false
}

/// The rustls error in `e`, looking through the `io::Error`s that wrap it on its way to
/// reqwest (whose `source` skips the wrapped error).
fn rustls_error<'a>(mut e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    loop {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        e = e.downcast_ref::<std::io::Error>()?.get_ref()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_extra_ca_file_without_certificates_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "no certificates here\n").unwrap();
        let msg = tls_config(Some(&empty)).unwrap_err().to_string();
        assert!(msg.contains("LINLI_EXTRA_CA_FILE"), "{msg}");
        assert!(msg.contains("no PEM certificate"), "{msg}");
    }

    #[test]
    fn a_missing_extra_ca_file_is_refused() {
        let msg = tls_config(Some(Path::new("/nonexistent/ca.pem")))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("cannot read it"), "{msg}");
    }

    #[test]
    fn a_malformed_certificate_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.pem");
        std::fs::write(
            &bad,
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let msg = tls_config(Some(&bad)).unwrap_err().to_string();
        assert!(msg.contains("LINLI_EXTRA_CA_FILE"), "{msg}");
    }
}
