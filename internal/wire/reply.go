package wire

import (
	"bytes"
	"encoding"
	"encoding/json"
	"math"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/harborai/harbor-go/internal/jsonx"
	"github.com/harborai/harbor-go/llm"
)

// Reply is an OpenAI-shaped chat answer — a whole completion or one stream chunk —
// read by ReplyDecoder without reflection and without the generated types' pointers.
// Has tells a field present with a non-null value from one absent or null, where a
// provider's conversion from the generated type can see the difference.
type Reply struct {
	ID, Object, Model, SystemFingerprint, ServiceTier string
	Created                                           int64
	Choices                                           []ReplyChoice
	Usage                                             ReplyUsage
	Has                                               Has
}

// ReplyChoice is one choice: its message (a completion) or delta (a chunk).
type ReplyChoice struct {
	Index                                         int
	Role, Content, ReasoningContent, FinishReason string
	Has                                           Has
}

// ReplyUsage is the usage object, DeepSeek's cache counts and the two details
// objects included.
type ReplyUsage struct {
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

// ReplySchema tells a ReplyDecoder how encoding/json would treat each key with one
// vendor's generated types: which keys are fields the fast path reads, which are
// fields it does not read (it gives up unless their value is null, which leaves a
// Go field as it was), and which are not fields at all (skipped, as encoding/json
// skips them). It is built by reflection from the generated type, so it follows the
// spec.
type ReplySchema struct {
	top, choice, msg, usage, prompt, completion fieldSet
	msgKey                                      string
	// reads is the set of keys the fast path reads at each level: those whose
	// field exists with the kind it reads (a map lookup per key would cost more
	// than the rest of the decoding).
	reads                       Has
	readsCached, readsReasoning bool
	fingerprint                 atomic.Pointer[string] // the last system fingerprint DecodeReply saw
}

// NewReplySchema builds the schema of sample's type (a generated ChatCompletion or
// ChatCompletionChunk, as a value or pointer); msgKey is "message" or "delta".
func NewReplySchema(sample any, msgKey string) *ReplySchema {
	t := reflect.TypeOf(sample)
	s := &ReplySchema{msgKey: msgKey}
	s.top = fieldsOf(t, map[string]reflect.Kind{"id": reflect.String, "object": reflect.String, "created": reflect.Int64,
		"model": reflect.String, "system_fingerprint": reflect.String, "service_tier": reflect.String,
		"choices": reflect.Slice, "usage": reflect.Struct})
	ct := s.top.sub("choices")
	s.choice = fieldsOf(ct, map[string]reflect.Kind{"index": reflect.Int, msgKey: reflect.Struct, "finish_reason": reflect.String})
	s.msg = fieldsOf(s.choice.sub(msgKey), map[string]reflect.Kind{"role": reflect.String, "content": reflect.String, "reasoning_content": reflect.String})
	s.usage = fieldsOf(s.top.sub("usage"), map[string]reflect.Kind{"prompt_tokens": reflect.Int, "completion_tokens": reflect.Int,
		"total_tokens": reflect.Int, "prompt_cache_hit_tokens": reflect.Int, "prompt_cache_miss_tokens": reflect.Int,
		"prompt_tokens_details": reflect.Struct, "completion_tokens_details": reflect.Struct})
	s.prompt = fieldsOf(s.usage.sub("prompt_tokens_details"), map[string]reflect.Kind{"cached_tokens": reflect.Int})
	s.completion = fieldsOf(s.usage.sub("completion_tokens_details"), map[string]reflect.Kind{"reasoning_tokens": reflect.Int})
	for _, l := range []struct {
		fs   *fieldSet
		bits map[string]Has
	}{
		{&s.top, map[string]Has{"id": HasID, "object": HasObject, "created": HasCreated, "model": HasModel,
			"system_fingerprint": HasSystemFingerprint, "service_tier": HasServiceTier, "choices": HasChoices, "usage": HasUsage}},
		{&s.choice, map[string]Has{"index": HasIndex, msgKey: HasMessage, "finish_reason": HasFinishReason}},
		{&s.msg, map[string]Has{"role": HasRole, "content": HasContent, "reasoning_content": HasReasoningContent}},
		{&s.usage, map[string]Has{"prompt_tokens": HasPromptTokens, "completion_tokens": HasCompletionTokens, "total_tokens": HasTotalTokens,
			"prompt_cache_hit_tokens": HasPromptCacheHitTokens, "prompt_cache_miss_tokens": HasPromptCacheMissTokens,
			"prompt_tokens_details": HasPromptTokensDetails, "completion_tokens_details": HasCompletionTokensDetails}},
	} {
		for k, bit := range l.bits {
			if l.fs.reads(k) {
				s.reads |= bit
			}
		}
	}
	s.readsCached, s.readsReasoning = s.prompt.reads("cached_tokens"), s.completion.reads("reasoning_tokens")
	return s
}

// topKey, choiceKey, messageKey and usageKey map the keys the fast path reads to
// their Has bit; 0 for any other key.
func topKey(k string) Has {
	switch k {
	case "id":
		return HasID
	case "object":
		return HasObject
	case "created":
		return HasCreated
	case "model":
		return HasModel
	case "system_fingerprint":
		return HasSystemFingerprint
	case "service_tier":
		return HasServiceTier
	case "choices":
		return HasChoices
	case "usage":
		return HasUsage
	}
	return 0
}

func choiceKey(k, msgKey string) Has {
	switch k {
	case "index":
		return HasIndex
	case "finish_reason":
		return HasFinishReason
	case msgKey:
		return HasMessage
	}
	return 0
}

func messageKey(k string) Has {
	switch k {
	case "content":
		return HasContent
	case "role":
		return HasRole
	case "reasoning_content":
		return HasReasoningContent
	}
	return 0
}

func usageKey(k string) Has {
	switch k {
	case "prompt_tokens":
		return HasPromptTokens
	case "completion_tokens":
		return HasCompletionTokens
	case "total_tokens":
		return HasTotalTokens
	case "prompt_cache_hit_tokens":
		return HasPromptCacheHitTokens
	case "prompt_cache_miss_tokens":
		return HasPromptCacheMissTokens
	case "prompt_tokens_details":
		return HasPromptTokensDetails
	case "completion_tokens_details":
		return HasCompletionTokensDetails
	}
	return 0
}

// fieldSet is what one struct type's JSON keys are.
type fieldSet struct {
	names   []string                // every field's JSON name
	read    map[string]bool         // names the fast path reads: the field has the kind it expects
	types   map[string]reflect.Type // field types, for sub
	scalar  map[string]reflect.Kind // fields of a plain string, bool or integer kind (or pointer to one)
	unknown bool                    // not a plain struct: every key makes the fast path give up
}

// fieldsOf lists t's JSON fields as encoding/json sees them. read maps the names the
// fast path can read to the kind it reads them as (a pointer to it, or for
// reflect.Struct a struct or pointer to struct, and for reflect.Slice a slice of
// structs); a field of another kind is treated as one it does not read. A type
// encoding/json would treat specially (an Unmarshaler, embedded fields) is marked
// unknown.
func fieldsOf(t reflect.Type, read map[string]reflect.Kind) fieldSet {
	fs := fieldSet{read: map[string]bool{}, types: map[string]reflect.Type{}, scalar: map[string]reflect.Kind{}}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct || custom(t) {
		fs.unknown = true
		return fs
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous {
			fs.unknown = true
			return fs
		}
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if tag == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fs.names = append(fs.names, name)
		fs.types[name] = f.Type
		quoted := strings.Contains(","+opts+",", ",string,")
		if k, ok := read[name]; ok && kindOK(f.Type, k) && !quoted {
			fs.read[name] = true
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch k := ft.Kind(); k {
		case reflect.String, reflect.Bool, reflect.Int, reflect.Int64, reflect.Int32:
			if !quoted && !custom(ft) {
				fs.scalar[name] = k
			}
		}
	}
	return fs
}

// custom reports whether encoding/json decodes t with the type's own method.
func custom(t reflect.Type) bool {
	pt := reflect.PointerTo(t)
	return pt.Implements(reflect.TypeFor[json.Unmarshaler]()) || pt.Implements(reflect.TypeFor[encoding.TextUnmarshaler]())
}

func kindOK(t reflect.Type, k reflect.Kind) bool {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if custom(t) {
		return false
	}
	switch k {
	case reflect.Slice:
		if t.Kind() != reflect.Slice {
			return false
		}
		e := t.Elem()
		return e.Kind() == reflect.Struct && !custom(e)
	case reflect.Int:
		return t.Kind() == reflect.Int || t.Kind() == reflect.Int64
	}
	return t.Kind() == k
}

// sub returns the struct type of field name (through pointers and slices), or nil.
func (fs *fieldSet) sub(name string) reflect.Type {
	t := fs.types[name]
	for t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice) {
		t = t.Elem()
	}
	return t
}

// reads reports whether the fast path reads key as a field.
func (fs *fieldSet) reads(key string) bool { return !fs.unknown && fs.read[key] }

// other handles a key the fast path does not read. A field it does not read is
// accepted with a null value (which leaves a Go field as it was), and, for a plain
// string, bool or integer field, with a value encoding/json would store without
// error: the providers' conversions do not use such fields (ERNIE's flag, OpenAI's
// refusal), and the differential tests check that. Anything else gives up. A key
// that is not a field (and does not match one case-insensitively, as encoding/json
// would) is skipped.
func (fs *fieldSet) other(l *jsonx.Lexer, key []byte) {
	if fs.unknown {
		l.Fail()
		return
	}
	for _, n := range fs.names {
		if string(key) == n {
			if l.Null() {
				return
			}
			switch fs.scalar[n] {
			case reflect.String:
				l.StringBytes()
			case reflect.Bool:
				l.Bool()
			case reflect.Int:
				l.Int()
			case reflect.Int64:
				l.Int64()
			case reflect.Int32:
				if v, ok := l.Int64(); ok && (v < math.MinInt32 || v > math.MaxInt32) {
					l.Fail()
				}
			default:
				l.Fail()
			}
			return
		}
		if bytes.EqualFold(key, []byte(n)) {
			l.Fail()
			return
		}
	}
	l.Skip()
}

// ReplyDecoder reads OpenAI-shaped answers of one schema. It remembers the last id,
// model and system fingerprint it decoded and hands out the same strings while they
// repeat, as they do in every chunk of a stream. One decoder serves one goroutine.
type ReplyDecoder struct {
	s       *ReplySchema
	l       jsonx.Lexer
	choices []ReplyChoice
	last    [3]string // id, model, system fingerprint
}

// NewReplyDecoder returns a decoder for s. model, when known (the requested model),
// seeds the remembered model name.
func NewReplyDecoder(s *ReplySchema, model string) *ReplyDecoder {
	d := &ReplyDecoder{s: s}
	d.last[1] = model
	return d
}

// Decode reads data into r and reports whether it could; false means: decode data
// with encoding/json instead. r.Choices is only valid until the next Decode.
func (d *ReplyDecoder) Decode(data []byte, r *Reply) bool {
	*r = Reply{}
	l := &d.l
	l.Reset(data)
	if !l.ObjectStart() {
		return false
	}
	s := d.s
	var seen Has
	for first := true; ; first = false {
		k, ok := l.Key(first)
		if !ok {
			break
		}
		bit := topKey(string(k)) // no allocation: only compared
		if bit == 0 || s.reads&bit == 0 {
			s.top.other(l, k)
			if l.Failed() {
				return false
			}
			continue
		}
		switch bit {
		case HasID:
			d.str(l, &r.ID, &d.last[0], bit, &r.Has)
		case HasObject:
			d.str(l, &r.Object, nil, bit, &r.Has)
		case HasCreated:
			if !l.Null() {
				r.Created, _ = l.Int64()
				r.Has |= bit
			}
		case HasModel:
			d.str(l, &r.Model, &d.last[1], bit, &r.Has)
		case HasSystemFingerprint:
			d.str(l, &r.SystemFingerprint, &d.last[2], bit, &r.Has)
		case HasServiceTier:
			d.str(l, &r.ServiceTier, nil, bit, &r.Has)
		case HasChoices:
			d.choicesOf(l, r)
		case HasUsage:
			if !l.Null() {
				r.Has |= bit
				d.usageOf(l, &r.Usage)
			}
		}
		if seen&bit != 0 { // a repeated key: encoding/json's merging is not reproduced
			return false
		}
		seen |= bit
		if l.Failed() {
			return false
		}
	}
	if !l.End() {
		return false
	}
	if r.Choices != nil {
		d.choices = r.Choices[:0]
	}
	return true
}

// str reads a string or null into dst, setting bit in has when not null. last, when
// not nil, is the string decoded the previous time, reused when the bytes are the
// same.
func (d *ReplyDecoder) str(l *jsonx.Lexer, dst, last *string, bit Has, has *Has) {
	if l.Null() {
		return
	}
	b, ok := l.StringBytes()
	if !ok {
		return
	}
	*has |= bit
	if last != nil {
		if string(b) != *last {
			*last = string(b)
		}
		*dst = *last
		return
	}
	*dst = intern(b)
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

func (d *ReplyDecoder) choicesOf(l *jsonx.Lexer, r *Reply) {
	if l.Null() || !l.ArrayStart() {
		return
	}
	r.Has |= HasChoices
	r.Choices = d.choices[:0]
	if r.Choices == nil {
		r.Choices = make([]ReplyChoice, 0, 1)
	}
	for first := true; l.Elem(first); first = false {
		r.Choices = append(r.Choices, ReplyChoice{})
		d.choice(l, &r.Choices[len(r.Choices)-1])
		if l.Failed() {
			return
		}
	}
}

func (d *ReplyDecoder) choice(l *jsonx.Lexer, c *ReplyChoice) {
	if l.Null() || !l.ObjectStart() { // a null element is a zero struct, as in encoding/json
		return
	}
	s := d.s
	var seen Has
	for first := true; ; first = false {
		k, ok := l.Key(first)
		if !ok {
			return
		}
		bit := choiceKey(string(k), s.msgKey)
		if bit == 0 || s.reads&bit == 0 {
			s.choice.other(l, k)
			if l.Failed() {
				return
			}
			continue
		}
		switch bit {
		case HasIndex:
			if !l.Null() {
				c.Index, _ = l.Int()
				c.Has |= bit
			}
		case HasFinishReason:
			d.str(l, &c.FinishReason, nil, bit, &c.Has)
		case HasMessage:
			if !l.Null() {
				c.Has |= bit
				d.message(l, c)
			}
		}
		if seen&bit != 0 {
			l.Fail()
			return
		}
		seen |= bit
		if l.Failed() {
			return
		}
	}
}

func (d *ReplyDecoder) message(l *jsonx.Lexer, c *ReplyChoice) {
	if !l.ObjectStart() {
		return
	}
	s := d.s
	var seen Has
	for first := true; ; first = false {
		k, ok := l.Key(first)
		if !ok {
			return
		}
		bit := messageKey(string(k))
		if bit == 0 || s.reads&bit == 0 {
			s.msg.other(l, k)
			if l.Failed() {
				return
			}
			continue
		}
		switch bit {
		case HasRole:
			d.str(l, &c.Role, nil, bit, &c.Has)
		case HasContent:
			if !l.Null() {
				if b, ok := l.StringBytes(); ok {
					c.Content = string(b)
					c.Has |= bit
				}
			}
		case HasReasoningContent:
			if !l.Null() {
				if b, ok := l.StringBytes(); ok {
					c.ReasoningContent = string(b)
					c.Has |= bit
				}
			}
		}
		if seen&bit != 0 {
			l.Fail()
			return
		}
		seen |= bit
		if l.Failed() {
			return
		}
	}
}

func (d *ReplyDecoder) usageOf(l *jsonx.Lexer, u *ReplyUsage) {
	if !l.ObjectStart() {
		return
	}
	s := d.s
	var seen Has
	for first := true; ; first = false {
		k, ok := l.Key(first)
		if !ok {
			return
		}
		bit := usageKey(string(k))
		if bit == 0 || s.reads&bit == 0 {
			s.usage.other(l, k)
			if l.Failed() {
				return
			}
			continue
		}
		var dst *int
		switch bit {
		case HasPromptTokens:
			dst = &u.PromptTokens
		case HasCompletionTokens:
			dst = &u.CompletionTokens
		case HasTotalTokens:
			dst = &u.TotalTokens
		case HasPromptCacheHitTokens:
			dst = &u.PromptCacheHitTokens
		case HasPromptCacheMissTokens:
			dst = &u.PromptCacheMissTokens
		}
		if seen&bit != 0 {
			l.Fail()
			return
		}
		seen |= bit
		switch {
		case l.Null():
		case dst != nil:
			*dst, _ = l.Int()
			u.Has |= bit
		case bit == HasPromptTokensDetails:
			u.Has |= bit
			details(l, &s.prompt, s.readsCached, "cached_tokens", &u.CachedTokens, HasCachedTokens, &u.Has)
		default:
			u.Has |= bit
			details(l, &s.completion, s.readsReasoning, "reasoning_tokens", &u.ReasoningTokens, HasReasoningTokens, &u.Has)
		}
		if l.Failed() {
			return
		}
	}
}

// details reads a usage details object, of which the fast path reads one count.
func details(l *jsonx.Lexer, fs *fieldSet, reads bool, name string, dst *int, bit Has, has *Has) {
	if !l.ObjectStart() {
		return
	}
	seen := false
	for first := true; ; first = false {
		k, ok := l.Key(first)
		if !ok {
			return
		}
		if !reads || string(k) != name {
			fs.other(l, k)
			if l.Failed() {
				return
			}
			continue
		}
		if seen {
			l.Fail()
			return
		}
		seen = true
		if !l.Null() {
			*dst, _ = l.Int()
			*has |= bit
		}
		if l.Failed() {
			return
		}
	}
}

// LLM returns the usage as harbor reports it: the details objects only when the
// vendor sent their count (a generated type's nil pointer otherwise).
func (u *ReplyUsage) LLM() llm.Usage {
	var out llm.Usage
	u.into(&out, nil, nil)
	return out
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
		d.s, d.last = s, [3]string{"", model, ""}
		fp := s.fingerprint.Load()
		if fp != nil {
			d.last[2] = *fp
		}
		ok := d.Decode(b, &d.r)
		if ok {
			// A model's system fingerprint repeats from one answer to the next: keep
			// the last one, so that the next answer does not allocate it again.
			if f := d.r.SystemFingerprint; f != "" && (fp == nil || *fp != f) {
				s.fingerprint.Store(&f)
			}
			fast(&d.r)
		}
		d.last, d.r = [3]string{}, Reply{Choices: d.r.Choices[:0]}
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
