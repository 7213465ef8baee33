//! Protocol tests: the built provider binary, started the way Terraform starts
//! it, must complete go-plugin's handshake, speak gRPC over AutoMTLS with a
//! pinned client certificate, and stop cleanly when asked.

use testkit::plugin as plugin_client;

use std::path::Path;
use std::time::{Duration, Instant};

use agent37_provider::proto::plugin::grpc_broker_client::GrpcBrokerClient;
use agent37_provider::proto::plugin::grpc_controller_client::GrpcControllerClient;
use agent37_provider::proto::plugin::grpc_stdio_client::GrpcStdioClient;
use agent37_provider::proto::plugin::{ConnInfo, Empty};
use agent37_provider::proto::tfplugin6::provider_client::ProviderClient;
use agent37_provider::proto::tfplugin6::{RawState, get_metadata, get_provider_schema};
use agent37_provider::proto::tfplugin6::{upgrade_resource_state, validate_resource_config};
use plugin_client::{
    ClientIdentity, Handshake, KillOnDrop, Launch, PluginProcess, client_tls, connect, provider_bin,
};
use tonic::transport::Channel;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

/// Big enough for 10 MiB values plus envelope, like Terraform's own client.
const MAX_MESSAGE: usize = 256 << 20;

fn provider(channel: Channel) -> ProviderClient<Channel> {
    ProviderClient::new(channel)
        .max_decoding_message_size(MAX_MESSAGE)
        .max_encoding_message_size(MAX_MESSAGE)
}

/// Starts the plugin under AutoMTLS and connects as Terraform would.
async fn start_mtls(dir: &Path) -> (PluginProcess, Handshake, ClientIdentity, Channel) {
    let client = ClientIdentity::generate();
    let mut plugin = Launch::managed(dir, Some(&client)).spawn();
    let hs = plugin.handshake();
    let cert = hs
        .server_cert
        .clone()
        .expect("TLS handshake line carries a cert");
    let tls = client_tls(&cert, Some(&client)).expect("client TLS config");
    let channel = connect(&hs, Some(tls))
        .await
        .unwrap_or_else(|e| panic!("connect: {e}; stderr:\n{}", plugin.stderr()));
    (plugin, hs, client, channel)
}

async fn assert_serving(channel: Channel) {
    let status = HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: "plugin".into(),
        })
        .await
        .expect("health check")
        .into_inner()
        .status;
    assert_eq!(status, ServingStatus::Serving as i32);
}

async fn schema_and_metadata(channel: Channel) {
    let mut client = provider(channel);
    let schema = client
        .get_provider_schema(get_provider_schema::Request {})
        .await
        .expect("GetProviderSchema")
        .into_inner();
    assert!(schema.provider.is_some(), "provider schema present");
    client
        .get_metadata(get_metadata::Request {})
        .await
        .expect("GetMetadata");
}

#[tokio::test]
async fn handshake_line_has_go_plugin_format() {
    let dir = tempfile::tempdir().unwrap();
    let client = ClientIdentity::generate();
    let mut plugin = Launch::managed(dir.path(), Some(&client)).spawn();
    let hs = plugin.handshake();
    eprintln!(
        "spawn -> handshake line: {:?} (debug build)",
        plugin.started.elapsed()
    );

    assert_eq!(hs.core_version, "1", "{}", hs.raw);
    assert_eq!(hs.app_version, "6", "{}", hs.raw);
    assert_eq!(hs.network, "unix", "{}", hs.raw);
    assert_eq!(hs.protocol, "grpc", "{}", hs.raw);
    assert!(!hs.raw.ends_with('='), "no base64 padding: {}", hs.raw);
    let socket = Path::new(&hs.address);
    assert!(
        socket.starts_with(dir.path()),
        "socket in PLUGIN_UNIX_SOCKET_DIR"
    );
    {
        use std::os::unix::fs::FileTypeExt;
        let meta = std::fs::metadata(socket).expect("socket exists");
        assert!(meta.file_type().is_socket());
    }
    let cert = hs.server_cert.expect("certificate field");
    assert!(cert.windows(9).any(|w| w == b"localhost"), "SAN localhost");

    // Exactly one line: nothing else shows up on stdout.
    assert!(plugin.next_line(Duration::from_millis(300)).is_none());
}

