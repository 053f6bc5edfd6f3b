package wire_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	gen "github.com/harborai/harbor-go/generated/qianfanv2"
	"github.com/harborai/harbor-go/internal/wire"
	"github.com/harborai/harbor-go/llm"
)

// A request built from an Endpoint is the one the generated client builds: same
// method, URL, headers and body, the credentials and per-call headers included.
func TestEndpointBuildsTheGeneratedRequest(t *testing.T) {
	app := "app-1"
	params := &gen.CreateChatCompletionParams{Appid: &app}
	g, err := gen.NewClient("http://127.0.0.1:8080/v2", gen.WithRequestEditorFn(bearer[gen.RequestEditorFn]("bce-v3/key")))
	require.NoError(t, err)
	tmpl, err := gen.NewCreateChatCompletionRequestWithBody(g.Server, params, "application/json", nil)
	require.NoError(t, err)
	e := wire.NewEndpoint(tmpl, http.Header{"Authorization": {"Bearer bce-v3/key"}})

	body := []byte(`{"model":"ernie-4.5-turbo-128k"}`)
	for _, tc := range []struct {
		name   string
		call   *llm.CallOptions
		stream bool
	}{
		{"plain", nil, false},
		{"stream", nil, true},
		{"per-call headers", &llm.CallOptions{Header: http.Header{"X-Trace": {"a", "b"}, "Appid": {"override"}}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want *http.Request
			rec := func(_ context.Context, r *http.Request) error { want = r; return errStop }
			eds := append(editors[gen.RequestEditorFn](tc.call, tc.stream), rec)
			_, err := g.CreateChatCompletionWithBody(context.Background(), params, "application/json", bytes.NewReader(body), eds...)
			require.ErrorIs(t, err, errStop)

			got, err := e.NewRequest(context.Background(), body, tc.call, tc.stream)
			require.NoError(t, err)
			assert.Equal(t, want.Method, got.Method)
			assert.Equal(t, want.URL.String(), got.URL.String())
			assert.Equal(t, want.Host, got.Host)
			assert.Equal(t, want.Header, got.Header)
			assert.Equal(t, want.ContentLength, got.ContentLength)
			// net/http writes an io.NopCloser over a *bytes.Reader with the headers in
			// one write; any other body type costs a second write system call.
			require.IsType(t, io.NopCloser(bytes.NewReader(nil)), got.Body)
			assert.IsType(t, (*bytes.Reader)(nil), reflect.ValueOf(got.Body).Field(0).Interface())
			b, err := io.ReadAll(got.Body)
			require.NoError(t, err)
			assert.Equal(t, body, b)
			again, err := got.GetBody()
			require.NoError(t, err)
			b, err = io.ReadAll(again)
			require.NoError(t, err)
			assert.Equal(t, body, b, "GetBody replays the whole body")
		})
	}
}

type stopError struct{}

func (stopError) Error() string { return "stop" }

var errStop = stopError{}

// Per-call headers never leak into the shared header values of the Endpoint.
func TestEndpointHeadersAreNotShared(t *testing.T) {
	tmpl, err := http.NewRequest(http.MethodPost, "http://h/v1/chat/completions", nil)
	require.NoError(t, err)
	e := wire.NewEndpoint(tmpl, http.Header{"Authorization": {"Bearer k"}, "X-Tenant": {"t1"}})
	r1, err := e.NewRequest(context.Background(), nil, &llm.CallOptions{Header: http.Header{"X-Tenant": {"t2"}}}, false)
	require.NoError(t, err)
	r2, err := e.NewRequest(context.Background(), nil, &llm.CallOptions{Header: http.Header{"X-Tenant": {"t3"}}}, false)
	require.NoError(t, err)
	assert.Equal(t, []string{"t2"}, r1.Header.Values("X-Tenant"), "the call's value replaces the endpoint's; r2's did not overwrite r1's")
	assert.Equal(t, []string{"t3"}, r2.Header.Values("X-Tenant"))
	r1.Header.Add("X-Tenant", "t4")
	r1.Header.Set("Authorization", "Bearer other")
	r3, err := e.NewRequest(context.Background(), nil, nil, false)
	require.NoError(t, err)
	assert.Equal(t, []string{"t1"}, r3.Header.Values("X-Tenant"))
	assert.Equal(t, "Bearer k", r3.Header.Get("Authorization"))
	r2 = r3
	assert.Equal(t, http.NoBody, r2.Body, "an empty body is no body")
	assert.Zero(t, r2.ContentLength)
}

// editors are the request editors the providers gave the generated client for
// one call before they built requests from an Endpoint: the reference the
// Endpoint's requests are compared with.
func editors[F editorFn](call *llm.CallOptions, stream bool) []F {
	if !stream && (call == nil || len(call.Header) == 0) {
		return nil
	}
	return []F{func(_ context.Context, r *http.Request) error {
		if stream {
			r.Header.Set("Accept", "text/event-stream")
		}
		if call != nil { // a caller's header replaces the provider's of that name
			for k, vs := range call.Header {
				r.Header[k] = vs
			}
		}
		return nil
	}}
}

// editorFn is the shape of every generated client's RequesteditorFn.
type editorFn interface {
	~func(context.Context, *http.Request) error
}

// bearer returns a generated client's editor that authenticates with an API key.
func bearer[F editorFn](key string) F {
	auth := "Bearer " + key
	return func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", auth)
		return nil
	}
}
