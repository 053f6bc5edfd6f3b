package gateway

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/llm"
)

// encodeChunkReflect is the encoder encodeChunk replaced, kept as the
// reference its bytes are compared with: a json.Encoder with
// SetEscapeHTML(false), reflecting over sseChunk, as sseWriter.event used.
func encodeChunkReflect(b *bytes.Buffer, c *sseChunk) error {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	return enc.Encode(c)
}

// checkChunk fails unless encodeChunk writes the reference's bytes for c
// after prefix, or fails as it fails; and appendChunk says so.
func checkChunk(t testing.TB, c *sseChunk, prefix string) {
	t.Helper()
	checkOnePass(t, c, prefix, encodeChunk, encodeChunkReflect, appendChunk)
}

// fullChunk is a chunk with every field of every type it reaches set (two
// choices, two tool call deltas, log probabilities, usage with its details,
// search results).
func fullChunk(t *testing.T) *sseChunk { return filled[sseChunk](t, nil) }

// appendChunk writes the reference's bytes for a chunk with every field of
// every type it reaches set — a field added to sseChunk, sseChoice, llm.Delta,
// a tool call delta, the usage, the log probabilities or a search result fails
// here until appendChunk writes it, and so does a MarshalJSON added to one of
// those types (valueFiller refuses it) — for the chunks toSSE makes of
// llm.Chunk, and for random chunks (nil and empty slices, omitempty fields
// zero or not, nil or empty finish reasons, awkward strings).
func TestAppendChunkEveryField(t *testing.T) {
	all := fullChunk(t)
	checkChunk(t, all, "")
	checkChunk(t, all, "data: ")
	for _, s := range answerStrings {
		d := &all.Choices[0].Delta
		all.ID, all.Model, *all.Choices[0].FinishReason = s, s, s
		d.Content, d.ToolCalls[0].ID, d.ToolCalls[1].Function.Arguments = s, s, s
		checkChunk(t, all, "")
	}

	var w sseWriter
	checkChunk(t, w.toSSE(filled[llm.Chunk](t, nil)), "")
	finish := ""
	for _, c := range []*sseChunk{
		{}, // choices null
		{ID: "u", Object: "chat.completion.chunk", Choices: []sseChoice{}, Usage: &llm.Usage{}}, // the usage chunk
		{Choices: []sseChoice{{}, {Delta: llm.Delta{ToolCalls: []llm.ToolCallDelta{{}}}, FinishReason: &finish,
			Logprobs: &llm.Logprobs{Content: []llm.TokenLogprob{}}}}},
		{SearchResults: []llm.SearchResult{}, Choices: []sseChoice{{Delta: llm.Delta{ToolCalls: []llm.ToolCallDelta{}}}}},
	} {
		checkChunk(t, c, "")
	}

	r := rand.New(rand.NewPCG(7, 11))
	for range 2000 {
		checkChunk(t, filled[sseChunk](t, r), "x")
		checkChunk(t, w.toSSE(filled[llm.Chunk](t, r)), "")
	}
}

// A NaN or an infinity fails as it failed: encodeChunk returns the Encoder's
// error and writes nothing.
func TestEncodeChunkRefusesNaN(t *testing.T) {
	checkRefusesNaN(t, func(f float64) *sseChunk {
		c := fullChunk(t)
		c.Choices[1].Logprobs.ReasoningContent[0].TopLogprobs[1].Logprob = f
		return c
	}, encodeChunk, checkChunk)
}

// The one-pass encoders allocate nothing when the buffer has room, full
// chunks and answers included: appendSlice's element appenders take the
// Writer by value for that (see appendSlice), a choice that no test but this
// one would see go wrong.
func TestOnePassEncodersAllocateNothing(t *testing.T) {
	c, a := fullChunk(t), fullAnswer(t)
	var b bytes.Buffer
	b.Grow(64 << 10)
	allocs := testing.AllocsPerRun(100, func() {
		b.Reset()
		_ = encodeChunk(&b, c)
		_ = encodeAnswer(&b, a)
	})
	assert.Zero(t, allocs)
}

