package fastreply

import (
	"net/http"
	"sync/atomic"

	"github.com/harborai/harbor-go/internal/jsonx"
	"github.com/harborai/harbor-go/internal/pool"
	"github.com/harborai/harbor-go/internal/wire"
)

// Schema is how one vendor's answers of one generated type are read into a
// Reply: the type's generated ReadReply (internal/cmd/fastgen, in
// generated/<vendor>/fast_gen.go), which reads the fields harbor reports, checks
// the vendor's other plain fields as encoding/json would store them, and gives up
// on what harbor's Reply does not hold (tool calls, logprobs), where the provider
// decodes the generated type instead.
type Schema struct {
	read        Reader
	fingerprint atomic.Pointer[string] // the last system fingerprint decodeReply saw
}

// replyReader is a generated answer type with a generated ReadReply.
type replyReader interface {
	ReadReply(d *Decoder, l *jsonx.Lexer, r *Reply) bool
}

// newSchema returns the schema of sample's type, a generated ChatCompletion or
// ChatCompletionChunk (a pointer, which is not used: ReadReply is a method of the
// type). msgKey ("message" or "delta") is what the generated reader reads; it is
// kept for the callers' sake.
func newSchema(sample replyReader, msgKey string) *Schema {
	_ = msgKey
	return &Schema{read: sample.ReadReply}
}

// NewDecoder returns a decoder of s's answers (one goroutine's). model, when
// known (the requested model), seeds the remembered model name.
func (s *Schema) NewDecoder(model string) *Decoder {
	return NewDecoder(s.read, model)
}

// replyDecoders are the decoders of whole answers (decodeReply), with the Reply
// they fill; Put clears both.
var replyDecoders = pool.New("fastreply.decoder", func() *pooledDecoder { return new(pooledDecoder) },
	func(d *pooledDecoder) {
		d.reset(nil, "", "")
		d.r = Reply{Choices: d.r.Choices[:0]}
	})

type pooledDecoder struct {
	Decoder
	r Reply
}

// decodeReply reads a 2xx JSON body (as wire.Decode does) with a pooled Decoder of
// schema s, and calls fast with the Reply; when the fast path gives up, it calls
// slow with the bytes instead (encoding/json into the generated type). Errors are
// wire.Decode's: a slow decoding error is ErrBadResponse, a read error a transport
// error. The Reply is only valid during fast. after, when not nil, is called with
// the body once fast or slow has succeeded, while the bytes are still valid.
func decodeReply(provider, model string, resp *http.Response, s *Schema, fast func(*Reply), slow func([]byte) error,
	after func([]byte), secrets ...string) error {
	return wire.Decode(provider, model, resp, nil, func(b []byte, _ any) error {
		d := replyDecoders.Get()
		fp := s.fingerprint.Load()
		last := ""
		if fp != nil {
			last = *fp
		}
		d.reset(s.read, model, last)
		ok := d.Decode(b, &d.r)
		if ok {
			// A model's system fingerprint repeats from one answer to the next: keep
			// the last one, so that the next answer does not allocate it again.
			if f := d.r.SystemFingerprint; f != "" && (fp == nil || *fp != f) {
				p := new(string) // allocated only here: &f would move f to the heap on every call
				*p = f
				s.fingerprint.Store(p)
			}
			fast(&d.r)
		}
		replyDecoders.Put(d)
		if !ok {
			if err := slow(b); err != nil {
				return err
			}
		}
		if after != nil {
			after(b)
		}
		return nil
	}, secrets...)
}
