// Compiles `proto/*.proto` into Rust with the pure-Rust `protox` compiler, so
// building needs no system `protoc`.

use std::error::Error;
use std::path::PathBuf;

/// The protocol files, relative to `proto/`.
const PROTOS: &[&str] = &[
    "tfplugin6.proto",
    "grpc_controller.proto",
    "grpc_stdio.proto",
    "grpc_broker.proto",
];

fn main() -> Result<(), Box<dyn Error>> {
    let proto_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?).join("proto");
    println!("cargo:rerun-if-changed={}", proto_dir.display());
    let files: Vec<PathBuf> = PROTOS.iter().map(|p| proto_dir.join(p)).collect();
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
    }

    // protox bundles the well-known types (timestamp, empty) itself.
    let descriptors = protox::compile(&files, [&proto_dir])?;

    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        // RPCs the provider does not override answer UNIMPLEMENTED, which is
        // how Terraform learns a feature is absent.
        .generate_default_stubs(true)
        .compile_fds(descriptors)?;
    Ok(())
}
