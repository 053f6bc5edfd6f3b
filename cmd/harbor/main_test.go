package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/mockvendor"
)

func runCLI(t *testing.T, vars map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, env{
		getenv: func(k string) string { return vars[k] },
		stdin:  strings.NewReader(stdin),
		stdout: &out, stderr: &errb,
	})
	return code, out.String(), errb.String()
}

func TestChatWithoutKeysUsesTheMockAndSaysSo(t *testing.T) {
	code, out, errs := runCLI(t, nil, "", "chat", "-m", "deepseek-reasoner", "--stream", "Why is the sky blue?")
	require.Equal(t, 0, code, errs)
	assert.Equal(t, "Hello! You said: Why is the sky blue?\n", out, "stdout carries only the answer")
	assert.Contains(t, errs, "DEEPSEEK_API_KEY is not set")
	assert.Contains(t, errs, "── reasoning ──\nThe user said", "reasoning is shown, distinct from the answer")
	assert.Regexp(t, `tokens: \d+ prompt \+ \d+ completion \(\d+ reasoning\) = \d+`, errs, "usage at the end")
}

func TestChatNonStreamThinkingDisabledAndFlagsAfterPrompt(t *testing.T) {
	code, out, errs := runCLI(t, nil, "", "chat", "hello", "--mock", "--thinking", "disabled", "--temperature", "0")
	require.Equal(t, 0, code, errs)
	assert.Equal(t, "Hello! You said: hello\n", out)
	assert.NotContains(t, errs, "reasoning")
	assert.NotContains(t, errs, "is not set", "--mock picks the mock without a notice")
}

func TestChatPromptFromStdin(t *testing.T) {
	code, out, errs := runCLI(t, nil, "from stdin\n", "chat", "--mock")
	require.Equal(t, 0, code, errs)
	assert.Equal(t, "Hello! You said: from stdin\n", out)
}

func TestChatAgainstARealEndpointWhenKeySet(t *testing.T) {
	// A key in the environment means the real vendor; here the "real" one is a mock
	// at DEEPSEEK_BASE_URL, which proves the CLI honoured the environment.
	m := mockvendor.NewDeepSeek(mockvendor.DeepSeekConfig{APIKey: "sk-user-key-123456"})
	srv, err := mockvendor.Listen("127.0.0.1:0", m)
	require.NoError(t, err)
	defer srv.Close()
	vars := map[string]string{"DEEPSEEK_API_KEY": "sk-user-key-123456", "DEEPSEEK_BASE_URL": srv.URL()}
	code, out, errs := runCLI(t, vars, "", "chat", "hi")
	require.Equal(t, 0, code, errs)
	assert.Equal(t, "Hello! You said: hi\n", out)
	assert.NotContains(t, errs, "mock")
	require.Len(t, m.Requests(), 1)
}

func TestChatErrors(t *testing.T) {
	code, _, errs := runCLI(t, nil, "", "chat", "-m", "no-such-model", "hi")
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, `no provider serves model "no-such-model"`)
	assert.Equal(t, 1, strings.Count(errs, "harbor:"), "one prefix, not stacked")

	code, _, errs = runCLI(t, nil, "", "chat", "--mock")
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, "no prompt")

	code, _, errs = runCLI(t, nil, "", "chat", "--mock", "--thinking", "maybe", "hi")
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "thinking")

	vars := map[string]string{"DEEPSEEK_API_KEY": "sk-wrong-key-abcdef", "DEEPSEEK_BASE_URL": "http://127.0.0.1:1"}
	code, _, errs = runCLI(t, vars, "", "chat", "hi")
	assert.Equal(t, 1, code)
	assert.NotContains(t, errs, "sk-wrong-key-abcdef")

	code, _, _ = runCLI(t, nil, "", "frobnicate")
	assert.Equal(t, 2, code)
}

func TestModels(t *testing.T) {
	code, out, errs := runCLI(t, nil, "", "models")
	require.Equal(t, 0, code, errs)
	assert.Contains(t, out, "deepseek-v4-pro")
	assert.Contains(t, out, "alias of deepseek-v4-flash")

	code, out, errs = runCLI(t, nil, "", "models", "--remote", "deepseek", "--mock")
	require.Equal(t, 0, code, errs)
	assert.Contains(t, out, "deepseek-v4-flash")
}

// Every built-in vendor answers offline from its mock, streamed and not, with the
// same command and only the model name changed.
func TestChatEveryVendorOffline(t *testing.T) {
	for _, tc := range []struct{ model, provider, env string }{
		{"deepseek-reasoner", "deepseek", "DEEPSEEK_API_KEY"},
		{"doubao-seed-1-6-251015", "doubao", "ARK_API_KEY"},
		{"ERNIE-4.0-8K", "wenxin", "WENXIN_API_KEY"},
		{"ernie-x1-turbo-32k", "qianfan", "QIANFAN_API_KEY"},
		{"gpt-4o", "openai", "OPENAI_API_KEY"},
	} {
		for _, stream := range []bool{false, true} {
			args := []string{"chat", "-m", tc.model, "hi there"}
			if stream {
				args = append(args, "--stream")
			}
			code, out, errs := runCLI(t, nil, "", args...)
			require.Equal(t, 0, code, "%s stream=%v: %s", tc.model, stream, errs)
			assert.Equal(t, "Hello! You said: hi there\n", out, tc.model)
			assert.Contains(t, errs, tc.env, tc.model)
			assert.Contains(t, errs, "not set", tc.model)
			assert.Contains(t, errs, "mock "+tc.provider, tc.model)
		}
	}
}

func TestMockCommandRejectsUnknownVendor(t *testing.T) {
	code, _, errs := runCLI(t, nil, "", "mock", "--vendor", "nope")
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, `no mock for "nope"`)
}
