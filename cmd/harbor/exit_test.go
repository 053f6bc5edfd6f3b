package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/mockvendor"
	"github.com/harborai/harbor-go/harbor"
)

// Review of issue 10: a setting or a request that harbor refuses before sending
// anything exits 2, as `harbor help` promises, not 1: a base URL that is not
// absolute, a key with a newline or a trailing space, a value the provider checks
// locally. The server at the base URL sees nothing, streamed or not. A vendor's own
// 400 stays a failed call (1), as does a missing key under --no-mock.
func TestRefusedBeforeSendingExits2(t *testing.T) {
	local := mockvendor.NewOpenAI(mockvendor.OpenAIConfig{})
	srv, err := mockvendor.Listen("127.0.0.1:0", local)
	require.NoError(t, err)
	defer srv.Close()
	base := srv.URL() + "/v1"
	for _, tc := range []struct {
		name string
		vars map[string]string
		args []string
		want string
	}{
		{"relative base URL", map[string]string{"OPENAI_BASE_URL": "127.0.0.1:8899/v1"}, nil, "OPENAI_BASE_URL"},
		{"key with a newline", map[string]string{"OPENAI_BASE_URL": base, "OPENAI_API_KEY": "sk-abc\ndef"}, nil, "OPENAI_API_KEY"},
		{"key with a trailing space", map[string]string{"OPENAI_BASE_URL": base, "OPENAI_API_KEY": "sk-abc "}, nil, "OPENAI_API_KEY"},
		{"temperature out of range", map[string]string{"OPENAI_BASE_URL": base}, []string{"--temperature", "5"}, "temperature"},
	} {
		for _, stream := range []bool{false, true} {
			args := append([]string{"chat", "-m", "gpt-4o", "hi"}, tc.args...)
			if stream {
				args = append(args, "--stream")
			}
			code, out, errs := runCLI(t, tc.vars, "", args...)
			assert.Equal(t, exitUsage, code, "%s stream=%v: %s", tc.name, stream, errs)
			assert.Empty(t, out, tc.name)
			assert.Contains(t, errs, tc.want, tc.name)
			assert.NotContains(t, errs, "sk-abc", tc.name)
		}
	}
	assert.Empty(t, local.Requests(), "nothing was sent")
	code, _, errs := runCLI(t, map[string]string{"OPENAI_BASE_URL": "127.0.0.1:8899/v1"}, "", "models", "--remote", "openai")
	assert.Equal(t, exitUsage, code, errs)
	assert.Contains(t, errs, "OPENAI_BASE_URL")

	// The vendor refusing the request is a failed call: something was sent.
	vendor400 := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":{"message":"Invalid parameter: temperature","type":"invalid_request_error","code":"invalid_value"}}`)
	})
	srv400, err := mockvendor.Listen("127.0.0.1:0", vendor400)
	require.NoError(t, err)
	defer srv400.Close()
	for _, stream := range []string{"--stream=false", "--stream"} {
		code, _, errs = runCLI(t, map[string]string{"OPENAI_BASE_URL": srv400.URL() + "/v1"}, "", "chat", "-m", "gpt-4o", stream, "hi")
		assert.Equal(t, exitFailed, code, "%s: %s", stream, errs)
		assert.Contains(t, errs, "HTTP 400")
	}
}

// The rule behind exit status 2 for a failed call, error by error.
func TestRefusedBeforeSending(t *testing.T) {
	local := &harbor.Error{Provider: "openai", Param: "OPENAI_BASE_URL", Message: "not a URL", Kind: harbor.ErrInvalidRequest}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"a setting harbor refused", local, true},
		{"wrapped", fmt.Errorf("context: %w", local), true},
		{"a vendor's 400", &harbor.Error{StatusCode: 400, Type: "invalid_request_error", Kind: harbor.ErrInvalidRequest}, false},
		{"a Wenxin error_code in a 200", &harbor.Error{Code: "336003", RequestID: "as-1", Kind: harbor.ErrInvalidRequest}, false},
		{"an error event mid-stream", sentError{&harbor.Error{Kind: harbor.ErrInvalidRequest}}, false},
		{"no key", &harbor.Error{Param: "DEEPSEEK_API_KEY", Kind: harbor.ErrNoCredentials}, false},
		{"a connection error", &harbor.Error{Kind: harbor.ErrConnection}, false},
		{"not a harbor error", errors.New("harbor: invalid request"), false},
	} {
		assert.Equal(t, tc.want, refusedBeforeSending(tc.err), tc.name)
	}
}

// Review of issue 10: `models --remote wenxin` asks a vendor with no listing; that is
// a usage error (2), found before anything is started or sent, and the help says
// which providers have a listing. The table's lists field is pinned to what the
// SDK does with each vendor's mock.
func TestModelsRemoteWithoutListing(t *testing.T) {
	for _, args := range [][]string{{"--remote", "wenxin"}, {"--remote", "wenxin", "--mock"}} {
		code, out, errs := runCLI(t, nil, "", append([]string{"models"}, args...)...)
		assert.Equal(t, exitUsage, code, errs)
		assert.Empty(t, out)
		assert.Contains(t, errs, `--remote "wenxin": this vendor has no remote model listing, so nothing was sent; the providers with one are deepseek, doubao, qianfan, openai`)
		assert.NotContains(t, errs, "built-in mock", "refused before choosing an endpoint")
	}
	_, help, _ := runCLI(t, nil, "", "help", "models")
	assert.Contains(t, help, "deepseek, doubao, qianfan, openai (wenxin has no remote listing)")

	for _, v := range vendors {
		srv, err := mockvendor.Listen("127.0.0.1:0", v.mock())
		require.NoError(t, err)
		c, err := harbor.New(harbor.WithGetenv(func(string) string { return "" }), harbor.WithProviderConfig(v.provider, v.config(srv.URL())))
		require.NoError(t, err)
		_, err = c.ListRemoteModels(context.Background(), v.provider)
		srv.Close()
		assert.Equal(t, v.lists, err == nil, "%s: lists=%v but ListRemoteModels: %v", v.provider, v.lists, err)
		if v.lists {
			code, out, errs := runCLI(t, nil, "", "models", "--remote", v.provider, "--mock")
			assert.Equal(t, exitOK, code, "%s: %s", v.provider, errs)
			assert.NotEmpty(t, out, v.provider)
		}
	}
}
