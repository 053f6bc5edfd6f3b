package gateway

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/harborai/harbor-go/gateway/wire"
	"github.com/harborai/harbor-go/generated/harborapi"
	"github.com/harborai/harbor-go/llm"
)

// GeneratedRouter routes every request, chat included, through the router
// generated from spec/harbor.yaml, for BenchmarkChatJSONGeneratedRouter.
func (s *Server) GeneratedRouter() http.Handler {
	h := harborapi.Handler(routes{s})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x := newExchange(w)
		defer s.logLine(x, r)
		h.ServeHTTP(x, r)
	})
}

// SetClock replaces the clock of s's per-process limits and budgets, so that
// tests can give two gateways clocks that disagree.
func SetClock(s *Server, now func() time.Time) { s.now = now }

// Decode runs the chat request decoder on body into in, as chat does; false
// means the gateway answers 400. For BenchmarkDecode.
func Decode(s *Server, body []byte, in *wire.ChatCompletionRequest) bool {
	_, bad := s.decode(body, in)
	return !bad
}

// EncodeAnswer appends res to b as a plain answer's body, for
// BenchmarkEncodeAnswer.
func EncodeAnswer(b *bytes.Buffer, res *llm.ChatCompletion) error { return encodeAnswer(b, res) }

// EncodeAnswerReflect is the json.Encoder encodeAnswer replaced
// (answer_internal_test.go), for BenchmarkEncodeAnswer's comparison.
func EncodeAnswerReflect(b *bytes.Buffer, res *llm.ChatCompletion) error {
	return encodeAnswerReflect(b, res)
}

// ChunkEncoder returns what sseWriter.event does to encode a stream's chunk
// into b after "data: ": toSSE, then encodeChunk (onepass) or, with reflect,
// the json.Encoder it replaced, kept across chunks as sseWriter kept it. For
// BenchmarkEncodeChunk's comparison.
func ChunkEncoder(b *bytes.Buffer, reflect bool) func(*llm.Chunk) error {
	var w sseWriter
	if reflect {
		enc := json.NewEncoder(b)
		enc.SetEscapeHTML(false)
		return func(c *llm.Chunk) error { return enc.Encode(w.toSSE(c)) }
	}
	return func(c *llm.Chunk) error { return encodeChunk(b, w.toSSE(c)) }
}

// SetAccessLogOutput sends the access log s owns (Log.Access stdout or stderr,
// no Config.AccessLog) to w instead, for the end-to-end tests of the gateway's
// own encoder; false: s does not own its access log (it is the caller's, or
// off) and nothing changed. Call it before s serves.
func SetAccessLogOutput(s *Server, w io.Writer) bool {
	if s.accessJSON == nil {
		return false
	}
	s.accessJSON = newJSONLines(w, s.accessJSON.every)
	return true
}

// WithoutLines is c without where ParseConfig found its settings, for
// comparing a parsed Config with one decoded by the YAML library alone.
func WithoutLines(c Config) Config {
	c.lines = nil
	return c
}
