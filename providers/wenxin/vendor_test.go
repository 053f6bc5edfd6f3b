package wenxin

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/llm"
)

// Test credentials. They are long and distinctive so that a leak shows up in any
// error string.
const (
	testKey    = "AKtestkey0123456789abcdef"
	testSecret = "SKsecretvalue0123456789xyz"
	chatPrefix = "/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/"
)

// fakeVendor speaks Wenxin v1's wire format (shared/vendors.md §3): an OAuth token
// endpoint and the chat endpoint, with handlers tests replace.
type fakeVendor struct {
	*httptest.Server
	tokenHits atomic.Int64
	chatHits  atomic.Int64

	mu     sync.Mutex
	bodies []map[string]any
	paths  []string
	tokens []string // access_token of every chat call
	hdrs   []http.Header

	// token answers the token endpoint; nil grants "24.tok-<n>" for 30 days.
	token func(n int64, w http.ResponseWriter, r *http.Request)
	// chat answers the chat endpoint; nil answers "ok".
	chat func(n int64, tok string, w http.ResponseWriter, r *http.Request)
}

func newFakeVendor(t *testing.T) *fakeVendor {
	t.Helper()
	v := &fakeVendor{}
	v.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/oauth/2.0/token":
			n := v.tokenHits.Add(1)
			q := r.URL.Query()
			if r.Method != http.MethodPost || q.Get("grant_type") != "client_credentials" {
				w.WriteHeader(400)
				fmt.Fprint(w, `{"error":"unsupported_grant_type","error_description":"bad grant"}`)
				return
			}
			if q.Get("client_id") != testKey {
				w.WriteHeader(401)
				fmt.Fprint(w, `{"error":"invalid_client","error_description":"unknown client id"}`)
				return
			}
			if q.Get("client_secret") != testSecret {
				w.WriteHeader(401)
				fmt.Fprint(w, `{"error":"invalid_client","error_description":"Client authentication failed"}`)
				return
			}
			if v.token != nil {
				v.token(n, w, r)
				return
			}
			grant(w, fmt.Sprintf("24.tok-%d", n), 2592000)
		case strings.HasPrefix(r.URL.Path, chatPrefix) && r.Method == http.MethodPost:
			n := v.chatHits.Add(1)
			tok := r.URL.Query().Get("access_token")
			raw, _ := io.ReadAll(r.Body)
			var body map[string]any
			_ = json.Unmarshal(raw, &body)
			v.mu.Lock()
			v.bodies = append(v.bodies, body)
			v.paths = append(v.paths, strings.TrimPrefix(r.URL.Path, chatPrefix))
			v.tokens = append(v.tokens, tok)
			v.hdrs = append(v.hdrs, r.Header.Clone())
			v.mu.Unlock()
			if v.chat != nil {
				v.chat(n, tok, w, r)
				return
			}
			answer(w, "ok")
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(v.Close)
	return v
}

func grant(w http.ResponseWriter, tok string, expiresIn int) {
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"refresh_token":"25.refresh","expires_in":%d,"session_key":"sk","access_token":%q,"scope":"public","session_secret":"ss"}`, expiresIn, tok)
}

func answer(w http.ResponseWriter, text string) {
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"id":"as-bcmt5ct4id","object":"chat.completion","created":1680167072,"result":%q,"is_truncated":false,"need_clear_history":false,"finish_reason":"normal","flag":0,"usage":{"prompt_tokens":7,"completion_tokens":67,"total_tokens":74}}`, text)
}

func errorCode(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"error_code":%d,"error_msg":%q}`, code, msg)
}

func (v *fakeVendor) body(i int) map[string]any {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.bodies[i]
}

func (v *fakeVendor) path(i int) string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.paths[i]
}

func (v *fakeVendor) chatTokens() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]string(nil), v.tokens...)
}

func config(url string) llm.Config {
	return llm.Config{APIKey: testKey, SecretKey: testSecret, BaseURL: url, Getenv: func(string) string { return "" }}
}

func newProvider(t *testing.T, cfg llm.Config) *Provider {
	t.Helper()
	p, err := New(cfg)
	require.NoError(t, err)
	return p
}

func userReq(model string, msgs ...llm.Message) *llm.ChatRequest {
	if len(msgs) == 0 {
		msgs = []llm.Message{llm.UserMessage("你好")}
	}
	return &llm.ChatRequest{Model: model, Messages: msgs}
}

// noLeak asserts that err's message, and every error it wraps, is free of the
// credentials and the tokens.
func noLeak(t *testing.T, err error, tokens ...string) {
	t.Helper()
	require.Error(t, err)
	var le *llm.Error
	require.ErrorAs(t, err, &le)
	require.Equal(t, Name, le.Provider)
	require.NotEmpty(t, le.Model)
	secrets := append([]string{testKey, testSecret}, tokens...)
	var ue *url.Error
	if errors.As(err, &ue) {
		for _, s := range secrets {
			require.NotContains(t, ue.URL, s, "the wrapped *url.Error keeps no secret in its URL")
		}
	}
	for e := error(err); e != nil; {
		for _, s := range secrets {
			require.NotContains(t, e.Error(), s)
			require.NotContains(t, fmt.Sprintf("%+v", e), s)
		}
		switch u := e.(type) {
		case interface{ Unwrap() []error }:
			var next error
			for _, x := range u.Unwrap() {
				if x != nil && x != le.Kind {
					next = x
				}
			}
			e = next
		case interface{ Unwrap() error }:
			e = u.Unwrap()
		default:
			e = nil
		}
	}
}
