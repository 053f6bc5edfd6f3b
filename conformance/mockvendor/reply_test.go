package mockvendor

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests serve the mocks with serveUnchecked: a scripted Reply is off-spec
// on purpose (bodies like {"n":1}, statuses the vendor never sends), which is
// what replies are for, so the spec checker would flag the script, not the mock.

// replyMock is one vendor mock with a key configured, the path of its chat
// route and how it answers an unauthenticated chat request on its own.
type replyMock struct {
	name     string
	mock     vendorMock
	chatPath string
	// ownStatus and ownMarker identify the mock's own answer to a request
	// without credentials (its authentication error).
	ownStatus int
	ownMarker string
}

func replyMocks() []replyMock {
	return []replyMock{
		{"deepseek", NewDeepSeek(DeepSeekConfig{APIKey: "sk-reply"}), "/chat/completions", 401, "Authentication Fails"},
		{"ark", NewArk(ArkConfig{APIKey: "ark-reply"}), "/api/v3/chat/completions", 401, "AuthenticationError"},
		{"qianfanv1", NewQianfanV1(QianfanV1Config{APIKey: "ak", SecretKey: "sk"}),
			qf1ChatPrefix + "ernie_speed", 200, `"error_code":110`},
		{"qianfanv2", NewQianfanV2(QianfanV2Config{APIKey: "bce-v3/ALTAK-reply/x"}), "/v2/chat/completions", 401, "access_denied"},
		{"openai", NewOpenAI(OpenAIConfig{APIKey: "sk-reply"}), "/v1/chat/completions", 401, "invalid_api_key"},
	}
}

const replyReq = `{"model":"m","messages":[{"role":"user","content":"hi"}]}`

// Every mock serves a scripted JSON reply verbatim (status, headers, body),
// without authenticating the request, records the request, and answers the
// next one itself again.
func TestReplyJSONEveryMock(t *testing.T) {
	for _, m := range replyMocks() {
		t.Run(m.name, func(t *testing.T) {
			url := serveUnchecked(t, m.mock) + m.chatPath
			f := ReplyJSON(202, `{"custom":true,"n":1}`)
			f.Reply.Header = http.Header{"X-Scripted": {"yes"}}
			m.mock.Enqueue(f)

			resp := do(t, http.MethodPost, url, replyReq)
			assert.Equal(t, 202, resp.StatusCode)
			assert.Equal(t, "yes", resp.Header.Get("X-Scripted"))
			assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			assert.Empty(t, resp.Header.Get("X-Request-Id"), "a Reply is raw: no vendor headers")
			assert.Equal(t, `{"custom":true,"n":1}`, string(readAll(t, resp.Body)))

			resp = do(t, http.MethodPost, url, replyReq)
			assert.Equal(t, m.ownStatus, resp.StatusCode)
			assert.Contains(t, string(readAll(t, resp.Body)), m.ownMarker, "the reply is used once, then the mock answers itself")

			reqs := m.mock.Requests()
			require.Len(t, reqs, 2, "a request answered by a Reply is still recorded")
			assert.Equal(t, m.chatPath, reqs[0].Path)
			assert.JSONEq(t, replyReq, string(reqs[0].Body))
		})
	}
}

// Every mock serves a scripted stream with SSE framing, one flush per event.
func TestReplySSEEveryMock(t *testing.T) {
	for _, m := range replyMocks() {
		t.Run(m.name, func(t *testing.T) {
			url := serveUnchecked(t, m.mock) + m.chatPath
			m.mock.Enqueue(ReplySSE(`{"a":1}`, `{"b":2}`, "[DONE]"))
			resp := do(t, http.MethodPost, url, replyReq)
			assert.Equal(t, 200, resp.StatusCode)
			assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
			assert.Equal(t, "no-cache", resp.Header.Get("Cache-Control"))
			assert.Equal(t, "data: {\"a\":1}\n\ndata: {\"b\":2}\n\ndata: [DONE]\n\n", string(readAll(t, resp.Body)))
		})
	}
}

