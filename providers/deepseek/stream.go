package deepseek

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	gen "github.com/harborai/harbor-go/generated/deepseek"
	"github.com/harborai/harbor-go/internal/sse"
	"github.com/harborai/harbor-go/internal/wire"
	"github.com/harborai/harbor-go/llm"
)

// stream decodes DeepSeek's SSE body: `: keep-alive` comments and blank lines are
// skipped by the decoder, `data: [DONE]` ends it, usage rides on the finish chunk.
type stream struct {
	resp  *http.Response
	dec   *sse.Decoder
	model string
	key   string
	done  bool
}

func newStream(resp *http.Response, model, key string) *stream {
	return &stream{resp: resp, dec: sse.NewDecoder(resp.Body), model: model, key: key}
}

var doneMarker = []byte("[DONE]")

func (s *stream) Next() (llm.Chunk, error) {
	if s.done {
		return llm.Chunk{}, io.EOF
	}
	ev, err := s.dec.Next()
	if err != nil {
		s.done = true
		if errors.Is(err, io.EOF) {
			return llm.Chunk{}, &llm.Error{Provider: Name, Model: s.model, Kind: llm.ErrStreamTruncated, Transient: true,
				Message: "stream ended before data: [DONE]"}
		}
		return llm.Chunk{}, wire.TransportError(Name, s.model, err, s.key)
	}
	data := bytes.TrimSpace(ev.Data)
	if bytes.Equal(data, doneMarker) {
		s.done = true
		return llm.Chunk{}, io.EOF
	}
	if bytes.HasPrefix(data, []byte(`{"error"`)) { // not documented for DeepSeek; tolerated
		s.done = true
		e := wire.StatusError(Name, s.model, &http.Response{StatusCode: http.StatusOK, Header: s.resp.Header}, data, s.key)
		e.StatusCode, e.Kind, e.Transient = 0, llm.ErrServer, false
		return llm.Chunk{}, e
	}
	var c gen.ChatCompletionChunk
	if err := json.Unmarshal(data, &c); err != nil {
		s.done = true
		return llm.Chunk{}, wire.BadResponse(Name, s.model, err, data, s.key)
	}
	return fromChunk(&c), nil
}

func (s *stream) Close() error { return s.resp.Body.Close() }

func fromChunk(c *gen.ChatCompletionChunk) llm.Chunk {
	out := llm.Chunk{
		ID:                c.Id,
		Object:            string(c.Object),
		Created:           c.Created,
		Model:             c.Model,
		SystemFingerprint: str(c.SystemFingerprint),
		Choices:           make([]llm.ChunkChoice, len(c.Choices)),
	}
	for i := range c.Choices {
		ch := &c.Choices[i]
		d := llm.Delta{Content: str(ch.Delta.Content), ReasoningContent: str(ch.Delta.ReasoningContent)}
		if ch.Delta.Role != nil {
			d.Role = string(*ch.Delta.Role)
		}
		if n := len(ch.Delta.ToolCalls); n > 0 {
			d.ToolCalls = make([]llm.ToolCallDelta, n)
			for j, tc := range ch.Delta.ToolCalls {
				td := llm.ToolCallDelta{Index: tc.Index, ID: str(tc.Id)}
				if tc.Type != nil {
					td.Type = string(*tc.Type)
				}
				if tc.Function != nil {
					td.Function = llm.FunctionCallDelta{Name: str(tc.Function.Name), Arguments: str(tc.Function.Arguments)}
				}
				d.ToolCalls[j] = td
			}
		}
		out.Choices[i] = llm.ChunkChoice{Index: ch.Index, Delta: d, Logprobs: fromLogprobs(ch.Logprobs)}
		if ch.FinishReason != nil {
			out.Choices[i].FinishReason = string(*ch.FinishReason)
		}
	}
	if c.Usage != nil {
		u := fromUsage(c.Usage)
		out.Usage = &u
	}
	return out
}
