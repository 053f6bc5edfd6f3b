package speccheck

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// collect is a report func that keeps violations.
type collect struct {
	mu sync.Mutex
	vs []Violation
}

func (c *collect) report(v Violation) { c.mu.Lock(); c.vs = append(c.vs, v); c.mu.Unlock() }
func (c *collect) text() string       { c.mu.Lock(); defer c.mu.Unlock(); return details(c.vs) }

func TestTransportChecksBothWays(t *testing.T) {
	var gotBody string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		gotBody = string(b)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"x","object":"chat.completion","created":"yesterday","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}`)
	}))
	defer srv.Close()

	var c collect
	client := &http.Client{Transport: MustLoad("deepseek").Transport(nil, c.report)}
	body := `{"model":"deepseek-v4-flash","messages":[{"role":"user","content":"hi"}]}`
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/chat/completions", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer sk-0123456789abcdef")
	resp, err := client.Do(req)
	require.NoError(t, err)
	_, _ = io.ReadAll(resp.Body)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, body, gotBody, "the request reaches the server unchanged")
	assert.Contains(t, c.text(), `response 200: at "/created": value must be an integer (value "yesterday")`, "created is an integer")
	assert.NotContains(t, c.text(), "request:", "the request was valid")
}

func TestTransportChecksBodiesClosedEarly(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"error":{"message":42}}`)
	}))
	defer srv.Close()
	var c collect
	client := &http.Client{Transport: MustLoad("deepseek").Transport(nil, c.report)}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/models", nil)
	req.Header.Set("Authorization", "Bearer sk-0123456789abcdef")
	resp, err := client.Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close(), "closed without reading")
	assert.Contains(t, c.text(), "response 429")
	assert.Contains(t, c.text(), "/error/message")
}
