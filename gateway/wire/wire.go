// Package wire holds the few wire types of the Harbor API (spec/harbor.yaml)
// that harbor's own types do not already cover: the request of
// POST /v1/chat/completions is harbor's llm.ChatRequest plus OpenAI's stream
// fields. Everything else on the wire is harbor's own type (llm.ChatCompletion,
// llm.Chunk, llm.Model…), mapped by the spec's x-go-type, so that the gateway,
// the SDK and the generated client (generated/harborapi) share one definition.
package wire

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/harborai/harbor-go/llm"
)

// ChatCompletionRequest is the body of POST /v1/chat/completions: harbor's
// ChatRequest, whose fields are OpenAI's, plus whether to stream.
//
// Stop also accepts a single string, as OpenAI does (it becomes a one-element
// list). Fields of neither are ignored when decoding; the gateway may pass the
// ones its deployment names on to the vendor (ChatRequest.ExtraBody).
type ChatCompletionRequest struct {
	llm.ChatRequest
	// Stop shadows ChatRequest.Stop on the wire so that a string is accepted;
	// Request copies it there.
	Stop StopList `json:"stop,omitempty"`
	// Stream asks for a text/event-stream answer.
	Stream bool `json:"stream,omitempty"`
	// StreamOptions applies to a stream only.
	StreamOptions *StreamOptions `json:"stream_options,omitempty"`
}

// StreamOptions are OpenAI's stream_options.
type StreamOptions struct {
	// IncludeUsage asks for one last chunk, with no choices, that carries the
	// usage (and no usage on the other chunks).
	IncludeUsage bool `json:"include_usage,omitempty"`
}

// Request returns the harbor request: ChatRequest with Stop filled in. It
// shares the slices and maps of r.
func (r *ChatCompletionRequest) Request() *llm.ChatRequest {
	req := &r.ChatRequest
	if len(r.Stop) > 0 {
		req.Stop = r.Stop
	}
	return req
}

// StopList is OpenAI's stop: a string or an array of strings; null or absent
// is empty.
type StopList []string

// UnmarshalJSON accepts a string, an array of strings or null.
func (s *StopList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) > 0 && b[0] == '"':
		var one string
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*s = StopList{one}
		return nil
	case bytes.Equal(b, []byte("null")):
		*s = nil
		return nil
	case len(b) > 0 && b[0] == '[':
		var many []string
		if err := json.Unmarshal(b, &many); err != nil {
			return err
		}
		*s = many
		return nil
	}
	return fmt.Errorf("stop must be a string or an array of strings, got %.20s", b)
}
