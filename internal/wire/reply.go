package wire

import (
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/harborai/harbor-go/internal/fastreply"
	"github.com/harborai/harbor-go/internal/jsonx"
)

// The fast reader's types, under the names the providers use (see package
// fastreply).
type (
	Reply        = fastreply.Reply
	ReplyChoice  = fastreply.Choice
	ReplyUsage   = fastreply.Usage
	ReplyDecoder = fastreply.Decoder
	Has          = fastreply.Has
)

// The fields of Has.
const (
	HasID                      = fastreply.HasID
	HasObject                  = fastreply.HasObject
	HasCreated                 = fastreply.HasCreated
	HasModel                   = fastreply.HasModel
	HasSystemFingerprint       = fastreply.HasSystemFingerprint
	HasServiceTier             = fastreply.HasServiceTier
	HasChoices                 = fastreply.HasChoices
	HasUsage                   = fastreply.HasUsage
	HasIndex                   = fastreply.HasIndex
	HasMessage                 = fastreply.HasMessage
	HasRole                    = fastreply.HasRole
	HasContent                 = fastreply.HasContent
	HasReasoningContent        = fastreply.HasReasoningContent
	HasFinishReason            = fastreply.HasFinishReason
	HasPromptTokens            = fastreply.HasPromptTokens
	HasCompletionTokens        = fastreply.HasCompletionTokens
	HasTotalTokens             = fastreply.HasTotalTokens
	HasPromptCacheHitTokens    = fastreply.HasPromptCacheHitTokens
	HasPromptCacheMissTokens   = fastreply.HasPromptCacheMissTokens
	HasPromptTokensDetails     = fastreply.HasPromptTokensDetails
	HasCompletionTokensDetails = fastreply.HasCompletionTokensDetails
	HasCachedTokens            = fastreply.HasCachedTokens
	HasReasoningTokens         = fastreply.HasReasoningTokens
)

// ReplySchema is how one vendor's answers of one generated type are read into a
// Reply: the type's generated ReadReply (internal/cmd/fastgen, in
// generated/<vendor>/fast_gen.go), which reads the fields harbor reports, checks
// the vendor's other plain fields as encoding/json would store them, and gives up
// on what harbor's Reply does not hold (tool calls, logprobs), where the provider
// decodes the generated type instead.
type ReplySchema struct {
	read        fastreply.Reader
	fingerprint atomic.Pointer[string] // the last system fingerprint DecodeReply saw
}

// ReplyReader is a generated answer type with a generated ReadReply.
type ReplyReader interface {
	ReadReply(d *fastreply.Decoder, l *jsonx.Lexer, r *fastreply.Reply) bool
}

// NewReplySchema returns the schema of sample's type, a generated ChatCompletion or
// ChatCompletionChunk (a pointer, which is not used: ReadReply is a method of the
// type). msgKey ("message" or "delta") is what the generated reader reads; it is
// kept for the callers' sake.
func NewReplySchema(sample ReplyReader, msgKey string) *ReplySchema {
	_ = msgKey
	return &ReplySchema{read: sample.ReadReply}
}

// NewReplyDecoder returns a decoder of s's answers (one goroutine's). model, when
// known (the requested model), seeds the remembered model name.
func NewReplyDecoder(s *ReplySchema, model string) *ReplyDecoder {
	return fastreply.NewDecoder(s.read, model)
}

// replyDecoders are the decoders of whole answers (DecodeReply), with the Reply
// they fill.
var replyDecoders = sync.Pool{New: func() any { return new(pooledDecoder) }}

type pooledDecoder struct {
	ReplyDecoder
	r Reply
}

// DecodeReply reads a 2xx JSON body (as Decode does) with a pooled ReplyDecoder of
// schema s, and calls fast with the Reply; when the fast path gives up, it calls
// slow with the bytes instead (encoding/json into the generated type). Errors are
// Decode's: a slow decoding error is ErrBadResponse, a read error a transport error.
// The Reply is only valid during fast.
func DecodeReply(provider, model string, resp *http.Response, s *ReplySchema, fast func(*Reply), slow func([]byte) error, secrets ...string) error {
	return decodeReply(provider, model, resp, s, fast, slow, nil, secrets...)
}

// decodeReply is DecodeReply; after, when not nil, is called with the body once
// fast or slow has succeeded, while the bytes are still valid.
func decodeReply(provider, model string, resp *http.Response, s *ReplySchema, fast func(*Reply), slow func([]byte) error,
	after func([]byte), secrets ...string) error {
	return Decode(provider, model, resp, nil, func(b []byte, _ any) error {
		d := replyDecoders.Get().(*pooledDecoder)
		fp := s.fingerprint.Load()
		last := ""
		if fp != nil {
			last = *fp
		}
		d.Reset(s.read, model, last)
		ok := d.Decode(b, &d.r)
		if ok {
			// A model's system fingerprint repeats from one answer to the next: keep
			// the last one, so that the next answer does not allocate it again.
			if f := d.r.SystemFingerprint; f != "" && (fp == nil || *fp != f) {
				s.fingerprint.Store(&f)
			}
			fast(&d.r)
		}
		d.Reset(nil, "", "")
		d.r = Reply{Choices: d.r.Choices[:0]}
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
