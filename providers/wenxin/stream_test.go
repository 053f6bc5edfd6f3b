package wenxin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/llm"
)

// sse writes events as Wenxin does: data lines, no [DONE].
func sse(w http.ResponseWriter, events ...string) {
	w.Header().Set("Content-Type", "text/event-stream")
	for _, e := range events {
		fmt.Fprintf(w, "data: %s\n\n", e)
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
	}
}

// drain streams req and collects its chunks until io.EOF or an error.
func drain(t *testing.T, p *Provider, req *llm.ChatRequest) ([]llm.Chunk, error) {
	t.Helper()
	src, err := p.ChatStream(context.Background(), req, nil)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	var out []llm.Chunk
	for {
		c, err := src.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, c)
	}
}

// The capture of vendors.md §3, plus a middle event.
var captured = []string{
	`{"id":"as-vb0m37ti8y","object":"chat.completion","created":1709089502,"sentence_id":0,"is_end":false,"is_truncated":false,"result":"当然可以，","need_clear_history":false,"finish_reason":"normal","usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}`,
	`{"id":"as-vb0m37ti8y","object":"chat.completion","created":1709089510,"sentence_id":1,"is_end":false,"is_truncated":false,"result":"这是第二句。","need_clear_history":false,"finish_reason":"normal","usage":{"prompt_tokens":5,"completion_tokens":200,"total_tokens":205}}`,
	`{"id":"as-vb0m37ti8y","object":"chat.completion","created":1709089531,"sentence_id":20,"is_end":true,"is_truncated":false,"result":"","need_clear_history":false,"finish_reason":"normal","usage":{"prompt_tokens":5,"completion_tokens":420,"total_tokens":425}}`,
}

func TestStream(t *testing.T) {
	v := newFakeVendor(t)
	v.chat = func(_ int64, _ string, w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "text/event-stream", r.Header.Get("Accept"))
		sse(w, captured...)
	}
	p := newProvider(t, config(v.URL))
	chunks, err := drain(t, p, userReq("ERNIE-4.0-8K"))
	require.NoError(t, err, "is_end:true ends the stream cleanly without [DONE]")
	assert.Equal(t, true, v.body(0)["stream"])
	require.Len(t, chunks, 3)
	for i, c := range chunks {
		assert.Equal(t, "as-vb0m37ti8y", c.ID)
		assert.Equal(t, "chat.completion.chunk", c.Object)
		assert.Equal(t, "ERNIE-4.0-8K", c.Model)
		require.Len(t, c.Choices, 1)
		if i < 2 {
			assert.Nil(t, c.Usage, "usage only on the last chunk")
			assert.Empty(t, c.Choices[0].FinishReason, "finish_reason only on the last chunk")
		}
	}
	assert.Equal(t, llm.RoleAssistant, chunks[0].Choices[0].Delta.Role, "the first chunk carries the role")
	assert.Empty(t, chunks[1].Choices[0].Delta.Role)
	assert.Equal(t, "当然可以，", chunks[0].Choices[0].Delta.Content)
	assert.Equal(t, "这是第二句。", chunks[1].Choices[0].Delta.Content)
	assert.Equal(t, llm.FinishReasonStop, chunks[2].Choices[0].FinishReason)
	assert.Equal(t, &llm.Usage{PromptTokens: 5, CompletionTokens: 420, TotalTokens: 425}, chunks[2].Usage)
}

func TestStreamThroughLLMStream(t *testing.T) {
	v := newFakeVendor(t)
	v.chat = func(_ int64, _ string, w http.ResponseWriter, _ *http.Request) { sse(w, captured...) }
	p := newProvider(t, config(v.URL))
	src, err := p.ChatStream(context.Background(), userReq("ernie-4.0-8k"), nil)
	require.NoError(t, err)
	s := llm.NewStream(src)
	var text string
	for s.Next() {
		text += s.Current().Choices[0].Delta.Content
	}
	require.NoError(t, s.Err())
	assert.Equal(t, "当然可以，这是第二句。", text)
	assert.Equal(t, 425, s.Usage().TotalTokens)
}

