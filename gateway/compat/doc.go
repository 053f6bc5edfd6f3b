// Package compat holds no code: its tests are the official OpenAI clients
// calling harbor's gateway, the test of its compatibility. The gateway runs
// deploy/harbor.example.yaml on the mock vendors (gateway/gatewaytest); the
// same cases run through
//
//   - the openai package for Node (openai-node.mjs; the version is pinned in
//     package-lock.json and installed by scripts/test with npm ci), and
//   - github.com/openai/openai-go/v3,
//
// plain, streaming, tools, structured output, the models list and every
// error class, which must surface as each SDK's own error type with the
// gateway's status.
//
// It is a module of its own so that openai-go, and the Azure and AWS modules
// its go.mod requires, never enter harbor's go.mod: harbor's users would see
// them in their module graph, and an older openai-go of theirs would be
// raised. Run it with `cd gateway/compat && go test ./...` (scripts/test does).
package compat
