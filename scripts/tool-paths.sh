# Where provisioned tools live. Sourced by scripts; mirrored by scripts/tool-paths.ts for Node.
# EMTIHAN_CACHE overrides the cache root (default ~/.cache/emtihan); folders are keyed by version.
EMTIHAN_CACHE="${EMTIHAN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/emtihan}"
TEMPORAL_CLI_VERSION="v1.5.1"
TEST_SERVER_VERSION="1.38.0"
TEMPORAL_CLI_DIR="$EMTIHAN_CACHE/temporal-cli-$TEMPORAL_CLI_VERSION"
TEMPORAL_CLI_BIN="$TEMPORAL_CLI_DIR/temporal"
TEST_SERVER_DIR="$EMTIHAN_CACHE/temporal-test-server-$TEST_SERVER_VERSION"
TEST_SERVER_BIN="$TEST_SERVER_DIR/temporal-test-server"
SCHEMATHESIS_VERSION="4.32.5"
SCHEMATHESIS_DIR="$EMTIHAN_CACHE/schemathesis-$SCHEMATHESIS_VERSION"
SCHEMATHESIS_BIN="$SCHEMATHESIS_DIR/bin/schemathesis"
