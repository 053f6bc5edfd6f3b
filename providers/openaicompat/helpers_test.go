package openaicompat

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/llm"
)

// seen is one request the fake server received.
type seen struct {
	Method, Path string
	Header       http.Header
	Body         []byte
}

// fake is an httptest server speaking OpenAI's wire format with canned answers.
type fake struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []seen
}

func (f *fake) requests() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.reqs...)
}

// last returns the only request received, failing the test otherwise.
func (f *fake) last(t *testing.T) seen {
	t.Helper()
	r := f.requests()
	require.Len(t, r, 1)
	return r[0]
}

// serve starts a fake that records each request and answers with h.
func serve(t *testing.T, h http.HandlerFunc) *fake {
	t.Helper()
	f := &fake{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, seen{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: b})
		f.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

// answer replies with a status and a JSON body.
func answer(status int, body string, hdr ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(hdr); i += 2 {
			w.Header().Set(hdr[i], hdr[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// sse replies with an event stream made of the given raw lines.
func sse(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, body)
	}
}

func noEnv(string) string { return "" }

// build makes a provider for e pointed at f, with key "sk-test-key-123456".
func build(t *testing.T, e Endpoint, f *fake, opts any) *Provider {
	t.Helper()
	p, err := e.New(llm.Config{APIKey: "sk-test-key-123456", BaseURL: f.URL, HTTP: f.Client(), Getenv: noEnv, Options: opts})
	require.NoError(t, err)
	return p
}

// body decodes a recorded request body into a generic map.
func body(t *testing.T, s seen) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(s.Body, &m))
	return m
}

func asError(t *testing.T, err error) *llm.Error {
	t.Helper()
	require.Error(t, err)
	var le *llm.Error
	require.ErrorAs(t, err, &le)
	return le
}

const okCompletion = `{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini-2024-07-18",
 "system_fingerprint":"fp_1","service_tier":"default",
 "choices":[{"index":0,"message":{"role":"assistant","content":"Hello!","refusal":null},"logprobs":null,"finish_reason":"stop"}],
 "usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12,"prompt_tokens_details":{"cached_tokens":2,"audio_tokens":0},
   "completion_tokens_details":{"reasoning_tokens":1,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}`