// A Qianfan v1 error is a canned HTTP 200 JSON body, and token requests do
// not consume the queue.
func TestReplyQianfanV1ErrorBody(t *testing.T) {
	q := NewQianfanV1(QianfanV1Config{})
	base := serveUnchecked(t, q)
	q.Enqueue(ReplyJSON(200, map[string]any{"error_code": 336501, "error_msg": "RPM limit reached"}))

	tok := do(t, http.MethodPost, base+qf1TokenPath+"?grant_type=client_credentials&client_id=a&client_secret=b", "")
	assert.Equal(t, 200, tok.StatusCode)
	assert.Contains(t, string(readAll(t, tok.Body)), "access_token", "the token route answers itself")

	resp := do(t, http.MethodPost, base+qf1ChatPrefix+"ernie_speed?access_token=x", replyReq)
	assert.Equal(t, 200, resp.StatusCode)
	assert.JSONEq(t, `{"error_code":336501,"error_msg":"RPM limit reached"}`, string(readAll(t, resp.Body)))
	assert.Empty(t, resp.Header.Get(qf1RequestIDHeader), "a Reply is raw: no vendor headers are added")
}

// Replies and faults share one FIFO.
func TestReplyOrderWithFaults(t *testing.T) {
	ds := NewDeepSeek(DeepSeekConfig{})
	url := serveUnchecked(t, ds) + "/chat/completions"
	ds.Enqueue(RateLimited("1"), ReplyJSON(0, `{"scripted":1}`), Fault{}, ReplyJSON(0, `{"scripted":2}`))

	r1 := do(t, http.MethodPost, url, replyReq)
	assert.Equal(t, 429, r1.StatusCode)
	assert.Equal(t, "1", r1.Header.Get("Retry-After"))
	r2 := do(t, http.MethodPost, url, replyReq)
	assert.Equal(t, `{"scripted":1}`, string(readAll(t, r2.Body)))
	r3 := do(t, http.MethodPost, url, `{"model":"deepseek-v4-flash","messages":[{"role":"user","content":"hi"}]}`)
	assert.Equal(t, 200, r3.StatusCode)
	assert.Contains(t, string(readAll(t, r3.Body)), "Hello! You said: hi", "the zero Fault lets the mock answer")
	r4 := do(t, http.MethodPost, url, replyReq)
	assert.Equal(t, `{"scripted":2}`, string(readAll(t, r4.Body)))

	// GET routes never consume the queue.
	ds.Enqueue(ReplyJSON(0, `{"scripted":3}`))
	models := do(t, http.MethodGet, strings.TrimSuffix(url, "/chat/completions")+"/models", "")
	assert.Contains(t, string(readAll(t, models.Body)), "deepseek-v4-flash")
	assert.Equal(t, `{"scripted":3}`, string(readAll(t, do(t, http.MethodPost, url, replyReq).Body)))
}

// Reset drops scripted replies with the faults.
func TestReplyClearedByReset(t *testing.T) {
	oa := NewOpenAI(OpenAIConfig{})
	url := serveUnchecked(t, oa) + "/v1/chat/completions"
	oa.Enqueue(ReplyJSON(0, `{"scripted":true}`))
	oa.Reset()
	resp := do(t, http.MethodPost, url, `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}`)
	assert.Contains(t, string(readAll(t, resp.Body)), "chatcmpl-")
}

