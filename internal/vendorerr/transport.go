package vendorerr

import (
	"context"
	"errors"
	"io"
	"net"

	"github.com/harborai/harbor-go/llm"
)

// Transport wraps a failure to get (or finish reading) a response.
func Transport(provider, model string, err error, secrets ...string) *llm.Error {
	var le *llm.Error
	if errors.As(err, &le) {
		return le
	}
	if errors.Is(err, context.Canceled) {
		return llm.Canceled(provider, model, llm.Redacted(err, secrets...))
	}
	// Err is printed by Error() too: it carries the secrets' redaction with it.
	e := &llm.Error{Provider: provider, Model: model, Err: llm.Redacted(err, secrets...), Message: llm.Redact(err.Error(), secrets...)}
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
	return &llm.Error{Provider: provider, Model: model, Message: msg, Kind: llm.ErrBadResponse, Err: llm.Redacted(err, secrets...)}
}