// sseWriter.event drops a chunk it cannot encode and returns the Encoder's
// error, after writing the events it held, as it did when the Encoder wrote
// every chunk; the events are the Encoder's bytes, HTML as it is.
func TestEventDropsChunkItCannotEncode(t *testing.T) {
	rec := httptest.NewRecorder()
	w := &sseWriter{x: newExchange(rec), timeout: time.Second}
	defer w.release()
	first := llm.Chunk{ID: "a", Object: "chat.completion.chunk", Created: 1, Model: "m",
		Choices: []llm.ChunkChoice{{Delta: llm.Delta{Role: "assistant", Content: "<b>&</b>"}}}}
	require.NoError(t, w.event(&first, true))
	assert.Empty(t, rec.Body.String(), "held while more chunks are in memory")

	bad := first
	bad.Choices = []llm.ChunkChoice{{Logprobs: &llm.Logprobs{Content: []llm.TokenLogprob{{Token: "x", Logprob: math.NaN()}}}}}
	var unsupported *json.UnsupportedValueError
	require.ErrorAs(t, w.event(&bad, true), &unsupported)
	want := `data: {"id":"a","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,` +
		`"delta":{"role":"assistant","content":"<b>&</b>"},"logprobs":null,"finish_reason":null}]}` + "\n\n"
	assert.Equal(t, want, rec.Body.String())
}