func TestReplyJSONBodies(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		body       any
		wantStatus int
		wantType   string
		wantBody   string
	}{
		{"string verbatim, even invalid JSON", 200, `{"broken":`, 200, "application/json", `{"broken":`},
		{"bytes", 0, []byte(`[1,2]`), 200, "application/json", `[1,2]`},
		{"value encoded", 429, map[string]any{"error": map[string]any{"code": "x"}}, 429, "application/json", `{"error":{"code":"x"}}`},
		{"nil encodes as null", 200, nil, 200, "application/json", `null`},
		{"empty body has no type", 204, "", 204, "", ``},
		{"status below 200", 100, `{}`, 500, "application/json", `{}`},
		{"status above 599", 600, `{}`, 500, "application/json", `{}`},
		{"unencodable value", 200, make(chan int), 500, "text/plain; charset=utf-8",
			"mockvendor: ReplyJSON cannot encode the scripted body: json: unsupported type: chan int"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			oa := NewOpenAI(OpenAIConfig{})
			url := serveUnchecked(t, oa) + "/v1/chat/completions"
			oa.Enqueue(ReplyJSON(tt.status, tt.body))
			resp := do(t, http.MethodPost, url, replyReq)
			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			assert.Equal(t, tt.wantType, resp.Header.Get("Content-Type"))
			assert.Equal(t, tt.wantBody, string(readAll(t, resp.Body)))
		})
	}
}

// ReplyJSON copies a []byte body: changing the caller's slice later does
// not change the scripted reply.
func TestReplyJSONCopiesBytes(t *testing.T) {
	b := []byte(`{"v":1}`)
	f := ReplyJSON(200, b)
	b[5] = '2'
	assert.Equal(t, `{"v":1}`, string(f.Reply.Body))
}

func TestReplyEventFraming(t *testing.T) {
	tests := []struct {
		name string
		ev   Event
		want string
	}{
		{"data", Event{Data: `{"x":1}`}, "data: {\"x\":1}\n\n"},
		{"named", Event{Name: "message", Data: "d"}, "event: message\ndata: d\n\n"},
		{"comment", Event{Comment: "keep-alive"}, ": keep-alive\n\n"},
		{"comment then data", Event{Comment: "c", Data: "d"}, ": c\ndata: d\n\n"},
		{"multi-line data, every line break kind", Event{Data: "a\nb\r\nc\rd"}, "data: a\ndata: b\ndata: c\ndata: d\n\n"},
		{"line breaks in a name cannot break framing", Event{Name: "a\nb", Data: "d"}, "event: a b\ndata: d\n\n"},
		{"multi-line comment", Event{Comment: "a\nb"}, ": a\n: b\n\n"},
		{"empty event is a blank line", Event{}, "\n"},
		{"raw is verbatim", Event{Raw: "data:{\"no-space\":1}\n", Data: "ignored"}, "data:{\"no-space\":1}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			frameEvent(&b, tt.ev)
			assert.Equal(t, tt.want, b.String())
		})
	}
}

// flushRecorder remembers what had been written at each Flush, to prove
// that every event is flushed on its own.
type flushRecorder struct {
	*httptest.ResponseRecorder
	flushed []string
}

func (f *flushRecorder) Flush() {
	f.ResponseRecorder.Flush()
	f.flushed = append(f.flushed, f.Body.String())
}

func TestReplyStreamFlushesEachEvent(t *testing.T) {
	ark := NewArk(ArkConfig{})
	ark.Enqueue(Fault{Reply: &Reply{
		Status: 200,
		Header: http.Header{"X-Request-Id": {"req-1"}},
		Events: []Event{{Comment: "ping"}, {Name: "e", Data: "1"}, {Data: "[DONE]"}},
	}})
	rec := &flushRecorder{ResponseRecorder: httptest.NewRecorder()}
	ark.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/chat/completions", strings.NewReader(replyReq)))
	assert.Equal(t, "req-1", rec.Header().Get("X-Request-Id"))
	assert.Equal(t, []string{
		"", // headers, before any event
		": ping\n\n",
		": ping\n\nevent: e\ndata: 1\n\n",
		": ping\n\nevent: e\ndata: 1\n\ndata: [DONE]\n\n",
	}, rec.flushed)
}