#[tokio::test]
async fn mtls_with_pinned_client_certificate_serves_rpcs() {
    let dir = tempfile::tempdir().unwrap();
    let (plugin, _hs, _client, channel) = start_mtls(dir.path()).await;
    schema_and_metadata(channel.clone()).await;
    assert_serving(channel).await;
    assert!(plugin.next_line(Duration::from_millis(100)).is_none());
}

#[tokio::test]
async fn foreign_client_certificate_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let terraform = ClientIdentity::generate();
    let intruder = ClientIdentity::generate();
    let mut plugin = Launch::managed(dir.path(), Some(&terraform)).spawn();
    let hs = plugin.handshake();
    let cert = hs.server_cert.clone().unwrap();

    // With TLS 1.3 the client may finish its side of the handshake before the
    // server rejects the certificate, so the refusal can surface at connect or
    // at the first RPC; either way no RPC may succeed.
    for identity in [Some(&intruder), None] {
        let tls = client_tls(&cert, identity).unwrap();
        let refused = match connect(&hs, Some(tls)).await {
            Err(_) => true,
            Ok(channel) => provider(channel)
                .get_provider_schema(get_provider_schema::Request {})
                .await
                .is_err(),
        };
        assert!(
            refused,
            "client cert {:?} must be refused",
            identity.is_some()
        );
    }

    // The legitimate client still gets in afterwards.
    let tls = client_tls(&cert, Some(&terraform)).unwrap();
    let channel = connect(&hs, Some(tls)).await.unwrap();
    schema_and_metadata(channel).await;
}

#[tokio::test]
async fn plaintext_when_plugin_tls_is_disabled() {
    let dir = tempfile::tempdir().unwrap();
    let client = ClientIdentity::generate();
    let mut plugin = Launch::managed(dir.path(), Some(&client))
        .env("TF_DISABLE_PLUGIN_TLS", "1")
        .spawn();
    let hs = plugin.handshake();
    assert!(hs.raw.ends_with("|grpc|"), "empty cert field: {}", hs.raw);
    assert!(hs.server_cert.is_none());
    let channel = connect(&hs, None).await.unwrap();
    schema_and_metadata(channel.clone()).await;
    assert_serving(channel).await;
}

#[tokio::test]
async fn plaintext_without_client_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let mut plugin = Launch::managed(dir.path(), None).spawn();
    let hs = plugin.handshake();
    assert!(hs.server_cert.is_none(), "{}", hs.raw);
    let channel = connect(&hs, None).await.unwrap();
    schema_and_metadata(channel).await;
}

#[tokio::test]
async fn controller_shutdown_exits_and_removes_socket() {
    let dir = tempfile::tempdir().unwrap();
    let (mut plugin, hs, _client, channel) = start_mtls(dir.path()).await;

    // Open streams like go-plugin does (stdio, broker); they must not hold up
    // the stop.
    let _stdio = GrpcStdioClient::new(channel.clone())
        .stream_stdio(())
        .await
        .expect("StreamStdio");
    let _broker = GrpcBrokerClient::new(channel.clone())
        .start_stream(futures::stream::pending::<ConnInfo>())
        .await
        .expect("StartStream");

    let asked = Instant::now();
    GrpcControllerClient::new(channel)
        .shutdown(Empty {})
        .await
        .expect("Shutdown answers");
    let status = plugin.wait_exit(Duration::from_secs(3)).unwrap_or_else(|| {
        panic!(
            "still running 3 s after Shutdown; stderr:\n{}",
            plugin.stderr()
        )
    });
    let took = asked.elapsed();
    assert!(status.success(), "exit status {status:?}");
    assert!(
        took < Duration::from_secs(2),
        "took {took:?}; Terraform kills after 2 s"
    );
    assert!(!Path::new(&hs.address).exists(), "socket removed");
}

