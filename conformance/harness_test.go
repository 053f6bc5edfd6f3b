package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/mockvendor"
	"github.com/harborai/harbor-go/harbor"
)

// result is what a call produced, the same shape for Create and Stream so that one
// row can be checked both ways.
type result struct {
	Text, Reasoning, Finish string
	ToolCalls               []harbor.ToolCall
	Usage                   *harbor.Usage
	Chunks                  int
	Message                 harbor.Message // Create only: the assistant message as returned
}

// errNoChoices is what the harness reports for a Create that returned neither an
// error nor a choice, which harbor must never do: a caller indexing Choices[0]
// would panic.
var errNoChoices = errors.New("conformance: Create returned no error and no choices")

// create runs a Create call (see call).
func create(ctx context.Context, c *harbor.Client, req *harbor.ChatRequest) (*result, error) {
	a := call(ctx, c, req, false)
	if a.err != nil {
		return nil, a.err
	}
	return &a.result, nil
}

// stream runs a Stream call (see call); on a failed read r holds what arrived first.
func stream(ctx context.Context, c *harbor.Client, req *harbor.ChatRequest) (*result, error) {
	a := call(ctx, c, req, true)
	if a.openErr {
		return nil, a.err
	}
	return &a.result, a.err
}

// pointer resolves a JSON pointer ("/messages/0/content") in a decoded body.
func pointer(doc any, ptr string) (any, bool) {
	cur := doc
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		switch v := cur.(type) {
		case map[string]any:
			x, ok := v[tok]
			if !ok {
				return nil, false
			}
			cur = x
		case []any:
			var i int
			if err := json.Unmarshal([]byte(tok), &i); err != nil || i < 0 || i >= len(v) {
				return nil, false
			}
			cur = v[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// sentBody decodes the body of the i-th chat request the mock received.
func sentBody(t *testing.T, reqs []mockvendor.RecordedRequest, i int) map[string]any {
	t.Helper()
	require.Greater(t, len(reqs), i, "the mock received %d requests", len(reqs))
	var m map[string]any
	require.NoError(t, json.Unmarshal(reqs[i].Body, &m), "harbor sent invalid JSON: %s", reqs[i].Body)
	return m
}

func assertSent(t *testing.T, body map[string]any, want map[string]any, absent []string) {
	t.Helper()
	for ptr, v := range want {
		got, ok := pointer(body, ptr)
		if assert.True(t, ok, "sent body lacks %s", ptr) {
			wantJSON, _ := json.Marshal(v)
			gotJSON, _ := json.Marshal(got)
			assert.JSONEq(t, string(wantJSON), string(gotJSON), "sent %s", ptr)
		}
	}
	for _, ptr := range absent {
		_, ok := pointer(body, ptr)
		assert.False(t, ok, "sent body must not carry %s", ptr)
	}
}

func wantErr(t *testing.T, err error, kind error) {
	t.Helper()
	require.Error(t, err)
	require.True(t, errors.Is(err, kind), "want %v, got %v", kind, err)
	var he *harbor.Error
	require.ErrorAs(t, err, &he)
	assert.NotEmpty(t, he.Provider, "errors name their provider")
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}
