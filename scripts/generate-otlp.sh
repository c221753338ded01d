#!/usr/bin/env bash
# Regenerates Sources/OTLPProto/*.pb.swift, the OTLP trace messages Rampart's POST /v1/traces decodes, from the
# OpenTelemetry protocol definitions. The generated code is committed: CI never builds protoc-gen-swift.
#
# Pinned inputs:
#   opentelemetry-proto  v1.9.0 (commit a8951735f7801e8adfaec5c0ace9262771cfec6e): trace, common, resource and the
#                        collector's trace service messages
#   swift-protobuf       1.39.0 (protoc-gen-swift, built here; the SwiftProtobuf runtime in Package.swift matches)
#   protoc               Debian's protobuf-compiler
#   google/rpc/status.proto  written below: googleapis' google.rpc.Status (code = 1, message = 2, details = 3), the
#                        body OTLP/HTTP requires for 4xx and 5xx answers.
#
# Usage: scripts/generate-otlp.sh [PATH-TO-opentelemetry-proto-CHECKOUT]
#   Without an argument the proto repository is cloned from GitHub into a temporary directory.
set -euo pipefail

PROTO_COMMIT=a8951735f7801e8adfaec5c0ace9262771cfec6e
SWIFT_PROTOBUF_VERSION=1.39.0
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/Sources/OTLPProto"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

command -v protoc >/dev/null || { apt-get update -qq && apt-get install -y -qq protobuf-compiler; }

# The OTLP definitions at the pinned commit.
if [ $# -ge 1 ]; then
    git -C "$1" archive "$PROTO_COMMIT" opentelemetry/proto | tar -x -C "$WORK"
else
    git clone -q https://github.com/open-telemetry/opentelemetry-proto.git "$WORK/otlp"
    git -C "$WORK/otlp" archive "$PROTO_COMMIT" opentelemetry/proto | tar -x -C "$WORK"
fi

mkdir -p "$WORK/google/rpc"
cat > "$WORK/google/rpc/status.proto" <<'PROTO'
// google.rpc.Status as googleapis defines it (google/rpc/status.proto), the error body of OTLP/HTTP.
syntax = "proto3";
package google.rpc;
import "google/protobuf/any.proto";
message Status {
  int32 code = 1;
  string message = 2;
  repeated google.protobuf.Any details = 3;
}
PROTO

# protoc-gen-swift at the runtime's version (takes about 10 minutes to build).
PLUGIN=${PROTOC_GEN_SWIFT:-}
if [ -z "$PLUGIN" ]; then
    git clone -q https://github.com/apple/swift-protobuf.git "$WORK/swift-protobuf"
    git -C "$WORK/swift-protobuf" checkout -q "$SWIFT_PROTOBUF_VERSION"
    (cd "$WORK/swift-protobuf" && swift build -c release --product protoc-gen-swift)
    PLUGIN="$WORK/swift-protobuf/.build/release/protoc-gen-swift"
fi

rm -f "$OUT"/*.pb.swift
protoc --plugin=protoc-gen-swift="$PLUGIN" -I "$WORK" \
    --swift_opt=Visibility=Public --swift_opt=FileNaming=PathToUnderscores --swift_out="$OUT" \
    opentelemetry/proto/common/v1/common.proto \
    opentelemetry/proto/resource/v1/resource.proto \
    opentelemetry/proto/trace/v1/trace.proto \
    opentelemetry/proto/collector/trace/v1/trace_service.proto \
    google/rpc/status.proto
echo "generated: $(ls "$OUT"/*.pb.swift | xargs -n1 basename | tr '\n' ' ')"