#[tokio::test]
async fn sigint_is_ignored_and_sigterm_stops() {
    let dir = tempfile::tempdir().unwrap();
    let (mut plugin, hs, _client, channel) = start_mtls(dir.path()).await;

    plugin.signal("INT");
    assert!(
        plugin.wait_exit(Duration::from_millis(500)).is_none(),
        "SIGINT must not stop a managed provider"
    );
    schema_and_metadata(channel).await;

    plugin.signal("TERM");
    let status = plugin
        .wait_exit(Duration::from_secs(3))
        .expect("exits after SIGTERM");
    assert!(status.success(), "exit status {status:?}");
    assert!(!Path::new(&hs.address).exists(), "socket removed");
}

/// Terraform killed outright never sends Shutdown; the provider must notice
/// that its parent is gone and clean up instead of lingering.
#[tokio::test]
async fn exits_when_terraform_dies() {
    let dir = tempfile::tempdir().unwrap();
    // A shell stands in for Terraform: it starts the plugin, then exits.
    let bin = provider_bin();
    let script = format!("'{}' & echo \"pid $!\"; sleep 1", bin.display());
    let mut terraform = Launch::managed(dir.path(), None)
        .env("PATH", &std::env::var("PATH").unwrap_or_default())
        .spawn_program("/bin/sh", &["-c".to_owned(), script]);
    let (_, first) = terraform
        .next_line(Duration::from_secs(20))
        .expect("pid line");
    let pid: u32 = first
        .strip_prefix("pid ")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("pid line: {first}"));
    let _orphan = KillOnDrop(pid);
    let (_, line) = terraform
        .next_line(Duration::from_secs(20))
        .expect("handshake line");
    let hs = Handshake::parse(&line).unwrap();
    assert!(Path::new(&hs.address).exists());

    terraform
        .wait_exit(Duration::from_secs(5))
        .expect("shell exits");
    let deadline = Instant::now() + Duration::from_secs(3);
    while Path::new(&hs.address).exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        !Path::new(&hs.address).exists(),
        "orphaned provider did not shut down; stderr:\n{}",
        terraform.stderr()
    );
}

#[tokio::test]
async fn wrong_or_missing_cookie_exits_1_with_a_human_message() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        Launch::managed(dir.path(), None).without("TF_PLUGIN_MAGIC_COOKIE"),
        Launch::managed(dir.path(), None).env("TF_PLUGIN_MAGIC_COOKIE", "nope"),
    ];
    for launch in cases {
        let mut plugin = launch.spawn();
        let status = plugin.wait_exit(Duration::from_secs(5)).expect("exits");
        assert_eq!(status.code(), Some(1));
        let stderr = plugin.stderr();
        assert!(stderr.contains("plugin for Terraform"), "stderr: {stderr}");
        assert!(
            plugin.next_line(Duration::from_millis(100)).is_none(),
            "nothing on stdout"
        );
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no socket left"
    );
}

#[tokio::test]
async fn protocol_version_6_is_required() {
    let dir = tempfile::tempdir().unwrap();
    for launch in [
        Launch::managed(dir.path(), None).without("PLUGIN_PROTOCOL_VERSIONS"),
        Launch::managed(dir.path(), None).env("PLUGIN_PROTOCOL_VERSIONS", "4,5"),
    ] {
        let mut plugin = launch.spawn();
        let status = plugin.wait_exit(Duration::from_secs(5)).expect("exits");
        assert_eq!(status.code(), Some(1));
        assert!(
            plugin.stderr().contains("PLUGIN_PROTOCOL_VERSIONS")
                || plugin.stderr().contains("version 6"),
            "stderr: {}",
            plugin.stderr()
        );
    }
}

