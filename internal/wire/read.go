package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/harborai/harbor-go/internal/pool"
	"github.com/harborai/harbor-go/internal/vendorerr"
)

// Reading answers: a 2xx body through a pooled buffer, bounded, whole bodies
// llm.PeekBody already read used as they are.

var bufPool = pool.New("wire.buffer", func() *bytes.Buffer { return new(bytes.Buffer) }, (*bytes.Buffer).Reset)

// maxBody bounds how much of a non-streaming response harbor reads (64 MiB): a vendor
// or proxy gone wrong must not exhaust memory.
const maxBody = 64 << 20

// Whole is implemented by a body whose bytes are all in memory already: the body
// llm.PeekBody leaves when it read all of it.
type Whole interface {
	Whole() ([]byte, bool)
}

// ReadBody reads and closes resp.Body into a pooled buffer and calls fn with the
// bytes, which are only valid during fn.
func ReadBody(resp *http.Response, fn func([]byte) error) error {
	defer resp.Body.Close()
	if w, ok := resp.Body.(Whole); ok { // a body llm.PeekBody read whole: no second copy
		if b, ok := w.Whole(); ok {
			return fn(b)
		}
	}
	buf := bufPool.Get() // empty: Put resets
	defer func() {
		if buf.Cap() <= 1<<20 {
			bufPool.Put(buf)
		} else {
			bufPool.Discard(buf) // don't keep huge buffers alive
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

// Decode reads a 2xx JSON body into v. A body that does not decode is an
// ErrBadResponse; a body that cannot be read, a transport error.
func Decode(provider, model string, resp *http.Response, v any, decode func([]byte, any) error, secrets ...string) error {
	var bad error
	err := ReadBody(resp, func(b []byte) error {
		if err := decode(b, v); err != nil {
			bad = vendorerr.BadResponse(provider, model, err, b, secrets...)
			return bad
		}
		return nil
	})
	switch {
	case err == nil:
		return nil
	case bad != nil:
		return bad
	default:
		return vendorerr.Transport(provider, model, err, secrets...)
	}
}
