package llm

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOptJSON(t *testing.T) {
	type req struct {
		T Opt[float64] `json:"temperature,omitzero"`
		M Opt[int]     `json:"max_tokens,omitzero"`
	}
	b, err := json.Marshal(req{T: Some(0.0)})
	require.NoError(t, err)
	assert.JSONEq(t, `{"temperature":0}`, string(b), "a set zero is sent; unset is omitted")

	var r req
	require.NoError(t, json.Unmarshal([]byte(`{"temperature":0.7,"max_tokens":null}`), &r))
	v, ok := r.T.Get()
	assert.True(t, ok)
	assert.Equal(t, 0.7, v)
	assert.False(t, r.M.IsSet(), "null is unset")
	assert.Equal(t, 5, r.M.Or(5))
	assert.Nil(t, r.M.Ptr())
}

func TestMessageJSON(t *testing.T) {
	cases := []struct {
		name string
		msg  Message
		json string
	}{
		{"text", UserMessage("hi"), `{"role":"user","content":"hi"}`},
		{"parts", UserParts(TextPart("a"), ImagePart("https://x", "low")), `{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"https://x","detail":"low"}}]}`},
		{"tool calls, no text", Message{Role: "assistant", ToolCalls: []ToolCall{{ID: "1", Type: "function", Function: FunctionCall{Name: "f", Arguments: "{}"}}}, ReasoningContent: "r"},
			`{"role":"assistant","content":null,"reasoning_content":"r","tool_calls":[{"id":"1","type":"function","function":{"name":"f","arguments":"{}"}}]}`},
		{"tool result", ToolMessage("1", "ok"), `{"role":"tool","content":"ok","tool_call_id":"1"}`},
	}
	for _, tc := range cases {
		b, err := json.Marshal(tc.msg)
		require.NoError(t, err, tc.name)
		assert.JSONEq(t, tc.json, string(b), tc.name)
		var back Message
		require.NoError(t, json.Unmarshal(b, &back), tc.name)
		assert.Equal(t, tc.msg, back, tc.name)
	}
	var m Message
	assert.Error(t, json.Unmarshal([]byte(`{"role":"user","content":42}`), &m))
	mixed := UserParts(TextPart("a"), ImagePart("u", ""), TextPart("b"))
	assert.Equal(t, "ab", mixed.Text())
}

func TestToolChoiceJSON(t *testing.T) {
	for in, want := range map[string]ToolChoice{`"auto"`: {Mode: "auto"}, `{"type":"function","function":{"name":"f"}}`: {Function: "f"}} {
		var tc ToolChoice
		require.NoError(t, json.Unmarshal([]byte(in), &tc))
		assert.Equal(t, want, tc)
		b, err := json.Marshal(tc)
		require.NoError(t, err)
		assert.JSONEq(t, in, string(b))
	}
	var tc ToolChoice
	assert.Error(t, json.Unmarshal([]byte(`{"type":"function"}`), &tc))
}

func TestRedact(t *testing.T) {
	cases := map[string]string{
		"Your api key: sk-abcdef0123456789 is invalid":      "Your api key: [redacted] is invalid",
		"GET /chat?access_token=24.abc&x=1":                 "GET /chat?access_token=[redacted]&x=1",
		"auth Bearer bce-v3/ALTAK-xyz/0123456789":           "auth [redacted]",
		"key bce-v3/ALTAK-xyz/0123 leaked":                  "key [redacted] leaked",
		"Authentication Fails, Your api key: ****abcd is …": "Authentication Fails, Your api key: ****abcd is …",
		"plain message": "plain message",
	}
	for in, want := range cases {
		assert.Equal(t, want, Redact(in), in)
	}
	assert.Equal(t, "x [redacted] y", Redact("x my-custom-secret y", "my-custom-secret"))
	assert.Equal(t, "a b", Redact("a b", "b"), "secrets under 4 bytes are ignored")
}

func TestErrorFormattingAndClassification(t *testing.T) {
	e := &Error{Provider: "deepseek", Model: "deepseek-v4-flash", StatusCode: 429, Type: "rate_limit_error", Code: "rate_limit_exceeded",
		Message: "slow down", RetryAfter: 2 * time.Second, RequestID: "r1", Kind: ErrRateLimited, Transient: true}
	assert.Equal(t, "harbor: deepseek deepseek-v4-flash: HTTP 429 rate_limit_error/rate_limit_exceeded: slow down (retry after 2s) [request id r1]", e.Error())
	assert.True(t, errors.Is(e, ErrRateLimited))
	assert.False(t, errors.Is(e, ErrServer))

	wrapped := &Error{Provider: "deepseek", Kind: ErrTimeout, Err: context.DeadlineExceeded}
	assert.True(t, errors.Is(wrapped, context.DeadlineExceeded), "the cause stays reachable")
	assert.True(t, errors.Is(wrapped, ErrTimeout))
	assert.Contains(t, wrapped.Error(), "timeout: context deadline exceeded")

	for status, kind := range map[int]error{400: ErrInvalidRequest, 401: ErrAuthentication, 402: ErrInsufficientBalance, 403: ErrPermission,
		404: ErrNotFound, 422: ErrInvalidRequest, 429: ErrRateLimited, 500: ErrServer, 503: ErrServer} {
		got, _ := KindForStatus(status)
		assert.Equal(t, kind, got, status)
	}
}

