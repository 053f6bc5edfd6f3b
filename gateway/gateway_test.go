package gateway_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/harborai/harbor-go/conformance/speccheck"
	"github.com/harborai/harbor-go/gateway"
	"github.com/harborai/harbor-go/gateway/gatewaytest"
	"github.com/harborai/harbor-go/llm"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// caller is an HTTP client of a test gateway whose every request and answer is
// checked against spec/harbor.yaml.
type caller struct {
	t      *testing.T
	g      *gatewaytest.Gateway
	client *http.Client
	mu     sync.Mutex
	viol   []speccheck.Violation
}

func newCaller(t *testing.T, g *gatewaytest.Gateway) *caller {
	c := &caller{t: t, g: g}
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	c.client = &http.Client{Transport: speccheck.MustLoad("harbor").Transport(tr, func(v speccheck.Violation) {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.viol = append(c.viol, v)
	})}
	t.Cleanup(func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, v := range c.viol {
			t.Errorf("spec/harbor.yaml: %v", v)
		}
	})
	return c
}

// do sends a request with the gateway's key and returns the answer, its body read.
func (c *caller) do(method, path, body string, header ...string) (*http.Response, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.g.URL+path, strings.NewReader(body))
	require.NoError(c.t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.g.Key != "" {
		req.Header.Set("Authorization", "Bearer "+c.g.Key)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	res, err := c.client.Do(req)
	require.NoError(c.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(c.t, err)
	return res, b
}

func (c *caller) chat(body string, header ...string) (*http.Response, []byte) {
	c.t.Helper()
	return c.do(http.MethodPost, "/v1/chat/completions", body, header...)
}

// openAIError is OpenAI's error body.
type openAIError struct {
	Error struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    *string `json:"code"`
	} `json:"error"`
}

func decodeError(t *testing.T, b []byte) openAIError {
	t.Helper()
	var e openAIError
	require.NoError(t, json.Unmarshal(b, &e), "%s", b)
	require.NotEmpty(t, e.Error.Message, "%s", b)
	return e
}

// events splits an SSE body into its data payloads.
func events(t *testing.T, body []byte) []string {
	t.Helper()
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			out = append(out, d)
		}
	}
	return out
}

func TestChatJSON(t *testing.T) {
	g := gatewaytest.Start(t, gateway.Config{})
	c := newCaller(t, g)
	res, body := c.chat(`{"model":"deepseek-v4-flash","messages":[{"role":"user","content":"hi"}]}`)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	var cc llm.ChatCompletion
	require.NoError(t, json.Unmarshal(body, &cc))
	assert.Equal(t, "Hello! You said: hi", cc.Choices[0].Message.Content)
	assert.Equal(t, "chat.completion", cc.Object)
	assert.Positive(t, cc.Usage.TotalTokens)
	assert.Len(t, res.Header.Get("X-Trace-Id"), 32)
	assert.Equal(t, res.Header.Get("X-Trace-Id"), res.Header.Get("X-Request-Id"))
	assert.Equal(t, "deepseek", res.Header.Get("X-Harbor-Provider"))
	t.Log(g.AccessLog())
}

func TestChatStream(t *testing.T) {
	g := gatewaytest.Start(t, gateway.Config{})
	c := newCaller(t, g)
	res, body := c.chat(`{"model":"deepseek-v4-flash","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi there"}]}`)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	assert.Equal(t, "text/event-stream", res.Header.Get("Content-Type"))
	ev := events(t, body)
	require.GreaterOrEqual(t, len(ev), 3)
	assert.Equal(t, "[DONE]", ev[len(ev)-1])
	var text strings.Builder
	for _, e := range ev[:len(ev)-2] {
		var ch llm.Chunk
		require.NoError(t, json.Unmarshal([]byte(e), &ch), e)
		assert.Nil(t, ch.Usage)
		for _, c := range ch.Choices {
			text.WriteString(c.Delta.Content)
		}
	}
	assert.Equal(t, "Hello! You said: hi there", text.String())
	var last llm.Chunk
	require.NoError(t, json.Unmarshal([]byte(ev[len(ev)-2]), &last))
	assert.Empty(t, last.Choices)
	require.NotNil(t, last.Usage)
	assert.Positive(t, last.Usage.TotalTokens)
	t.Log(string(body))
}
