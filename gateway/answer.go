package gateway

import (
	"bytes"
	"encoding/json"

	"github.com/harborai/harbor-go/internal/jsonx"
	"github.com/harborai/harbor-go/llm"
)

// encodeAnswer appends res to b as the answer's JSON, with the newline
// json.Encoder ends it with. HTML characters are written as they are (the
// answer is not HTML), but inside messages, which llm.Message.MarshalJSON
// writes HTML-escaped as json.Marshal does.
//
// Those are the bytes of a json.Encoder with SetEscapeHTML(false), which is
// how answers were encoded before; appendAnswer writes them in one pass
// without reflection. When it cannot (a NaN or an infinity among the log
// probabilities) the Encoder runs, so that the error, which the caller turns
// into a 500, is still encoding/json's; b is then unchanged, as the Encoder
// writes nothing on an error.
func encodeAnswer(b *bytes.Buffer, res *llm.ChatCompletion) error {
	return encodeOnePass(b, res, answerSizeHint(res), appendAnswer)
}

// encodeOnePass appends v to b as a json.Encoder with SetEscapeHTML(false)
// encodes it, newline included, by appendJSON, which writes those bytes in
// one pass or reports that it cannot (a NaN or an infinity): the Encoder then
// runs, so that the error is still encoding/json's, and b is unchanged, as the
// Encoder writes nothing on an error. hint is about the size of v's JSON: b
// grows once to hold it (a no-op for a pooled buffer that has room), so that
// appendJSON writes in place.
//
// It is shared by the answers (encodeAnswer) and the stream's chunks
// (encodeChunk), so that both fall back to the Encoder in the same way.
func encodeOnePass[T any](b *bytes.Buffer, v T, hint int, appendJSON func([]byte, T) ([]byte, bool)) error {
	b.Grow(hint)
	out, ok := appendJSON(b.AvailableBuffer(), v)
	if !ok {
		enc := json.NewEncoder(b)
		enc.SetEscapeHTML(false)
		return enc.Encode(v)
	}
	b.Write(append(out, '\n')) // in place when b had room
	return nil
}

// answerSizeHint is about the size of c's JSON when little needs escaping, so
// that a new buffer grows once rather than by doubling as appendAnswer writes.
func answerSizeHint(c *llm.ChatCompletion) int {
	if c == nil {
		return 8
	}
	n := 384 + len(c.ID) + len(c.Model) + len(c.SystemFingerprint)
	for i := range c.Choices {
		m := &c.Choices[i].Message
		n += 128 + len(m.Content) + len(m.ReasoningContent)
		for j := range m.ToolCalls {
			n += 96 + len(m.ToolCalls[j].Function.Name) + len(m.ToolCalls[j].Function.Arguments)
		}
		if lp := c.Choices[i].Logprobs; lp != nil {
			n += 64 * (len(lp.Content) + len(lp.ReasoningContent))
		}
	}
	return n
}

// appendAnswer appends c's JSON to b as a json.Encoder with
// SetEscapeHTML(false) writes it, without Encode's newline, and reports
// whether it could (false for a NaN or an infinity, which the Encoder
// refuses). It is one pass over the answer with no reflection and no
// allocation but b's growth, where the Encoder reflects over every field and
// then checks and copies again what Message.MarshalJSON returned; messages
// are written by Message.AppendJSON, MarshalJSON's own writer, so that they
// keep its bytes (HTML-escaped).
//
// The bytes must stay the Encoder's, which answer_internal_test.go keeps as
// the reference: TestAppendAnswerEveryField fails when a field added to
// llm.ChatCompletion or to a type it reaches is not written here,
// TestAppendAnswerSkipsDashFields when one tagged json:"-" is, and
// FuzzAppendAnswer compares both encoders on generated answers.
func appendAnswer(b []byte, c *llm.ChatCompletion) ([]byte, bool) {
	if c == nil {
		return append(b, "null"...), true
	}
	w := jsonx.Writer{B: b, NoHTMLEscape: true}
	openCompletion(&w, c.ID, c.Object, c.Created, c.Model, c.SystemFingerprint)
	omitEmpty(&w, "service_tier", c.ServiceTier)
	w.Key("choices")
	appendSlice(&w, c.Choices, appendChoice)
	w.Key("usage")
	appendUsage(&w, &c.Usage)
	omitEmptySlice(&w, "search_results", c.SearchResults, appendSearchResult)
	w.Close()
	return w.B, !w.Failed
}

// The appenders below write what an answer and a stream's chunk share, as
// json.Marshal does (the caller's Writer says whether HTML is escaped).

// openCompletion starts the object of an answer or a chunk, which begin
// alike: "id", "object", "created", "model", then "system_fingerprint" when
// there is one (omitempty).
func openCompletion(w *jsonx.Writer, id, object string, created int64, model, fingerprint string) {
	w.Open()
	w.Key("id")
	w.String(id)
	w.Key("object")
	w.String(object)
	w.Key("created")
	w.Int(created)
	w.Key("model")
	w.String(model)
	omitEmpty(w, "system_fingerprint", fingerprint)
}