func TestStream(t *testing.T) {
	u := &Usage{TotalTokens: 3}
	s := StreamOf(nil, Chunk{ID: "1"}, Chunk{ID: "2", Usage: u})
	var ids []string
	for s.Next() {
		ids = append(ids, s.Current().ID)
	}
	assert.NoError(t, s.Err())
	assert.Equal(t, []string{"1", "2"}, ids)
	assert.Equal(t, u, s.Usage())
	assert.NoError(t, s.Close())
	assert.NoError(t, s.Close(), "Close is idempotent")

	boom := errors.New("boom")
	s = StreamOf(boom, Chunk{ID: "1"})
	var errs []error
	for _, err := range s.All() {
		errs = append(errs, err)
	}
	assert.Equal(t, []error{nil, boom}, errs)

	s = StreamOf(nil, Chunk{ID: "1"}, Chunk{ID: "2"})
	require.True(t, s.Next())
	s.Close()
	assert.False(t, s.Next())
	assert.ErrorIs(t, s.Err(), ErrStreamClosed)

	s = StreamOf(io.ErrUnexpectedEOF)
	assert.False(t, s.Next())
	assert.ErrorIs(t, s.Err(), io.ErrUnexpectedEOF)
}

// blockingSource blocks in Next until Close, then fails the way a read on a closed
// connection does.
type blockingSource struct {
	entered chan struct{}
	closed  chan struct{}
}

func (b *blockingSource) Next() (Chunk, error) {
	close(b.entered)
	<-b.closed
	return Chunk{}, &Error{Kind: ErrConnection, Message: "read on closed body"}
}

func (b *blockingSource) Close() error { close(b.closed); return nil }

func TestStreamCloseDuringNextIsStreamClosed(t *testing.T) {
	for i := 0; i < 50; i++ {
		src := &blockingSource{entered: make(chan struct{}), closed: make(chan struct{})}
		s := NewStream(src)
		go func() {
			<-src.entered
			s.Close()
		}()
		require.False(t, s.Next())
		require.ErrorIs(t, s.Err(), ErrStreamClosed, "Close while Next waits reports ErrStreamClosed, not the source's error")
		require.NotErrorIs(t, s.Err(), ErrConnection)
		var e *Error
		require.ErrorAs(t, s.Err(), &e)
	}
}

func TestRedactedKeepsSecretsOutOfErrorText(t *testing.T) {
	cause := errors.New("dial https://x/?key=SECRETVALUE99: connection refused")
	e := &Error{Kind: ErrConnection, Message: Redact(cause.Error(), "SECRETVALUE99"), Err: Redacted(cause, "SECRETVALUE99")}
	assert.NotContains(t, e.Error(), "SECRETVALUE99")
	assert.ErrorIs(t, e, cause, "the cause is still found")
	bare := &Error{Kind: ErrConnection, Message: Redact(cause.Error(), "SECRETVALUE99"), Err: cause}
	assert.Contains(t, bare.Error(), "SECRETVALUE99", "why Redacted is needed: Error() prints Err")
	assert.Nil(t, Redacted(nil))
}

// bufferedSource is a source that says whether its next chunk is in memory.
type bufferedSource struct {
	sliceSource
	buffered bool
}

func (b *bufferedSource) Buffered() bool { return b.buffered }

// opaqueSource hides sliceSource's Buffered: a source that cannot tell.
type opaqueSource struct{ s *sliceSource }

func (o opaqueSource) Next() (Chunk, error) { return o.s.Next() }
func (o opaqueSource) Close() error         { return o.s.Close() }

// Buffered is the source's while the stream runs, false for a source that
// cannot tell, and true once Next would return false at once.
func TestStreamBuffered(t *testing.T) {
	src := &bufferedSource{sliceSource: sliceSource{chunks: []Chunk{{ID: "1"}, {ID: "2"}}}}
	s := NewStream(src)
	require.True(t, s.Next())
	assert.False(t, s.Buffered(), "the source's false")
	src.buffered = true
	assert.True(t, s.Buffered(), "the source's true")
	src.buffered = false
	require.True(t, s.Next())
	require.False(t, s.Next())
	assert.True(t, s.Buffered(), "ended: Next returns false at once")

	s = NewStream(opaqueSource{&sliceSource{chunks: []Chunk{{ID: "1"}, {ID: "2"}}}})
	require.True(t, s.Next())
	assert.False(t, s.Buffered(), "a source without Buffered is taken to wait")
	s.Close()
	assert.True(t, s.Buffered(), "closed: Next returns false at once")

	s = StreamOf(nil, Chunk{ID: "1"}, Chunk{ID: "2"})
	assert.True(t, s.Buffered(), "StreamOf is all in memory")
	require.True(t, s.Next())
	assert.True(t, s.Buffered())
}