#[tokio::test]
async fn debug_mode_prints_reattach_config_and_serves_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let mut plugin = Launch::default()
        .env("PLUGIN_UNIX_SOCKET_DIR", &dir.path().display().to_string())
        .env("AGENT37_API_KEY", "sk_live_debugdebugdebugdebugdebug")
        .env("AGENT37_BASE_URL", "")
        .arg("--debug")
        .spawn();
    let mut reattach = None;
    let mut before = Vec::new();
    while let Some((_, line)) = plugin.next_line(Duration::from_secs(20)) {
        if let Some(v) = line.strip_prefix("TF_REATTACH_PROVIDERS=") {
            reattach = Some(v.trim_matches('\'').to_owned());
            break;
        }
        before.push(line);
    }
    // Issue 15: it says which variables it reads from its own environment, and which it has
    // (never their values).
    let said = before.join("\n");
    assert!(
        said.contains("not from Terraform's")
            && said.contains("  AGENT37_API_KEY (set): the workspace API key")
            && said.contains("  AGENT37_BASE_URL (not set): the API's base URL"),
        "{said}"
    );
    assert!(!said.contains("sk_live_debug"), "{said}");
    let reattach = reattach.unwrap_or_else(|| {
        panic!(
            "no TF_REATTACH_PROVIDERS line; stderr:\n{}",
            plugin.stderr()
        )
    });
    let json: serde_json::Value = serde_json::from_str(&reattach).expect("reattach is JSON");
    let entry = &json["registry.terraform.io/agent37/agent37"];
    assert_eq!(entry["Protocol"], "grpc");
    assert_eq!(entry["ProtocolVersion"], 6);
    assert_eq!(entry["Pid"], plugin.pid());
    assert_eq!(entry["Test"], true);
    assert_eq!(entry["Addr"]["Network"], "unix");
    let socket = entry["Addr"]["String"]
        .as_str()
        .expect("socket path")
        .to_owned();

    let hs = Handshake::parse(&format!("1|6|unix|{socket}|grpc|")).unwrap();
    let channel = connect(&hs, None).await.expect("plaintext connect");
    schema_and_metadata(channel).await;

    plugin.signal("INT");
    let status = plugin
        .wait_exit(Duration::from_secs(3))
        .expect("Ctrl-C stops debug mode");
    assert!(status.success(), "exit status {status:?}");
    assert!(!Path::new(&socket).exists(), "socket removed");
}

#[tokio::test]
async fn tcp_fallback_honours_port_range() {
    let missing = tempfile::tempdir().unwrap().path().join("gone");
    let client = ClientIdentity::generate();
    let mut plugin = Launch::managed(&missing, Some(&client)).spawn();
    let hs = plugin.handshake();
    assert_eq!(hs.network, "tcp", "{}", hs.raw);
    let port: u16 = hs
        .address
        .strip_prefix("127.0.0.1:")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("loopback address: {}", hs.raw));
    assert!((10000..=25000).contains(&port), "port {port} in range");
    let tls = client_tls(hs.server_cert.as_deref().unwrap(), Some(&client)).unwrap();
    let channel = connect(&hs, Some(tls)).await.unwrap();
    schema_and_metadata(channel).await;
}

#[tokio::test]
async fn logs_are_hclog_json_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let mut plugin = Launch::managed(dir.path(), None)
        .env("TF_LOG", "debug")
        .spawn();
    let _hs = plugin.handshake();
    plugin.signal("TERM");
    plugin.wait_exit(Duration::from_secs(3)).expect("exits");
    let stderr = plugin.stderr();
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(!lines.is_empty(), "some debug output");
    for line in lines {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert_eq!(v["@module"], "provider.terraform-provider-agent37");
        assert!(
            v["@level"].is_string() && v["@message"].is_string(),
            "{line}"
        );
        assert!(
            v["@timestamp"].as_str().is_some_and(|t| t.ends_with('Z')),
            "{line}"
        );
    }
}

/// A request bigger than tonic's 4 MiB default must be decoded, not refused
/// with RESOURCE_EXHAUSTED; the unknown type name makes any provider answer
/// with a diagnostic instead of work.
#[tokio::test]
async fn large_request_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let (_plugin, _hs, _client, channel) = start_mtls(dir.path()).await;
    let config = agent37_provider::proto::tfplugin6::DynamicValue {
        msgpack: vec![0xc0; 10 << 20],
        json: vec![],
    };
    let result = provider(channel)
        .validate_resource_config(validate_resource_config::Request {
            type_name: "agent37_no_such_resource".into(),
            config: Some(config),
            client_capabilities: None,
        })
        .await;
    if let Err(status) = result {
        assert_ne!(status.code(), tonic::Code::ResourceExhausted, "{status}");
        assert_ne!(status.code(), tonic::Code::Unavailable, "{status}");
    }
}

