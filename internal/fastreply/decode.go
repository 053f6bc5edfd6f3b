package fastreply

import (
	"encoding/json"
	"net/http"

	"github.com/harborai/harbor-go/internal/jsonx"
	"github.com/harborai/harbor-go/internal/pool"
	"github.com/harborai/harbor-go/internal/vendorerr"
	"github.com/harborai/harbor-go/internal/wire"
	"github.com/harborai/harbor-go/llm"
)

// Generated is a vendor's generated answer type: internal/cmd/fastgen gave it a
// DecodeJSON (generated/<vendor>/fast_gen.go).
type Generated[G any] interface {
	*G
	DecodeJSON(l *jsonx.Lexer, data []byte) bool
}

// lexers are the lexers of Unmarshal, whose scratch buffers are worth keeping.
var lexers = pool.New("fastreply.lexer", func() *jsonx.Lexer { return new(jsonx.Lexer) },
	func(l *jsonx.Lexer) { l.Reset(nil) })

// Unmarshal decodes data into v, a zero value of a generated answer type, as
// json.Unmarshal does: with the type's generated DecodeJSON, or, where that gives
// up, with encoding/json, whose result and error stand.
func Unmarshal[G any, PG Generated[G]](data []byte, v *G) error {
	l := lexers.Get()
	ok := PG(v).DecodeJSON(l, data)
	lexers.Put(l)
	if ok {
		return nil
	}
	var zero G
	*v = zero
	return json.Unmarshal(data, v)
}

// DecodeCompletion decodes a 2xx chat answer: the fast decoder reads
// what it can and fast converts it; anything else is decoded into the vendor's
// generated type G (by its generated DecodeJSON, else encoding/json: see
// Unmarshal) and converted by slow. One place, so the
// OpenAI-shaped providers differ only in their conversions.
//
// An answer without choices is an error, not a completion: a vendor or proxy
// that puts an error object in a 200 answer ({"error":{…}}), or answers {} or
// null (see vendorerr.NoChoices). refine, when not nil, corrects that error as the
// provider corrects its error bodies; body is the answer's bytes.
func DecodeCompletion[G any, PG Generated[G]](provider, model string, resp *http.Response, s *Schema,
	fast func(*Reply) *llm.ChatCompletion, slow func(*G) *llm.ChatCompletion,
	refine func(e *llm.Error, body []byte) *llm.Error, secrets ...string) (*llm.ChatCompletion, error) {
	var (
		res   *llm.ChatCompletion
		empty *llm.Error
	)
	err := decodeReply(provider, model, resp, s,
		func(r *Reply) { res = fast(r) },
		func(b []byte) error {
			var out G
			if err := Unmarshal[G, PG](b, &out); err != nil {
				return err
			}
			res = slow(&out)
			return nil
		},
		func(b []byte) {
			if len(res.Choices) > 0 {
				return
			}
			empty = vendorerr.NoChoices(provider, model, resp, b, secrets...)
			if refine != nil {
				empty = refine(empty, b)
			}
		}, secrets...)
	switch {
	case err != nil:
		return nil, err
	case empty != nil:
		return nil, empty
	}
	return res, nil
}

// Chunks returns one stream's wire.ChunkDecoder: events the fast decoder reads
// are converted by fast, the rest (tool calls, logprobs…) go to slow, which
// decodes them with encoding/json into the generated type.
func Chunks(s *Schema, model string, fast func(*Reply) llm.Chunk, slow wire.ChunkDecoder) wire.ChunkDecoder {
	d := s.NewDecoder(model)
	var r Reply
	return func(data []byte) (llm.Chunk, bool, error) {
		if d.Decode(data, &r) {
			return fast(&r), false, nil
		}
		return slow(data)
	}
}
