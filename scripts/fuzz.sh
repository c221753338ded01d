#!/usr/bin/env bash
# Builds Rampart's libFuzzer targets (Fuzz/) with the address sanitizer and runs each for a fixed budget.
#   scripts/fuzz.sh              every target for 45 s
#   scripts/fuzz.sh 600          every target for 10 minutes
#   scripts/fuzz.sh 30 FuzzEvents   one target
# Seeds come from Fuzz/corpus/TARGET (committed, read-only here); what a run discovers goes to a temporary
# corpus. A crash, a failed check or a timeout stops the script with libFuzzer's report and the input's path:
# fix the cause and add the input to a Swift test.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-45}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(FuzzEvents FuzzJSON FuzzPostHog FuzzPostHogForm FuzzGzip FuzzOTLP FuzzEvaluationContext FuzzCondition FuzzExperimentYAML)

# swiftc keeps only the last -sanitize= flag it is given, and SwiftPM passes --sanitize=fuzzer and
# --sanitize=address as two: alone they instrument Swift code for the address sanitizer and not for libFuzzer's
# coverage, so the fuzzers would run blind on every Swift module (only C code, such as Yams' and BoringSSL's, fed
# them coverage). -Xswiftc -sanitize=fuzzer,address comes last and gives swiftc both; SwiftPM's two flags stay for
# clang and the link (libFuzzer's main). docs/fuzzing.md, "Coverage".
flags=(--package-path Fuzz --scratch-path .build-fuzz --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address)
swift build "${flags[@]}" 2>&1 | grep -v -e "Cannot export local symbol '__asan" -e "^\[" || true
bin="$(swift build "${flags[@]}" --show-bin-path)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p .build-fuzz/artifacts
for target in "${targets[@]}"; do
  [ -x "$bin/$target" ] || { echo "fuzz: $target was not built" >&2; exit 1; }
  # A target without coverage counters fuzzes blind: refuse to report it as fuzzed.
  banner="$(SWIFT_BACKTRACE=enable=no "$bin/$target" -runs=0 "Fuzz/corpus/$target" 2>&1 || true)"
  if ! grep -q "inline 8-bit counters" <<< "$banner"; then
    echo "fuzz: $target has no coverage instrumentation" >&2; exit 1
  fi
  mkdir -p "$work/$target"
  echo "fuzz: $target for ${seconds}s"
  if ! SWIFT_BACKTRACE=enable=no "$bin/$target" "$work/$target" "Fuzz/corpus/$target" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=4096 -max_len=65536 -artifact_prefix=".build-fuzz/artifacts/$target-" -print_final_stats=1 \
      > "$work/$target.log" 2>&1; then
    grep -E -m 5 "Fatal error|Precondition failed|ERROR: |SUMMARY" "$work/$target.log" >&2 || true
    tail -n 25 "$work/$target.log" >&2
    echo "fuzz: $target FAILED; the input is in .build-fuzz/artifacts/" >&2
    exit 1
  fi
  grep -E "^stat::number_of_executed_units|^Done|cov:" "$work/$target.log" | tail -n 2
done
