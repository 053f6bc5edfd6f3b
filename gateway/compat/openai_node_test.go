package compat_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// requireNodeEnv makes a missing Node.js or openai package a failure instead
// of a skip. scripts/test sets it (to HARBOR_REQUIRE_PRISM's value unless
// given), so the README's test command never skips this test; so does
// HARBOR_REQUIRE_PRISM=1, since Prism needs the same Node.js.
const requireNodeEnv = "HARBOR_REQUIRE_NODE"

// The official openai SDK for Node, pinned in package-lock.json, calls the
// gateway (openai-node.mjs): every case of cases_test.go, and each error
// class must arrive as the SDK's own error class with the gateway's status,
// type, code and param.
func TestOpenAINode(t *testing.T) {
	node := nodeSDK(t)
	g, keys := startGateway(t)
	scriptVendors(g)

	keysJSON, err := json.Marshal(keys)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "openai-node.mjs")
	cmd.Env = append(os.Environ(), "HARBOR_BASE_URL="+g.BaseURL(), "HARBOR_KEYS="+string(keysJSON),
		"OPENAI_LOG=off")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "node openai-node.mjs: %s", stderr.String())

	var got map[string]outcome
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &got), "%s\n%s", stdout.String(), stderr.String())
	checkOutcomes(t, g, got, true)
	if t.Failed() {
		t.Logf("the Node SDK's outcomes: %s", describe(got))
		t.Logf("access log:\n%s", g.AccessLog())
	}
}

// nodeSDK returns node's path once the openai package is installed here, or
// skips (fails under HARBOR_REQUIRE_NODE=1 or HARBOR_REQUIRE_PRISM=1) saying
// how to install it.
func nodeSDK(t *testing.T) string {
	t.Helper()
	var why string
	node, err := exec.LookPath("node")
	if err != nil {
		why = "node is not on PATH"
	} else if _, err := os.Stat(filepath.Join("node_modules", "openai", "package.json")); err != nil {
		why = fmt.Sprintf("the openai package is not installed in gateway/compat/node_modules (%v)", err)
	}
	if why == "" {
		return node
	}
	how := "run scripts/test (it installs Node.js if missing and the SDK with `npm ci --prefix gateway/compat`), " +
		"or run `npm ci --prefix gateway/compat` yourself (Node.js 20 or newer)"
	if os.Getenv(requireNodeEnv) == "1" || os.Getenv("HARBOR_REQUIRE_PRISM") == "1" {
		t.Fatalf("the openai SDK for Node is required (%s=1 or HARBOR_REQUIRE_PRISM=1) but unavailable: %s.\nTo install it: %s",
			requireNodeEnv, why, how)
	}
	t.Skipf("SKIPPED: the openai SDK for Node did not run: %s.\nTo enable it: %s", why, how)
	return ""
}
