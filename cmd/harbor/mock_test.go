package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lockedBuffer is a bytes.Buffer safe for the mock's handler goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// `harbor mock` serves the mocks for other tools and, by default, tells them on
// stderr where their requests break the vendor's spec.
func TestMockCommandChecksTrafficAgainstTheSpec(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out, errs lockedBuffer
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"mock", "--vendor", "deepseek"}, env{getenv: func(string) string { return "" }, stdin: strings.NewReader(""), stdout: &out, stderr: &errs})
	}()
	var base string
	require.Eventually(t, func() bool {
		m := regexp.MustCompile(`DEEPSEEK_BASE_URL=(\S+)`).FindStringSubmatch(out.String())
		if m != nil {
			base = strings.Trim(m[1], `'"`)
		}
		return base != ""
	}, 5*time.Second, 10*time.Millisecond, "mock did not print its URL: %s", out.String())
	assert.Contains(t, out.String(), "checked against harbor's OpenAPI specs")

	send := func(body string) int {
		req, _ := http.NewRequest(http.MethodPost, base+"/chat/completions", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer sk-mock-harbor")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, 200, send(`{"model":"deepseek-v4-flash","messages":[{"role":"user","content":"hi"}]}`))
	assert.NotContains(t, errs.String(), "spec violation", "a valid request is quiet")

	send(`{"model":"deepseek-v4-flash","messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}`)
	assert.Contains(t, errs.String(), "harbor mock: spec violation: deepseek spec: POST /chat/completions: request:")
	assert.NotContains(t, errs.String(), "sk-mock-harbor", "no key in the report")

	cancel()
	select {
	case code := <-done:
		assert.Equal(t, 0, code)
	case <-time.After(5 * time.Second):
		t.Fatal("harbor mock did not stop")
	}
}
