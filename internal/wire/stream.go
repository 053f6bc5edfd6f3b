package wire

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/harborai/harbor-go/internal/sse"
	"github.com/harborai/harbor-go/internal/vendorerr"
	"github.com/harborai/harbor-go/llm"
)

// ChunkDecoder turns one SSE data payload into a chunk. last reports that the vendor
// marked this event as the final one (Wenxin v1's is_end), so the stream ends after
// it without waiting for a [DONE] that will never come. A decoder may keep state
// across calls (to drop repeated roles, say): one decoder serves one stream.
type ChunkDecoder func(data []byte) (c llm.Chunk, last bool, err error)

// Stream is an llm.ChunkSource over a vendor's SSE body. It handles what OpenAI-style
// vendors have in common: `data: [DONE]` ends the stream, an end of body before the
// end marker is ErrStreamTruncated, and an error object in place of a chunk (`data:
// {"error":…}` or a bare `{"error":…}` line) ends it with that error. Everything
// vendor-specific is in the ChunkDecoder.
type Stream struct {
	resp    *http.Response
	dec     *sse.Decoder
	decode  ChunkDecoder
	prov    string
	model   string
	secrets []string
	refine  func(e *llm.Error, data []byte) *llm.Error
	// ended: the vendor's end marker was seen, or an error returned. Next sets it
	// and Close reads it, possibly from another goroutine while Next runs
	// (llm.ChunkSource allows that), hence atomic.
	ended atomic.Bool

	bodyID  bool   // see BodyRequestID
	firstID string // the first chunk's id (Next's goroutine)
}

// Refine sets a hook that corrects an in-band error event's *llm.Error from the
// vendor's codes and the event's raw data (Qianfan v2 puts the request id at the
// top level, next to "error"). It returns s for chaining.
func (s *Stream) Refine(f func(e *llm.Error, data []byte) *llm.Error) *Stream {
	s.refine = f
	return s
}

// NewStream wraps resp, whose body is an event stream.
func NewStream(resp *http.Response, provider, model string, decode ChunkDecoder, secrets ...string) *Stream {
	return &Stream{resp: resp, dec: sse.NewDecoder(resp.Body), decode: decode, prov: provider, model: model, secrets: secrets}
}

var (
	doneMarker  = []byte("[DONE]")
	errorPrefix = []byte(`{"error"`)
)

// RequestID is the vendor's request id from the response headers, "" when it
// sent none (read by llm.Stream.RequestID); with BodyRequestID, the first
// chunk's id stands in for a missing header.
func (s *Stream) RequestID() string {
	if id := vendorerr.RequestID(s.resp.Header); id != "" || !s.bodyID {
		return id
	}
	return s.firstID
}

// BodyRequestID makes the first chunk's id the stream's request id when the
// vendor sends no request-id header (engine.Spec.BodyRequestID). It returns s.
func (s *Stream) BodyRequestID(on bool) *Stream {
	s.bodyID = on
	return s
}

// Next returns the next chunk, or io.EOF after the end marker.
func (s *Stream) Next() (llm.Chunk, error) {
	for {
		if s.ended.Load() {
			return llm.Chunk{}, io.EOF
		}
		ev, err := s.dec.Next()
		if err != nil {
			s.ended.Store(true)
			if errors.Is(err, io.EOF) {
				return llm.Chunk{}, &llm.Error{Provider: s.prov, Model: s.model, Kind: llm.ErrStreamTruncated, Transient: true,
					Message: "the stream ended before the vendor's end marker"}
			}
			return llm.Chunk{}, vendorerr.Transport(s.prov, s.model, err, s.secrets...)
		}
		data := bytes.TrimSpace(ev.Data)
		if len(data) == 0 {
			continue
		}
		if bytes.Equal(data, doneMarker) {
			s.ended.Store(true)
			return llm.Chunk{}, io.EOF
		}
		if bytes.HasPrefix(data, errorPrefix) {
			s.ended.Store(true)
			e := vendorerr.MidStream(s.prov, s.model, s.resp.Header, data, s.secrets...)
			if s.refine != nil {
				e = s.refine(e, data)
			}
			return llm.Chunk{}, e
		}
		c, last, err := s.decode(data)
		if err != nil {
			s.ended.Store(true)
			var le *llm.Error
			if errors.As(err, &le) {
				return llm.Chunk{}, le
			}
			return llm.Chunk{}, vendorerr.BadResponse(s.prov, s.model, err, data, s.secrets...)
		}
		if last {
			s.ended.Store(true)
		}
		if s.firstID == "" {
			s.firstID = c.ID
		}
		return c, nil
	}
}

// Buffered reports whether Next would return at once, without reading the
// body: after the end marker or an error, or when a whole event that is not
// blank is already in the decoder's buffer (sse.Decoder.Buffered; read by
// llm.Stream.Buffered). Like Next, it is for the stream's goroutine.
func (s *Stream) Buffered() bool { return s.ended.Load() || s.dec.Buffered() }

// Close releases the connection. After the end marker the few bytes left (the
// event's closing newline, the chunked-encoding trailer) are read first, so the
// connection goes back to the pool instead of being torn down; a stream abandoned
// early is closed without reading on. Close may run in another goroutine while
// Next waits for the body: closing the body makes that read fail, and Next returns.
// It never reads the body while Next may: once ended is set, Next reads no more.
func (s *Stream) Close() error {
	if s.ended.Load() {
		_, _ = io.CopyN(io.Discard, s.resp.Body, drainLimit)
	}
	return s.resp.Body.Close()
}

// drainLimit bounds what Close reads after the end marker.
const drainLimit = 4 << 10

// NotAStream reports (as an error, after reading the body) a JSON answer where an
// event stream was asked for: the vendor's error object, or a proxy gone wrong. It
// returns nil when resp is not JSON. refine, when not nil, corrects the error as
// the provider corrects its error bodies; body is the answer's bytes.
func NotAStream(provider, model string, resp *http.Response, refine func(e *llm.Error, body []byte) *llm.Error, secrets ...string) *llm.Error {
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return nil
	}
	var out *llm.Error
	err := ReadBody(resp, func(b []byte) error {
		out = vendorerr.Status(provider, model, resp, b, secrets...)
		if out.Message == "" || out.Type == "" && out.Code == "" {
			out.Kind, out.Message = llm.ErrBadResponse, "expected an event stream, got JSON: "+vendorerr.Snippet(b, secrets...)
		}
		if refine != nil {
			out = refine(out, b)
		}
		return nil
	})
	if out == nil {
		return vendorerr.Transport(provider, model, err, secrets...)
	}
	return out
}
