package wenxin

import (
	"reflect"
	"sync"

	gen "github.com/harborai/harbor-go/generated/qianfanv1"
	"github.com/harborai/harbor-go/internal/jsonx"
	"github.com/harborai/harbor-go/internal/wire"
)

// fastFields are the fields of Wenxin's answer the fast decoder reads, checked
// against the generated types: a field whose kind differs from the one listed is
// left to encoding/json (see wire.Fields). Built on first use (readFields), not at
// package init.
type fastFields struct {
	response, usage *wire.Fields
	// responseReads and usageReads are the keys above whose fields exist with the
	// kind read, as bits (see responseKey, usageKey): a map lookup per key would
	// cost more than the rest of the decoding.
	responseReads, usageReads uint32
}

var (
	fieldsOnce sync.Once
	fields     fastFields
)

// readFields returns the fast decoder's fields, building them the first time.
func readFields() *fastFields {
	fieldsOnce.Do(buildFields)
	return &fields
}

func buildFields() {
	fields.response = wire.NewFields(gen.ChatResponse{}, map[string]reflect.Kind{
		"id": reflect.String, "object": reflect.String, "result": reflect.String, "error_msg": reflect.String,
		"finish_reason": reflect.String, "created": reflect.Int64, "sentence_id": reflect.Int, "error_code": reflect.Int,
		"ban_round": reflect.Int, "flag": reflect.Int, "is_end": reflect.Bool, "is_truncated": reflect.Bool,
		"need_clear_history": reflect.Bool, "usage": reflect.Struct,
	})
	fields.usage = wire.NewFields(gen.Usage{}, map[string]reflect.Kind{
		"prompt_tokens": reflect.Int, "completion_tokens": reflect.Int, "total_tokens": reflect.Int,
	})
	fields.responseReads = readBits(fields.response, responseKey, "id", "object", "result", "error_msg", "finish_reason", "created",
		"sentence_id", "error_code", "ban_round", "flag", "is_end", "is_truncated", "need_clear_history", "usage")
	fields.usageReads = readBits(fields.usage, usageKey, "prompt_tokens", "completion_tokens", "total_tokens")
}

func readBits(f *wire.Fields, bit func(string) uint32, keys ...string) uint32 {
	var m uint32
	for _, k := range keys {
		if f.Reads(k) {
			m |= bit(k)
		}
	}
	return m
}

// responseKey maps the keys the fast decoder reads to a bit each; 0 for any other.
func responseKey(k string) uint32 {
	switch k {
	case "id":
		return 1 << 0
	case "object":
		return 1 << 1
	case "result":
		return 1 << 2
	case "error_msg":
		return 1 << 3
	case "finish_reason":
		return 1 << 4
	case "created":
		return 1 << 5
	case "sentence_id":
		return 1 << 6
	case "error_code":
		return 1 << 7
	case "ban_round":
		return 1 << 8
	case "flag":
		return 1 << 9
	case "is_end":
		return 1 << 10
	case "is_truncated":
		return 1 << 11
	case "need_clear_history":
		return 1 << 12
	case "usage":
		return 1 << 13
	}
	return 0
}

func usageKey(k string) uint32 {
	switch k {
	case "prompt_tokens":
		return 1
	case "completion_tokens":
		return 2
	case "total_tokens":
		return 4
	}
	return 0
}

// fastDecoder reads a Wenxin answer (a whole one, or one stream event) into the
// generated gen.ChatResponse without reflection. It gives up — decode returns false
// and the caller uses encoding/json — on whatever it does not read the way
// encoding/json would: function calls, search results, repeated keys, and anything
// jsonx.Lexer refuses. It keeps the last answer id, which every event of a stream
// repeats, so as not to allocate it again. One decoder serves one goroutine.
type fastDecoder struct {
	l      jsonx.Lexer
	lastID string
}

// decode reads data into r; usage is where r.Usage points when the answer has one.
func (d *fastDecoder) decode(data []byte, r *gen.ChatResponse, usage *gen.Usage) bool {
	*r = gen.ChatResponse{}
	f := readFields()
	l := &d.l
	l.Reset(data)
	if !l.ObjectStart() {
		return false
	}
	var seen uint32
	for first := true; ; first = false {
		k, ok := l.Key(first)
		if !ok {
			break
		}
		bit := responseKey(string(k))
		if bit == 0 || f.responseReads&bit == 0 {
			f.response.Other(l, k)
			if l.Failed() {
				return false
			}
			continue
		}
		switch bit {
		case 1 << 0: // id
			if !l.Null() {
				if b, ok := l.StringBytes(); ok {
					if string(b) != d.lastID {
						d.lastID = string(b)
					}
					r.Id = d.lastID
				}
			}
		case 1 << 1: // object
			if !l.Null() {
				if b, ok := l.StringBytes(); ok {
					if string(b) == "chat.completion" {
						r.Object = "chat.completion"
					} else {
						r.Object = string(b)
					}
				}
			}
		case 1 << 2: // result
			str(l, &r.Result)
		case 1 << 3: // error_msg
			str(l, &r.ErrorMsg)
		case 1 << 4: // finish_reason
			if !l.Null() {
				if b, ok := l.StringBytes(); ok {
					switch string(b) {
					case string(gen.ChatResponseFinishReasonNormal):
						r.FinishReason = gen.ChatResponseFinishReasonNormal
					default:
						r.FinishReason = gen.ChatResponseFinishReason(b)
					}
				}
			}
		case 1 << 5: // created
			if !l.Null() {
				r.Created, _ = l.Int64()
			}
		case 1 << 6: // sentence_id
			integer(l, &r.SentenceId)
		case 1 << 7: // error_code
			integer(l, &r.ErrorCode)
		case 1 << 8: // ban_round
			integer(l, &r.BanRound)
		case 1 << 9: // flag
			integer(l, &r.Flag)
		case 1 << 10: // is_end
			boolean(l, &r.IsEnd)
		case 1 << 11: // is_truncated
			boolean(l, &r.IsTruncated)
		case 1 << 12: // need_clear_history
			boolean(l, &r.NeedClearHistory)
		case 1 << 13: // usage
			if !l.Null() {
				*usage = gen.Usage{}
				r.Usage = usage
				decodeUsage(l, f, usage)
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
	return l.End()
}

func decodeUsage(l *jsonx.Lexer, f *fastFields, u *gen.Usage) {
	if !l.ObjectStart() {
		return
	}
	var seen uint32
	for first := true; ; first = false {
		k, ok := l.Key(first)
		if !ok {
			return
		}
		bit := usageKey(string(k))
		if bit == 0 || f.usageReads&bit == 0 {
			f.usage.Other(l, k)
			if l.Failed() {
				return
			}
			continue
		}
		switch bit {
		case 1:
			integer(l, &u.PromptTokens)
		case 2:
			integer(l, &u.CompletionTokens)
		case 4:
			integer(l, &u.TotalTokens)
		}
		if seen&bit != 0 {
			l.Fail()
		}
		seen |= bit
		if l.Failed() {
			return
		}
	}
}

func str(l *jsonx.Lexer, dst *string) {
	if !l.Null() {
		if b, ok := l.StringBytes(); ok {
			*dst = string(b)
		}
	}
}

func integer(l *jsonx.Lexer, dst *int) {
	if !l.Null() {
		*dst, _ = l.Int()
	}
}

func boolean(l *jsonx.Lexer, dst *bool) {
	if !l.Null() {
		*dst, _ = l.Bool()
	}
}
