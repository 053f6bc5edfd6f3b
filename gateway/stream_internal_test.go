package gateway

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/harborai/harbor-go/llm"
)

// The gateway's chunk is llm.Chunk with OpenAI's nulls: a field added to
// llm.Chunk or llm.ChunkChoice must be added to sseChunk or sseChoice (and
// copied by toSSE), or the gateway would drop it without a word.
func TestSSEChunkMirrorsChunk(t *testing.T) {
	nulls := map[string]string{"FinishReason": `json:"finish_reason"`, "Logprobs": `json:"logprobs"`}
	for _, pair := range [][2]reflect.Type{
		{reflect.TypeFor[llm.Chunk](), reflect.TypeFor[sseChunk]()},
		{reflect.TypeFor[llm.ChunkChoice](), reflect.TypeFor[sseChoice]()},
	} {
		sdk, gw := pair[0], pair[1]
		assert.Equal(t, sdk.NumField(), gw.NumField(), "%v and %v", sdk, gw)
		for i := range sdk.NumField() {
			f := sdk.Field(i)
			g, ok := gw.FieldByName(f.Name)
			if !assert.True(t, ok, "%v.%s is missing from %v", sdk, f.Name, gw) {
				continue
			}
			if tag, ok := nulls[f.Name]; ok && sdk == reflect.TypeFor[llm.ChunkChoice]() {
				assert.Equal(t, tag, string(g.Tag), "%s: always sent, null when empty", f.Name)
				continue
			}
			assert.Equal(t, f.Tag, g.Tag, "%v.%s", sdk, f.Name)
			if f.Name != "Choices" {
				assert.Equal(t, f.Type, g.Type, "%v.%s", sdk, f.Name)
			}
		}
	}
}

// toSSE copies every field, and says null only where there is no reason.
func TestToSSE(t *testing.T) {
	lp := &llm.Logprobs{}
	c := llm.Chunk{ID: "i", Object: "chat.completion.chunk", Created: 3, Model: "m", SystemFingerprint: "fp",
		Choices: []llm.ChunkChoice{
			{Index: 0, Delta: llm.Delta{Content: "a"}, Logprobs: lp},
			{Index: 1, Delta: llm.Delta{Content: "b"}, FinishReason: "length"},
		},
		Usage: &llm.Usage{TotalTokens: 2}, SearchResults: []llm.SearchResult{{Title: "t"}}}
	var w sseWriter
	got := w.toSSE(&c)
	assert.Equal(t, sseChunk{ID: "i", Object: "chat.completion.chunk", Created: 3, Model: "m", SystemFingerprint: "fp",
		Choices: []sseChoice{
			{Index: 0, Delta: llm.Delta{Content: "a"}, Logprobs: lp},
			{Index: 1, Delta: llm.Delta{Content: "b"}, FinishReason: &c.Choices[1].FinishReason},
		},
		Usage: c.Usage, SearchResults: c.SearchResults}, *got)

	got = w.toSSE(&llm.Chunk{ID: "u"})
	assert.NotNil(t, got.Choices, `"choices": [] on a chunk with none`)
	assert.Empty(t, got.Choices)
}