/// The response direction needs an RPC that hands a value back. Stored state
/// goes through UpgradeResourceState and comes back re-encoded, so a state
/// whose `id` is 10 MiB must return those 10 MiB. Uses the first resource
/// type whose schema has a string `id` (every other attribute null, nested
/// blocks empty); skipped, with a note, while the provider has none.
#[tokio::test]
async fn ten_mib_value_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let (_plugin, _hs, _client, channel) = start_mtls(dir.path()).await;
    let mut client = provider(channel);
    let schemas = client
        .get_provider_schema(get_provider_schema::Request {})
        .await
        .expect("GetProviderSchema")
        .into_inner()
        .resource_schemas;
    let mut names: Vec<&String> = schemas.keys().collect();
    names.sort();
    let string_type = serde_json::Value::from("string");
    let echo = names.into_iter().find_map(|name| {
        let schema = &schemas[name];
        let block = schema.block.as_ref()?;
        block
            .attributes
            .iter()
            .any(|a| {
                a.name == "id"
                    && serde_json::from_slice::<serde_json::Value>(&a.r#type).ok()
                        == Some(string_type.clone())
            })
            .then_some((name.clone(), schema.version, block))
    });
    let Some((type_name, version, block)) = echo else {
        eprintln!("skipped: no resource type with a string `id` attribute yet");
        return;
    };

    let big: String = "x".repeat(10 << 20);
    let mut state = serde_json::Map::new();
    for attribute in &block.attributes {
        state.insert(attribute.name.clone(), serde_json::Value::Null);
    }
    for nested in &block.block_types {
        use agent37_provider::proto::tfplugin6::schema::nested_block::NestingMode;
        let empty = match NestingMode::try_from(nested.nesting) {
            Ok(NestingMode::List | NestingMode::Set) => serde_json::json!([]),
            Ok(NestingMode::Map) => serde_json::json!({}),
            _ => serde_json::Value::Null,
        };
        state.insert(nested.type_name.clone(), empty);
    }
    state.insert("id".into(), serde_json::Value::from(big.as_str()));
    let state = serde_json::Value::Object(state).to_string();

    let started = Instant::now();
    let response = client
        .upgrade_resource_state(upgrade_resource_state::Request {
            type_name: type_name.clone(),
            version,
            raw_state: Some(RawState {
                json: state.into_bytes(),
                flatmap: Default::default(),
            }),
        })
        .await
        .expect("UpgradeResourceState with 10 MiB")
        .into_inner();
    eprintln!(
        "10 MiB round trip through {type_name}: {:?}",
        started.elapsed()
    );
    let upgraded = response
        .upgraded_state
        .unwrap_or_else(|| panic!("no upgraded state; diagnostics: {:?}", response.diagnostics));
    let bytes = if upgraded.msgpack.is_empty() {
        upgraded.json
    } else {
        upgraded.msgpack
    };
    assert!(bytes.len() >= big.len(), "echoed {} bytes", bytes.len());
    let needle = &big.as_bytes()[..1 << 20];
    assert!(
        bytes.windows(needle.len()).any(|w| w == needle),
        "value came back"
    );
}

/// Issue 15: `--version` and `--help` answer a person (exit 0, on stdout, no cookie needed);
/// an unknown argument is a usage error (exit 1).
#[test]
fn version_and_help_answer_a_person() {
    let run = |arg: &str| {
        std::process::Command::new(provider_bin())
            .arg(arg)
            .env_remove("TF_PLUGIN_MAGIC_COOKIE")
            .output()
            .expect("the provider binary runs")
    };
    let out = run("--version");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(
            "terraform-provider-agent37 {} (Terraform plugin protocol 6)\n",
            env!("CARGO_PKG_VERSION")
        )
    );
    let out = run("--help");
    assert!(out.status.success(), "{out:?}");
    let help = String::from_utf8_lossy(&out.stdout);
    for piece in [
        "usage: terraform-provider-agent37 [--debug | --version | --help]",
        "Terraform starts this binary itself (with no arguments)",
        "source \"agent37/agent37\"",
        "AGENT37_API_KEY",
        "AGENT37_BASE_URL",
        "TF_LOG_PROVIDER",
    ] {
        assert!(help.contains(piece), "{piece}:\n{help}");
    }
    let out = run("--versoin");
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(out.stdout.is_empty());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("see --help"),
        "{out:?}"
    );
}