// omitEmpty writes the member key: s unless s is empty, as a string field
// tagged omitempty is written.
func omitEmpty(w *jsonx.Writer, key, s string) {
	if s != "" {
		w.Key(key)
		w.String(s)
	}
}

// omitEmptySlice writes the member key: s unless s is empty, as a slice
// field tagged omitempty is written.
func omitEmptySlice[E any](w *jsonx.Writer, key string, s []E, appendElem func(jsonx.Writer, *E) jsonx.Writer) {
	if len(s) > 0 {
		w.Key(key)
		appendSlice(w, s, appendElem)
	}
}

// appendSlice writes s as encoding/json writes a slice: null when nil (an
// omitempty field's caller leaves it out before), else each element by
// appendElem.
//
// appendElem takes the Writer and gives it back by value, where the other
// appenders take a *jsonx.Writer: a pointer passed to a function value
// escapes (the compiler cannot see what the function does with it), and with
// it every caller's Writer, which would then cost an allocation per answer or
// chunk.
func appendSlice[E any](w *jsonx.Writer, s []E, appendElem func(jsonx.Writer, *E) jsonx.Writer) {
	if s == nil {
		w.Null()
		return
	}
	w.OpenArray()
	for i := range s {
		w.Elem()
		*w = appendElem(*w, &s[i])
	}
	w.CloseArray()
}

func appendSearchResult(w jsonx.Writer, r *llm.SearchResult) jsonx.Writer {
	w.Open()
	w.Key("index")
	w.Int(int64(r.Index))
	w.Key("url")
	w.String(r.URL)
	w.Key("title")
	w.String(r.Title)
	w.Close()
	return w
}

func appendChoice(w jsonx.Writer, ch *llm.Choice) jsonx.Writer {
	w.Open()
	w.Key("index")
	w.Int(int64(ch.Index))
	w.Key("message")
	var ok bool
	if w.B, ok = ch.Message.AppendJSON(w.B); !ok {
		w.Failed = true
	}
	w.Key("finish_reason")
	w.String(ch.FinishReason)
	if ch.Logprobs != nil {
		w.Key("logprobs")
		appendLogprobs(&w, ch.Logprobs)
	}
	w.Close()
	return w
}

// appendLogprobs writes lp (not nil); a NaN or an infinity fails w.
func appendLogprobs(w *jsonx.Writer, lp *llm.Logprobs) {
	w.Open()
	omitEmptySlice(w, "content", lp.Content, appendTokenLogprob)
	omitEmptySlice(w, "reasoning_content", lp.ReasoningContent, appendTokenLogprob)
	w.Close()
}

func appendTokenLogprob(w jsonx.Writer, t *llm.TokenLogprob) jsonx.Writer {
	openToken(&w, t.Token, t.Logprob, t.Bytes)
	omitEmptySlice(&w, "top_logprobs", t.TopLogprobs, appendTopLogprob)
	w.Close()
	return w
}

func appendTopLogprob(w jsonx.Writer, t *llm.TopLogprob) jsonx.Writer {
	openToken(&w, t.Token, t.Logprob, t.Bytes)
	w.Close()
	return w
}

// openToken starts the object of a token or an alternative, which begin
// alike: "token", "logprob" (a NaN or an infinity fails w), "bytes" unless
// empty (omitempty).
func openToken(w *jsonx.Writer, token string, logprob float64, bytes []int) {
	w.Open()
	w.Key("token")
	w.String(token)
	w.Key("logprob")
	w.Float(logprob)
	if len(bytes) > 0 {
		w.Key("bytes")
		appendInts(w, bytes)
	}
}

func appendInts(w *jsonx.Writer, vs []int) {
	w.OpenArray()
	for _, v := range vs {
		w.Elem()
		w.Int(int64(v))
	}
	w.CloseArray()
}

func appendUsage(w *jsonx.Writer, u *llm.Usage) {
	w.Open()
	w.Key("prompt_tokens")
	w.Int(int64(u.PromptTokens))
	w.Key("completion_tokens")
	w.Int(int64(u.CompletionTokens))
	w.Key("total_tokens")
	w.Int(int64(u.TotalTokens))
	if d := u.PromptTokensDetails; d != nil {
		w.Key("prompt_tokens_details")
		w.Open()
		w.Key("cached_tokens")
		w.Int(int64(d.CachedTokens))
		w.Close()
	}
	if d := u.CompletionTokensDetails; d != nil {
		w.Key("completion_tokens_details")
		w.Open()
		w.Key("reasoning_tokens")
		w.Int(int64(d.ReasoningTokens))
		w.Close()
	}
	if u.PromptCacheHitTokens != 0 {
		w.Key("prompt_cache_hit_tokens")
		w.Int(int64(u.PromptCacheHitTokens))
	}
	if u.PromptCacheMissTokens != 0 {
		w.Key("prompt_cache_miss_tokens")
		w.Int(int64(u.PromptCacheMissTokens))
	}
	w.Close()
}