func TestStreamFunctionCall(t *testing.T) {
	v := newFakeVendor(t)
	v.chat = func(_ int64, _ string, w http.ResponseWriter, _ *http.Request) {
		sse(w, `{"id":"as-f","object":"chat.completion","created":1,"sentence_id":0,"is_end":true,"result":"","finish_reason":"function_call","function_call":{"name":"get_weather","arguments":"{}","thoughts":"t"},"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`)
	}
	p := newProvider(t, config(v.URL))
	chunks, err := drain(t, p, userReq("ernie-4.0-8k"))
	require.NoError(t, err)
	require.Len(t, chunks, 1)
	ch := chunks[0].Choices[0]
	assert.Equal(t, []llm.ToolCallDelta{{Index: 0, ID: "call_as-f", Type: "function", Function: llm.FunctionCallDelta{Name: "get_weather", Arguments: "{}"}}}, ch.Delta.ToolCalls)
	assert.Equal(t, llm.FinishReasonToolCalls, ch.FinishReason)
}

func TestStreamErrors(t *testing.T) {
	t.Run("error event mid-stream", func(t *testing.T) {
		v := newFakeVendor(t)
		v.chat = func(_ int64, tok string, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("X-Baidu-Request-Id", "rid-s")
			sse(w, captured[0], fmt.Sprintf(`{"error_code":336501,"error_msg":"RPM limit reached for %s"}`, tok))
		}
		p := newProvider(t, config(v.URL))
		chunks, err := drain(t, p, userReq("ernie-4.0-8k"))
		require.Len(t, chunks, 1)
		require.ErrorIs(t, err, llm.ErrRateLimited)
		var le *llm.Error
		require.ErrorAs(t, err, &le)
		assert.Equal(t, "336501", le.Code)
		assert.Equal(t, "rid-s", le.RequestID)
		assert.False(t, le.Transient, "part of the answer was delivered: not retryable as is")
		noLeak(t, err, "24.tok-1")
	})
	t.Run("no is_end: truncated", func(t *testing.T) {
		v := newFakeVendor(t)
		v.chat = func(_ int64, _ string, w http.ResponseWriter, _ *http.Request) { sse(w, captured[:2]...) }
		p := newProvider(t, config(v.URL))
		chunks, err := drain(t, p, userReq("ernie-4.0-8k"))
		assert.Len(t, chunks, 2)
		require.ErrorIs(t, err, llm.ErrStreamTruncated)
	})
	t.Run("JSON answer where a stream was asked for", func(t *testing.T) {
		v := newFakeVendor(t)
		p := newProvider(t, config(v.URL)) // the default handler answers JSON
		_, err := p.ChatStream(context.Background(), userReq("ernie-4.0-8k"), nil)
		require.ErrorIs(t, err, llm.ErrBadResponse)
	})
	t.Run("undecodable event", func(t *testing.T) {
		v := newFakeVendor(t)
		v.chat = func(_ int64, _ string, w http.ResponseWriter, _ *http.Request) { sse(w, `{"id":`) }
		p := newProvider(t, config(v.URL))
		_, err := drain(t, p, userReq("ernie-4.0-8k"))
		require.ErrorIs(t, err, llm.ErrBadResponse)
	})
}

func TestStreamUsageCarriedToLastChunk(t *testing.T) {
	v := newFakeVendor(t)
	v.chat = func(_ int64, _ string, w http.ResponseWriter, _ *http.Request) {
		sse(w, `{"id":"as-u","object":"chat.completion","sentence_id":0,"is_end":false,"result":"a","usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}`,
			`{"id":"as-u","object":"chat.completion","sentence_id":1,"is_end":true,"result":"b","finish_reason":"length"}`)
	}
	p := newProvider(t, config(v.URL))
	chunks, err := drain(t, p, userReq("ernie-4.0-8k"))
	require.NoError(t, err)
	require.Len(t, chunks, 2)
	assert.Nil(t, chunks[0].Usage)
	assert.Equal(t, &llm.Usage{PromptTokens: 3, CompletionTokens: 1, TotalTokens: 4}, chunks[1].Usage)
	assert.Equal(t, "b", chunks[1].Choices[0].Delta.Content)
	assert.Equal(t, llm.FinishReasonLength, chunks[1].Choices[0].FinishReason)
}