// FuzzAppendChunk: encodeChunk writes the reference's bytes, or fails as it
// fails, for chunks of any strings, numbers and shape: which fields are set,
// no choices (nil), none ([], the usage chunk), one or two; deltas with text,
// a role or tool call deltas (each with its index); nil or empty slices; log
// probabilities, finish reasons, usage and search results there or not.
func FuzzAppendChunk(f *testing.F) {
	const (
		fingerprint = 1 << 0
		oneChoice   = 1 << 1
		twoChoices  = 1 << 2 // with oneChoice: "choices": []
		usage       = 1 << 27
		usageAll    = 1<<28 | 1<<29 | 1<<30
		search      = 1 << 31
		prefix      = 1 << 33
	)
	// A choice's bits, from 3 (the first) and 15 (the second).
	const (
		role = 1 << iota
		content
		reasoning
		toolCall
		toolCalls // with toolCall: "tool_calls": []
		logprobs
		lpContent
		lpReasoning
		finish
		finishSet
		top
		tokenBytes
	)
	first := func(bits uint64) uint64 { return bits << 3 }
	second := func(bits uint64) uint64 { return bits << 15 }
	for i, s := range answerStrings {
		o := answerStrings[(i+3)%len(answerStrings)]
		f.Add(s, o, int64(i), 0.5, uint64(oneChoice|first(role|content)))                               // the first chunk
		f.Add(s, o, int64(i), 0.5, uint64(fingerprint|oneChoice|first(content)))                        // a content delta
		f.Add(s, o, int64(i), 0.5, uint64(oneChoice|first(reasoning|logprobs|lpContent|top)))           // a reasoning delta, log probabilities
		f.Add(s, o, int64(i), 0.5, uint64(oneChoice|first(toolCall)|prefix))                            // a tool call's first piece
		f.Add(s, o, int64(i), 0.5, uint64(twoChoices|first(toolCalls)|second(toolCall|finish)))         // pieces of two calls
		f.Add(s, o, int64(i), 0.5, uint64(oneChoice|first(finish|finishSet)|usage|usageAll))            // the last chunk
		f.Add(s, o, int64(i), 0.5, uint64(fingerprint|oneChoice|twoChoices|usage|usageAll))             // the usage chunk
		f.Add(s, o, int64(i), 0.5, uint64(search|search<<1|oneChoice|first(toolCall|toolCalls|finish))) // empty slices
	}
	for _, x := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 1e-7, 1e21} {
		f.Add("<&>", "\u2028", int64(1), x, uint64(oneChoice|first(logprobs|lpReasoning|top|tokenBytes)))
	}
	f.Add("", "", int64(0), 0.0, uint64(0))
	f.Add("\x7f\xff\x00", "😀\u2029", int64(math.MinInt64), -1.5e-9, ^uint64(0))
	f.Fuzz(func(t *testing.T, a, b string, n int64, x float64, shape uint64) {
		bit, either := fuzzShape(shape).bit, fuzzShape(shape).either
		ints := func(i int) []int {
			if !bit(i) {
				return nil
			}
			out := make([]int, 0, len(a)) // empty, not nil, when a is
			for _, c := range []byte(a) {
				out = append(out, int(c)-int(n))
			}
			return out
		}
		choice := func(k, index int) sseChoice {
			ch := sseChoice{Index: index, Delta: llm.Delta{Role: either(k, llm.RoleAssistant), Content: either(k+1, a),
				ReasoningContent: either(k+2, b)}}
			call := llm.ToolCallDelta{Index: int(n), ID: either(k+1, b), Type: either(k+2, "function"),
				Function: llm.FunctionCallDelta{Name: either(k, b), Arguments: a}}
			switch {
			case bit(k+3) && bit(k+4):
				ch.Delta.ToolCalls = []llm.ToolCallDelta{}
			case bit(k + 3):
				ch.Delta.ToolCalls = []llm.ToolCallDelta{call}
			case bit(k + 4):
				ch.Delta.ToolCalls = []llm.ToolCallDelta{call, {Index: index, Function: llm.FunctionCallDelta{Arguments: b}}}
			}
			if bit(k + 5) {
				var tops []llm.TopLogprob
				if bit(k + 10) {
					tops = []llm.TopLogprob{{Token: b, Logprob: x * 2, Bytes: ints(k + 11)}, {}}
				}
				tokens := []llm.TokenLogprob{{Token: a, Logprob: x, Bytes: ints(k + 11), TopLogprobs: tops}, {Token: b, Logprob: -x / 3}}
				ch.Logprobs = &llm.Logprobs{}
				switch {
				case bit(k+6) && bit(k+7):
					ch.Logprobs.Content = []llm.TokenLogprob{}
				case bit(k + 6):
					ch.Logprobs.Content = tokens
				case bit(k + 7):
					ch.Logprobs.ReasoningContent = tokens
				}
			}
			if bit(k + 8) {
				reason := either(k+9, b)
				ch.FinishReason = &reason
			}
			return ch
		}
		c := &sseChunk{ID: a, Object: b, Created: n, Model: b + a, SystemFingerprint: either(0, a)}
		switch {
		case bit(1) && bit(2):
			c.Choices = []sseChoice{}
		case bit(1):
			c.Choices = []sseChoice{choice(3, int(n))}
		case bit(2):
			c.Choices = []sseChoice{choice(3, 0), choice(15, 1)}
		}
		if bit(27) {
			c.Usage = &llm.Usage{PromptTokens: int(n), CompletionTokens: len(a), TotalTokens: int(n) + len(a)}
			if bit(28) {
				c.Usage.PromptTokensDetails = &llm.PromptTokensDetails{CachedTokens: len(b)}
			}
			if bit(29) {
				c.Usage.CompletionTokensDetails = &llm.CompletionTokensDetails{ReasoningTokens: -int(n)}
			}
			if bit(30) {
				c.Usage.PromptCacheHitTokens, c.Usage.PromptCacheMissTokens = len(b), int(n)
			}
		}
		switch {
		case bit(31) && bit(32):
			c.SearchResults = []llm.SearchResult{}
		case bit(31):
			c.SearchResults = []llm.SearchResult{{Index: int(n), URL: a, Title: b}, {}}
		}
		checkChunk(t, c, either(33, "data: "))
	})
}
