package fastreply

import (
	"github.com/harborai/harbor-go/internal/jsonx"
)

// Reply is an OpenAI-shaped chat answer — a whole completion or one stream chunk —
// read by Decoder without reflection and without the generated types' pointers.
// Has tells a field present with a non-null value from one absent or null, where a
// provider's conversion from the generated type can see the difference.
type Reply struct {
	ID, Object, Model, SystemFingerprint, ServiceTier string
	Created                                           int64
	Choices                                           []Choice
	Usage                                             Usage
	Has                                               Has
}

// Choice is one choice: its message (a completion) or delta (a chunk).
type Choice struct {
	Index                                         int
	Role, Content, ReasoningContent, FinishReason string
	Has                                           Has
}

// Usage is the usage object, DeepSeek's cache counts and the two details
// objects included.
type Usage struct {
	PromptTokens, CompletionTokens, TotalTokens int
	PromptCacheHitTokens, PromptCacheMissTokens int
	CachedTokens, ReasoningTokens               int
	Has                                         Has
}

// Has is a set of fields present with a non-null value.
type Has uint32

// The fields of Has.
const (
	HasID Has = 1 << iota
	HasObject
	HasCreated
	HasModel
	HasSystemFingerprint
	HasServiceTier
	HasChoices
	HasUsage

	HasIndex
	HasMessage // "message" or "delta"
	HasRole
	HasContent
	HasReasoningContent
	HasFinishReason

	HasPromptTokens
	HasCompletionTokens
	HasTotalTokens
	HasPromptCacheHitTokens
	HasPromptCacheMissTokens
	HasPromptTokensDetails
	HasCompletionTokensDetails
	HasCachedTokens
	HasReasoningTokens
)

// Decoder reads OpenAI-shaped answers of one schema. It remembers the last id,
// model and system fingerprint it decoded and hands out the same strings while they
// repeat, as they do in every chunk of a stream. One decoder serves one goroutine.
// Its exported methods are for the generated readers.
type Decoder struct {
	read    Reader
	l       jsonx.Lexer
	choices []Choice
	last    [3]string // id, model, system fingerprint
}

// Reader reads one answer into r: a generated type's ReadReply (see package doc).
type Reader = func(d *Decoder, l *jsonx.Lexer, r *Reply) bool

// NewDecoder returns a decoder that reads with read. model, when known (the
// requested model), seeds the remembered model name.
func NewDecoder(read Reader, model string) *Decoder {
	d := &Decoder{read: read}
	d.last[1] = model
	return d
}

// reset makes d read with read, remembering model and fingerprint as the last
// model and system fingerprint (a pooled decoder's next answer).
func (d *Decoder) reset(read Reader, model, fingerprint string) {
	d.read, d.last = read, [3]string{"", model, fingerprint}
}

// Decode reads data into r and reports whether it could; false means: decode data
// into the generated type instead. r.Choices is only valid until the next Decode.
func (d *Decoder) Decode(data []byte, r *Reply) bool {
	*r = Reply{}
	d.l.Reset(data)
	if !d.read(d, &d.l, r) || !d.l.End() {
		return false
	}
	if r.Choices != nil {
		d.choices = r.Choices[:0]
	}
	return true
}

// Str reads a string or null into dst, setting bit in has when not null. last is
// the string remembered (0 id, 1 model, 2 system fingerprint), reused when the
// bytes are the same, or -1: common constants are then not allocated.
func (d *Decoder) Str(l *jsonx.Lexer, dst *string, last int, bit Has, has *Has) {
	if l.Null() {
		return
	}
	b, ok := l.StringBytes()
	if !ok {
		return
	}
	*has |= bit
	if last >= 0 {
		if string(b) != d.last[last] {
			d.last[last] = string(b)
		}
		*dst = d.last[last]
		return
	}
	*dst = intern(b)
}

// Text reads a string or null into dst, setting bit in has when not null: a
// content, new every time.
func (d *Decoder) Text(l *jsonx.Lexer, dst *string, bit Has, has *Has) {
	if l.Null() {
		return
	}
	if b, ok := l.StringBytes(); ok {
		*dst = string(b)
		*has |= bit
	}
}

// StartChoices starts r's choices, reusing the decoder's array.
func (d *Decoder) StartChoices(r *Reply) {
	r.Choices = d.choices[:0]
	if r.Choices == nil {
		r.Choices = make([]Choice, 0, 1)
	}
}

// NextChoice appends a zero choice to r's and returns it.
func (d *Decoder) NextChoice(r *Reply) *Choice {
	r.Choices = append(r.Choices, Choice{})
	return &r.Choices[len(r.Choices)-1]
}

// intern returns the common constant strings without allocating.
func intern(b []byte) string {
	switch string(b) {
	case "":
		return ""
	case "chat.completion":
		return "chat.completion"
	case "chat.completion.chunk":
		return "chat.completion.chunk"
	case "assistant":
		return "assistant"
	case "stop":
		return "stop"
	case "length":
		return "length"
	case "tool_calls":
		return "tool_calls"
	case "content_filter":
		return "content_filter"
	case "normal":
		return "normal"
	case "default":
		return "default"
	}
	return string(b)
}
