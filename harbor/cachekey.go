package harbor

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"sort"
	"sync"

	"github.com/harborai/harbor-go/llm"
)

// cacheKey is the digest of everything that can change an answer: the routed
// provider, the model actually sent, the thinking mode the model name implies,
// and every field of the request. The caller's own model name is left out — two
// names routed to the same model share answers — and so is everything that
// cannot change the answer: whether it is streamed, per-call headers, timeouts.
//
// The request is written field by field, each with a tag and its length, into a
// pooled buffer that SHA-256 digests: no reflection, and no allocation unless the
// request carries values only JSON can write (tool parameters, ExtraBody).
// SHA-256 keeps unrelated requests apart (no collisions in practice) and means
// the key never contains the prompt or anything secret; API keys are not part
// of the request at all. TestCacheKeyChangesWithEveryRequestField fails when a
// field is added to the request that the key does not cover.
type cacheKey [sha256.Size]byte

// keyVersion changes whenever the key's recipe or the cached encoding changes, so
// that a fleet upgraded one process at a time does not share incompatible entries.
const keyVersion = "harbor-cache-v2"

var keyBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

func newCacheKey(provider, sent, thinking string, req *ChatRequest) (cacheKey, error) {
	bp := keyBufs.Get().(*[]byte)
	w := keyWriter{b: (*bp)[:0]}
	w.str(keyVersion)
	w.str(provider)
	w.str(sent)
	w.str(thinking)
	err := w.request(req)
	k := cacheKey(sha256.Sum256(w.b))
	if cap(w.b) <= 64<<10 {
		*bp = w.b
		keyBufs.Put(bp)
	}
	return k, err
}

// keyWriter writes a request's fields in one unambiguous form: every value is
// tagged, and strings carry their length.
type keyWriter struct{ b []byte }

func (w *keyWriter) tag(t byte) { w.b = append(w.b, t) }

func (w *keyWriter) str(s string) {
	w.b = binary.AppendUvarint(w.b, uint64(len(s)))
	w.b = append(w.b, s...)
}

func (w *keyWriter) bytes(p []byte) {
	w.b = binary.AppendUvarint(w.b, uint64(len(p)))
	w.b = append(w.b, p...)
}

func (w *keyWriter) num(v uint64) { w.b = binary.AppendUvarint(w.b, v) }

func (w *keyWriter) boolean(v bool) {
	if v {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 0)
	}
}

// Options: a tag when set (so unset and zero differ), nothing when unset.
func optFloat(w *keyWriter, t byte, o llm.Opt[float64]) {
	if v, ok := o.Get(); ok {
		w.tag(t)
		w.num(math.Float64bits(v))
	}
}

func optInt(w *keyWriter, t byte, o llm.Opt[int]) {
	if v, ok := o.Get(); ok {
		w.tag(t)
		w.num(uint64(v))
	}
}

func optBool(w *keyWriter, t byte, o llm.Opt[bool]) {
	if v, ok := o.Get(); ok {
		w.tag(t)
		w.boolean(v)
	}
}

// json writes a value only JSON can (tool parameters, ExtraBody; maps encode
// with sorted keys).
func (w *keyWriter) json(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.bytes(b)
	return nil
}

func (w *keyWriter) request(r *ChatRequest) error {
	w.tag('M')
	w.num(uint64(len(r.Messages)))
	for i := range r.Messages {
		w.message(&r.Messages[i])
	}
	optFloat(w, 't', r.Temperature)
	optFloat(w, 'p', r.TopP)
	optFloat(w, 'f', r.FrequencyPenalty)
	optFloat(w, 'r', r.PresencePenalty)
	optInt(w, 'x', r.MaxTokens)
	optInt(w, 'X', r.MaxCompletionTokens)
	optInt(w, 'n', r.N)
	if v, ok := r.Seed.Get(); ok {
		w.tag('s')
		w.num(uint64(v))
	}
	if len(r.Stop) > 0 {
		w.tag('S')
		w.num(uint64(len(r.Stop)))
		for _, s := range r.Stop {
			w.str(s)
		}
	}
	if rf := r.ResponseFormat; rf != nil {
		w.tag('F')
		w.str(rf.Type)
		if js := rf.JSONSchema; js != nil {
			w.tag('j')
			w.str(js.Name)
			w.str(js.Description)
			w.bytes(js.Schema)
			optBool(w, 'J', js.Strict)
		}
	}
	if len(r.Tools) > 0 {
		w.tag('T')
		w.num(uint64(len(r.Tools)))
		for i := range r.Tools {
			t := &r.Tools[i]
			w.str(t.Type)
			w.str(t.Function.Name)
			w.str(t.Function.Description)
			if err := w.json(t.Function.Parameters); err != nil {
				return err
			}
			optBool(w, 'k', t.Function.Strict)
		}
	}
	if tc := r.ToolChoice; tc != nil {
		w.tag('C')
		w.str(tc.Mode)
		w.str(tc.Function)
	}
	optBool(w, 'P', r.ParallelToolCalls)
	optBool(w, 'l', r.Logprobs)
	optInt(w, 'L', r.TopLogprobs)
	if r.User != "" {
		w.tag('u')
		w.str(r.User)
	}
	if r.Thinking != nil {
		w.tag('h')
		w.str(r.Thinking.Type)
	}
	if r.ReasoningEffort != "" {
		w.tag('e')
		w.str(r.ReasoningEffort)
	}
	if ws := r.WebSearch; ws != nil {
		w.tag('W')
		w.boolean(ws.Enable)
		w.boolean(ws.EnableCitation)
		w.boolean(ws.EnableTrace)
		w.boolean(ws.EnableStatus)
		optInt(w, 'a', ws.SearchNum)
		optInt(w, 'b', ws.ReferenceNum)
	}
	if len(r.ExtraBody) > 0 {
		w.tag('E')
		keys := make([]string, 0, len(r.ExtraBody))
		for k := range r.ExtraBody {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			w.str(k)
			if err := w.json(r.ExtraBody[k]); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *keyWriter) message(m *Message) {
	w.str(m.Role)
	if len(m.Parts) > 0 { // the parts are what is sent; Content is not
		w.tag('p')
		w.num(uint64(len(m.Parts)))
		for i := range m.Parts {
			p := &m.Parts[i]
			w.str(p.Type)
			w.str(p.Text)
			for _, u := range [...]*MediaURL{p.ImageURL, p.VideoURL} {
				if u == nil {
					w.tag(0)
					continue
				}
				w.tag(1)
				w.str(u.URL)
				w.str(u.Detail)
			}
			if a := p.InputAudio; a != nil {
				w.tag(1)
				w.str(a.Data)
				w.str(a.Format)
			} else {
				w.tag(0)
			}
		}
	} else {
		w.tag('c')
		w.str(m.Content)
	}
	w.str(m.Name)
	w.str(m.ReasoningContent)
	w.str(m.ToolCallID)
	w.num(uint64(len(m.ToolCalls)))
	for i := range m.ToolCalls {
		tc := &m.ToolCalls[i]
		w.str(tc.ID)
		w.str(tc.Type)
		w.str(tc.Function.Name)
		w.str(tc.Function.Arguments)
	}
}

// shared is the key's name in the shared tier: the namespace, then the digest in hex.
func (k cacheKey) shared(namespace string) string {
	return namespace + ":" + hex.EncodeToString(k[:])
}
