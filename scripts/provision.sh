#!/usr/bin/env bash
# Provisions the tools Emtihan needs but npm does not bring, offline (registries only), into a
# cache outside the checkout so fresh clones reuse them:
#   - Temporal CLI (dev server + Web UI), built from the Go module proxy;
#   - Temporal's Java time-skipping test server, from Maven Central;
#   - schemathesis (the API fuzzer of npm run test:fuzz), from PyPI into a virtual environment,
#     when Python 3 is present.
# Usage: scripts/provision.sh [temporal-cli|test-server|schemathesis|all]   (default: all)
# Prints nothing but progress on stderr; exits non-zero with the reason on failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/tool-paths.sh
source "$here/tool-paths.sh"

log() { printf '[provision] %s\n' "$*" >&2; }

provision_temporal_cli() {
  if [ -n "${TEMPORAL_CLI:-}" ]; then
    [ -x "$TEMPORAL_CLI" ] || { log "TEMPORAL_CLI=$TEMPORAL_CLI is not an executable file"; exit 1; }
    log "temporal CLI from TEMPORAL_CLI: $TEMPORAL_CLI"; return
  fi
  if [ -x "$TEMPORAL_CLI_BIN" ]; then log "temporal CLI cached: $TEMPORAL_CLI_BIN"; return; fi
  if command -v temporal >/dev/null 2>&1; then log "temporal CLI on PATH: $(command -v temporal)"; return; fi
  if command -v go >/dev/null 2>&1; then
    log "building temporal CLI $TEMPORAL_CLI_VERSION from the Go module proxy (about 3 minutes, once)…"
    local start=$SECONDS tmp="$TEMPORAL_CLI_DIR.tmp.$$"
    mkdir -p "$tmp"
    # GOFLAGS=-mod=mod: no vendoring; the module cache is reused by later builds.
    GOBIN="$tmp" GOFLAGS=-mod=mod go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION"
    rm -rf "$TEMPORAL_CLI_DIR"; mv "$tmp" "$TEMPORAL_CLI_DIR"
    log "temporal CLI built in $((SECONDS - start)) s: $TEMPORAL_CLI_BIN"
    return
  fi
  log "no Go toolchain: the Temporal SDK will download the CLI itself (needs the internet)"
}

provision_test_server() {
  if [ -n "${TEMPORAL_TEST_SERVER:-}" ]; then
    [ -x "$TEMPORAL_TEST_SERVER" ] || { log "TEMPORAL_TEST_SERVER=$TEMPORAL_TEST_SERVER is not executable"; exit 1; }
    log "test server from TEMPORAL_TEST_SERVER: $TEMPORAL_TEST_SERVER"; return
  fi
  if [ -x "$TEST_SERVER_BIN" ] && [ -d "$TEST_SERVER_DIR/lib" ]; then log "test server cached: $TEST_SERVER_BIN"; return; fi
  if ! command -v mvn >/dev/null 2>&1 || ! command -v java >/dev/null 2>&1; then
    log "no Maven/Java: the Temporal SDK will download its test server itself (needs the internet)"; return
  fi
  log "fetching temporal-test-server $TEST_SERVER_VERSION from Maven Central…"
  local start=$SECONDS tmp="$TEST_SERVER_DIR.tmp.$$"
  mkdir -p "$tmp/lib"
  # Maven's output is kept for the error case only (it prints colour codes even when quiet).
  if ! mvn -q -B -Dstyle.color=never -f "$here/test-server/pom.xml" \
    -Dtemporal.test-server.version="$TEST_SERVER_VERSION" \
    dependency:copy-dependencies -DoutputDirectory="$tmp/lib" -DincludeScope=runtime >"$tmp/mvn.log" 2>&1; then
    cat "$tmp/mvn.log" >&2; log "Maven could not fetch the test server (output above)"; exit 1
  fi
  rm -f "$tmp/mvn.log"
  cat >"$tmp/temporal-test-server" <<WRAP
#!/usr/bin/env bash
# Temporal time-skipping test server $TEST_SERVER_VERSION; the SDK passes the port as the only argument.
exec java -cp '$TEST_SERVER_DIR/lib/*' io.temporal.testserver.TestServer "\$@"
WRAP
  chmod +x "$tmp/temporal-test-server"
  rm -rf "$TEST_SERVER_DIR"; mv "$tmp" "$TEST_SERVER_DIR"
  log "test server ready in $((SECONDS - start)) s: $TEST_SERVER_BIN ($(ls "$TEST_SERVER_DIR/lib" | wc -l) jars)"
}

provision_schemathesis() {
  # A venv records its own path, so it is built in place; the marker says it finished.
  if [ -x "$SCHEMATHESIS_BIN" ] && [ -f "$SCHEMATHESIS_DIR/.complete" ]; then log "schemathesis cached: $SCHEMATHESIS_BIN"; return; fi
  if ! command -v python3 >/dev/null 2>&1; then log "no python3: the API fuzz test is skipped"; return; fi
  log "installing schemathesis $SCHEMATHESIS_VERSION from PyPI into $SCHEMATHESIS_DIR…"
  local start=$SECONDS
  rm -rf "$SCHEMATHESIS_DIR"
  if ! { python3 -m venv "$SCHEMATHESIS_DIR" &&
    "$SCHEMATHESIS_DIR/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"; } >"$EMTIHAN_CACHE/schemathesis.log" 2>&1; then
    cat "$EMTIHAN_CACHE/schemathesis.log" >&2; rm -rf "$SCHEMATHESIS_DIR"; log "could not install schemathesis (output above)"; exit 1
  fi
  rm -f "$EMTIHAN_CACHE/schemathesis.log"; touch "$SCHEMATHESIS_DIR/.complete"
  log "schemathesis ready in $((SECONDS - start)) s: $SCHEMATHESIS_BIN"
}

case "${1:-all}" in
  temporal-cli) provision_temporal_cli ;;
  test-server) provision_test_server ;;
  schemathesis) provision_schemathesis ;;
  all) provision_test_server; provision_temporal_cli; provision_schemathesis ;;
  *) log "unknown target '$1' (temporal-cli, test-server, schemathesis, all)"; exit 2 ;;
esac