// The stream cuts of the carrying Fault apply to a scripted stream; its
// other error fields are ignored.
func TestReplyStreamCuts(t *testing.T) {
	events := []string{`{"n":1}`, `{"n":2}`, "[DONE]"}

	t.Run("truncate", func(t *testing.T) {
		ds := NewDeepSeek(DeepSeekConfig{})
		url := serveUnchecked(t, ds) + "/chat/completions"
		f := ReplySSE(events...)
		f.TruncateAfter = 2
		ds.Enqueue(f)
		resp := do(t, http.MethodPost, url, replyReq)
		assert.Equal(t, "data: {\"n\":1}\n\ndata: {\"n\":2}\n\n", string(readAll(t, resp.Body)))
	})
	t.Run("abort", func(t *testing.T) {
		ds := NewDeepSeek(DeepSeekConfig{})
		url := serveUnchecked(t, ds) + "/chat/completions"
		f := ReplySSE(events...)
		f.AbortAfter = 1
		ds.Enqueue(f)
		resp := do(t, http.MethodPost, url, replyReq)
		br := bufio.NewReader(resp.Body)
		first, err := br.ReadString('\n')
		require.NoError(t, err)
		assert.Equal(t, "data: {\"n\":1}\n", first)
		_, err = io.ReadAll(br)
		assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "the connection breaks after one event")
	})
	t.Run("status and error fields are ignored", func(t *testing.T) {
		ds := NewDeepSeek(DeepSeekConfig{})
		url := serveUnchecked(t, ds) + "/chat/completions"
		f := ReplySSE(events...)
		f.Status, f.ErrorAfter, f.ErrorCode = 500, 1, 336000
		ds.Enqueue(f)
		resp := do(t, http.MethodPost, url, replyReq)
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, "data: {\"n\":1}\n\ndata: {\"n\":2}\n\ndata: [DONE]\n\n", string(readAll(t, resp.Body)))
	})
}

// Latency delays a reply, and Reset wins over it, as Fault documents.
func TestReplyLatencyAndReset(t *testing.T) {
	q := NewQianfanV2(QianfanV2Config{})
	url := serveUnchecked(t, q) + "/v2/chat/completions"

	f := ReplyJSON(200, `{}`)
	f.Latency = 40 * time.Millisecond
	q.Enqueue(f)
	start := time.Now()
	assert.Equal(t, `{}`, string(readAll(t, do(t, http.MethodPost, url, replyReq).Body)))
	assert.GreaterOrEqual(t, time.Since(start), 40*time.Millisecond)

	f = ReplyJSON(200, `{}`)
	f.Reset = true
	q.Enqueue(f)
	resp, err := http.Post(url, "application/json", strings.NewReader(replyReq))
	if err == nil {
		resp.Body.Close()
	}
	require.Error(t, err, "Reset drops the connection before any reply")
}

// cancelRecorder cancels the request's context at its third flush, as a
// client that leaves mid-stream would.
type cancelRecorder struct {
	flushRecorder
	cancel context.CancelFunc
}

func (c *cancelRecorder) Flush() {
	c.flushRecorder.Flush()
	if len(c.flushed) == 3 {
		c.cancel()
	}
}

// A client that leaves mid-stream ends the scripted stream.
func TestReplyStreamClientGone(t *testing.T) {
	ds := NewDeepSeek(DeepSeekConfig{})
	events := make([]string, 100)
	for i := range events {
		events[i] = "x"
	}
	ds.Enqueue(ReplySSE(events...))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec := &cancelRecorder{flushRecorder: flushRecorder{ResponseRecorder: httptest.NewRecorder()}, cancel: cancel}
	req := httptest.NewRequest(http.MethodPost, "/chat/completions", strings.NewReader(replyReq)).WithContext(ctx)
	assert.NotPanics(t, func() { ds.ServeHTTP(rec, req) })
	assert.Len(t, rec.flushed, 3, "headers and two events, then the stream stops")
	assert.Equal(t, "data: x\n\ndata: x\n\n", rec.Body.String())
}
