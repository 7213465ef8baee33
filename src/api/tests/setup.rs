//! Client configuration: the extra CA, validation, and futures that cross threads.

use super::*;

/// A CA, and a server certificate for `localhost` that it signed, behind a TLS acceptor.
fn tls_fixture() -> (String, tokio_rustls::TlsAcceptor) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca =
        CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("ca key")).expect("ca");
    let leaf_key = KeyPair::generate().expect("leaf key");
    let leaf = CertificateParams::new(vec!["localhost".to_owned()])
        .expect("leaf params")
        .signed_by(&leaf_key, &ca)
        .expect("leaf");
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(vec![leaf.der().clone(), ca.der().clone()], key)
        .expect("server config");
    (ca.pem(), tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

#[tokio::test]
async fn an_extra_ca_is_trusted_and_verification_stays_on() {
    let (ca_pem, acceptor) = tls_fixture();
    let server = FakeServer::start_tls(
        |_: &Recorded| Reply::Json(200, instance("abc123defg", 1, "bot")),
        acceptor,
    )
    .await;
    let base = format!("https://localhost:{}/v1", server.addr.port());

    let mut cfg = ClientConfig::new(base.clone(), KEY);
    cfg.ca_cert_pem = Some(ca_pem);
    let c = client_with(cfg);
    let got = c
        .get_instance(&op(), "abc123defg")
        .await
        .expect("trusted through the extra CA");
    assert_eq!(got.id, "abc123defg");
    assert_eq!(server.requests().len(), 1);

    let mut cfg = ClientConfig::new(base, KEY);
    cfg.max_retries = 0;
    let c = client_with(cfg);
    let err = c
        .get_instance(&op(), "abc123defg")
        .await
        .expect_err("unknown CA refused");
    assert!(
        !err.may_have_reached_server(),
        "a TLS failure happens before sending: {err}"
    );
    assert_eq!(
        server.requests().len(),
        1,
        "nothing was served without the CA"
    );
}

#[test]
fn client_config_is_validated() {
    let bad = |cfg: ClientConfig| match Client::with_claims(cfg, Claims::default()) {
        Err(ApiError::InvalidConfig(e)) => e.to_string(),
        Err(other) => panic!("unexpected {other}"),
        Ok(_) => panic!("accepted"),
    };
    assert!(bad(ClientConfig::new("http://api.agent37.com/v1", KEY)).contains("loopback"));
    assert!(bad(ClientConfig::new("https://api.agent37.com/v1", "")).contains("empty"));
    assert!(bad(ClientConfig::new("https://api.agent37.com/v1", "bad\nkey")).contains("header"));
    let mut cfg = ClientConfig::new("https://api.agent37.com/v1", KEY);
    cfg.ca_cert_pem =
        Some("-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n".into());
    assert!(bad(cfg).contains("ca_cert_pem"));
    let mut cfg = ClientConfig::new("https://api.agent37.com/v1", KEY);
    cfg.ca_cert_pem = Some("no pem here".into());
    assert!(bad(cfg).contains("ca_cert_pem"));
    let ok = Client::with_claims(
        ClientConfig::new("https://api.agent37.com/v1/", KEY),
        Claims::default(),
    )
    .expect("valid");
    assert_eq!(ok.base_url(), "https://api.agent37.com/v1");
}

/// tonic serves each RPC as a spawned task: every future of the client must be `Send`.
#[allow(dead_code)]
fn futures_are_send(c: &Client, o: &Op) {
    fn send<T: Send>(_: T) {}
    send(c.create_instance(o, &CreateInstance::default()));
    send(c.list_instances(o));
    send(c.stop_instance(o, "x"));
    send(c.exec(o, "x", "y"));
    send(c.create_template(
        o,
        &CreateTemplate {
            name: String::new(),
            image_ref: String::new(),
            description: None,
            ports: None,
            default_port: None,
        },
    ));
    send(c.top_up(
        o,
        "x",
        &TopUp {
            amount_micros: 1,
            idempotency_key: None,
        },
    ));
}
