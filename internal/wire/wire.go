// Package wire holds the HTTP-level pieces every vendor adapter needs: decoding JSON
// bodies through pooled buffers, turning error bodies, statuses and transport
// failures into *llm.Error, and reading Retry-After and request-id headers.
//
// It also holds the hot path of a chat call: Endpoint builds the request without
// parsing URLs or copying the body (request.go), and ReplyDecoder reads
// OpenAI-shaped answers and stream chunks without reflection (reply.go), giving up
// to encoding/json and the generated types on anything it does not read exactly as
// encoding/json would.
package wire

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/harborai/harbor-go/llm"
)

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxBody bounds how much of a non-streaming response harbor reads (64 MiB): a vendor
// or proxy gone wrong must not exhaust memory.
const maxBody = 64 << 20

// ReadBody reads and closes resp.Body into a pooled buffer and calls fn with the
// bytes, which are only valid during fn.
func ReadBody(resp *http.Response, fn func([]byte) error) error {
	defer resp.Body.Close()
	if w, ok := resp.Body.(llm.Whole); ok { // a body llm.PeekBody read whole: no second copy
		if b, ok := w.Whole(); ok {
			return fn(b)
		}
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 1<<20 { // don't keep huge buffers alive
			bufPool.Put(buf)
		}
	}()
	if resp.ContentLength > 0 && resp.ContentLength <= maxBody {
		buf.Grow(int(resp.ContentLength))
	}
	n, err := buf.ReadFrom(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return err
	}
	if n > maxBody {
		return errBodyTooLarge
	}
	return fn(buf.Bytes())
}

var errBodyTooLarge = errors.New("response body larger than 64 MiB")

// DecodeJSON reads resp's body and unmarshals it into v. Leading whitespace, such as
// the blank lines DeepSeek writes while a request is queued, is skipped.
func DecodeJSON(resp *http.Response, v any) error {
	return ReadBody(resp, func(b []byte) error { return json.Unmarshal(b, v) })
}

// RetryAfter parses a Retry-After header in seconds or as an HTTP date; 0 if absent
// or unparsable.
func RetryAfter(h http.Header) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

// RequestID returns the vendor's request id from the usual headers.
func RequestID(h http.Header) string {
	// The names are in canonical form: looked up directly, without Header.Get's
	// canonicalisation of each name on every call.
	for _, k := range [...]string{"X-Request-Id", "X-Client-Request-Id", "X-Baidu-Request-Id", "X-Tt-Logid"} {
		if vs := h[k]; len(vs) > 0 && vs[0] != "" {
			return vs[0]
		}
	}
	return ""
}

// openAIError is the common {"error":{message,type,param,code}} body. code may be a
// string or a number depending on the vendor.
type openAIError struct {
	Error *struct {
		Message string          `json:"message"`
		Type    string          `json:"type"`
		Param   json.RawMessage `json:"param"`
		Code    json.RawMessage `json:"code"`
	} `json:"error"`
}

// StatusError builds the *llm.Error for a non-2xx response whose body is body
// (OpenAI-shaped when the vendor follows it). Secrets are removed from the message.
func StatusError(provider, model string, resp *http.Response, body []byte, secrets ...string) *llm.Error {
	kind, transient := llm.KindForStatus(resp.StatusCode)
	e := &llm.Error{
		Provider:   provider,
		Model:      model,
		StatusCode: resp.StatusCode,
		RequestID:  RequestID(resp.Header),
		RetryAfter: RetryAfter(resp.Header),
		Kind:       kind,
		Transient:  transient,
	}
	var oe openAIError
	if json.Unmarshal(body, &oe) == nil && oe.Error != nil {
		e.Message = llm.Redact(oe.Error.Message, secrets...)
		e.Type = oe.Error.Type
		e.Code = rawString(oe.Error.Code)
		e.Param = rawString(oe.Error.Param)
	} else {
		e.Message = Snippet(body, secrets...)
		if e.Message == "" {
			e.Message = http.StatusText(resp.StatusCode)
		}
	}
	return e
}

// Snippet returns at most 200 bytes of an unexpected body, one line, secrets removed,
// for error messages (never the whole body).
func Snippet(body []byte, secrets ...string) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return llm.Redact(s, secrets...)
}

func rawString(r json.RawMessage) string {
	r = bytes.TrimSpace(r)
	if len(r) == 0 || string(r) == "null" {
		return ""
	}
	if r[0] == '"' {
		var s string
		if json.Unmarshal(r, &s) == nil {
			return s
		}
	}
	return string(r)
}

// TransportError wraps a failure to get (or finish reading) a response.
func TransportError(provider, model string, err error, secrets ...string) *llm.Error {
	var le *llm.Error
	if errors.As(err, &le) {
		return le
	}
	if errors.Is(err, context.Canceled) {
		return llm.Canceled(provider, model, err)
	}
	e := &llm.Error{Provider: provider, Model: model, Err: err, Message: llm.Redact(err.Error(), secrets...)}
	var ne net.Error
	switch {
	case errors.Is(err, llm.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		e.Kind, e.Transient = llm.ErrTimeout, true
	case errors.As(err, &ne) && ne.Timeout():
		e.Kind, e.Transient = llm.ErrTimeout, true
	case errors.Is(err, io.ErrUnexpectedEOF):
		e.Kind, e.Transient = llm.ErrStreamTruncated, true
	default:
		e.Kind, e.Transient = llm.ErrConnection, true
	}
	return e
}

// BadResponse wraps a 2xx body harbor could not decode.
func BadResponse(provider, model string, err error, body []byte, secrets ...string) *llm.Error {
	msg := "cannot decode vendor response: " + llm.Redact(err.Error(), secrets...)
	if s := Snippet(body, secrets...); s != "" {
		msg += " (body starts: " + s + ")"
	}
	return &llm.Error{Provider: provider, Model: model, Message: msg, Kind: llm.ErrBadResponse, Err: err}
}
