//! AutoMTLS, go-plugin style: Terraform hands us its client certificate in
//! `PLUGIN_CLIENT_CERT`; we make a throwaway server certificate, advertise it
//! in the handshake line, and accept only Terraform's exact certificate.

use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, ServerConfig, SignatureScheme};

/// PEM of the client certificate Terraform will present.
pub const CLIENT_CERT_KEY: &str = "PLUGIN_CLIENT_CERT";
/// When set (non-empty), serve plaintext even if a client certificate is given.
pub const DISABLE_TLS_KEY: &str = "TF_DISABLE_PLUGIN_TLS";

/// What can go wrong setting up AutoMTLS.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// `PLUGIN_CLIENT_CERT` is not usable PEM.
    #[error("{CLIENT_CERT_KEY} does not hold a PEM certificate: {0}")]
    ClientCertPem(String),
    /// Generating our own key or certificate failed.
    #[error("cannot generate the server certificate: {0}")]
    Generate(#[from] rcgen::Error),
    /// rustls refused the configuration.
    #[error("cannot build the TLS server configuration: {0}")]
    Config(#[from] rustls::Error),
}

/// A ready server TLS configuration plus the certificate to advertise.
#[derive(Debug, Clone)]
pub(crate) struct AutoMtls {
    /// Our certificate, DER; goes base64-encoded into the handshake line.
    pub(crate) server_cert_der: Vec<u8>,
    /// rustls configuration: our cert, mandatory pinned client cert, ALPN h2.
    pub(crate) config: Arc<ServerConfig>,
}

/// Builds the AutoMTLS server side from Terraform's client certificate PEM.
pub(crate) fn auto_mtls(client_cert_pem: &str) -> Result<AutoMtls, TlsError> {
    let accepted = parse_client_certs(client_cert_pem)?;
    // An explicit provider, never the process-wide default, so the result does
    // not depend on what else in the process installed one. aws-lc-rs also
    // verifies Terraform's P-521 signatures.
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let (cert_der, key_der) = server_certificate()?;

    let verifier = Arc::new(PinnedClientCert {
        accepted,
        algorithms: provider.signature_verification_algorithms,
    });
    let mut config = ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![cert_der.clone()], key_der)?;
    // Terraform >= 1.12 refuses a server that does not negotiate h2.
    config.alpn_protocols = vec![b"h2".to_vec()];
    // Each process has a fresh certificate, so sessions are never resumed.
    config.send_tls13_tickets = 0;

    Ok(AutoMtls {
        server_cert_der: cert_der.to_vec(),
        config: Arc::new(config),
    })
}

/// Every certificate in the PEM (Terraform sends one, but go-plugin accepts a
/// bundle, so do we).
fn parse_client_certs(pem: &str) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::ClientCertPem(e.to_string()))?;
    if certs.is_empty() {
        return Err(TlsError::ClientCertPem("no CERTIFICATE block found".into()));
    }
    Ok(certs)
}

/// A fresh self-signed P-256 certificate for `localhost`, valid for server
/// authentication. Terraform pins it from the handshake line, so nothing else
/// about it needs to be trusted.
fn server_certificate() -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>), TlsError> {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()])?;
    let mut name = rcgen::DistinguishedName::new();
    name.push(rcgen::DnType::CommonName, "localhost");
    name.push(
        rcgen::DnType::OrganizationName,
        "terraform-provider-agent37",
    );
    params.distinguished_name = name;
    params.is_ca = rcgen::IsCa::ExplicitNoCa;
    params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let cert = params.self_signed(&key)?;
    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    Ok((cert.der().clone(), key_der))
}

/// Requires a client certificate and accepts exactly the DER Terraform gave
/// us. No web-PKI chain building: Terraform's certificate is a self-signed
/// P-521 CA, which a standard verifier rejects as an end-entity. Handshake
/// signatures are still checked with the crypto provider's algorithms, so the
/// client must hold the matching private key.
#[derive(Debug)]
struct PinnedClientCert {
    accepted: Vec<CertificateDer<'static>>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for PinnedClientCert {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        // No hints: Go's TLS client then offers its only certificate.
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if self
            .accepted
            .iter()
            .any(|c| c.as_ref() == end_entity.as_ref())
        {
            Ok(ClientCertVerified::assertion())
        } else {
            tracing::warn!("refused a TLS client certificate that is not the one Terraform passed");
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p521_ca_pem() -> String {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.self_signed(&key).unwrap().pem()
    }

    #[test]
    fn builds_a_config_with_h2_and_a_localhost_cert() {
        let mtls = auto_mtls(&p521_ca_pem()).unwrap();
        assert_eq!(mtls.config.alpn_protocols, vec![b"h2".to_vec()]);
        assert!(!mtls.server_cert_der.is_empty());
        // The SAN is there in plain ASCII inside the DER.
        assert!(
            mtls.server_cert_der
                .windows(b"localhost".len())
                .any(|w| w == b"localhost")
        );
    }

    #[test]
    fn rejects_garbage_pem() {
        assert!(matches!(
            auto_mtls("not a certificate"),
            Err(TlsError::ClientCertPem(_))
        ));
        assert!(matches!(
            auto_mtls("-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n"),
            Err(TlsError::ClientCertPem(_))
        ));
    }

    #[test]
    fn verifier_accepts_only_the_pinned_der() {
        let pem = p521_ca_pem();
        let accepted = parse_client_certs(&pem).unwrap();
        let other = parse_client_certs(&p521_ca_pem()).unwrap();
        let v = PinnedClientCert {
            accepted: accepted.clone(),
            algorithms: rustls::crypto::aws_lc_rs::default_provider()
                .signature_verification_algorithms,
        };
        assert!(
            v.verify_client_cert(&accepted[0], &[], UnixTime::now())
                .is_ok()
        );
        assert!(
            v.verify_client_cert(&other[0], &[], UnixTime::now())
                .is_err()
        );
        assert!(
            v.supported_verify_schemes()
                .contains(&SignatureScheme::ECDSA_NISTP521_SHA512)
        );
    }
}
