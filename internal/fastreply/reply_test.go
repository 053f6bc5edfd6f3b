package fastreply_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/internal/fastreply"
)

var testSchema fastreply.LazySchema[testChunk]

// reply is what Decode must produce for what encoding/json decoded into c.
func reply(c *testChunk) fastreply.Reply {
	str := func(p *string, bit fastreply.Has, has *fastreply.Has) string {
		if p == nil {
			return ""
		}
		*has |= bit
		return *p
	}
	r := fastreply.Reply{ID: c.Id, Object: c.Object}
	if c.Id != "" {
		r.Has |= fastreply.HasID
	}
	if c.Object != "" {
		r.Has |= fastreply.HasObject
	}
	if c.Created != nil {
		r.Created, r.Has = *c.Created, r.Has|fastreply.HasCreated
	}
	r.Model = str(c.Model, fastreply.HasModel, &r.Has)
	r.SystemFingerprint = str(c.SystemFingerprint, fastreply.HasSystemFingerprint, &r.Has)
	if c.Choices != nil {
		r.Has |= fastreply.HasChoices
		r.Choices = []fastreply.Choice{}
	}
	for _, ch := range c.Choices {
		rc := fastreply.Choice{Index: ch.Index}
		rc.Role = str(ch.Delta.Role, fastreply.HasRole, &rc.Has)
		rc.Content = str(ch.Delta.Content, fastreply.HasContent, &rc.Has)
		rc.ReasoningContent = str(ch.Delta.ReasoningContent, fastreply.HasReasoningContent, &rc.Has)
		rc.FinishReason = str(ch.FinishReason, fastreply.HasFinishReason, &rc.Has)
		r.Choices = append(r.Choices, rc)
	}
	if u := c.Usage; u != nil {
		r.Has |= fastreply.HasUsage
		r.Usage = fastreply.Usage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, TotalTokens: u.TotalTokens}
		if u.PromptCacheHitTokens != nil {
			r.Usage.PromptCacheHitTokens = *u.PromptCacheHitTokens
		}
		if u.PromptCacheMissTokens != nil {
			r.Usage.PromptCacheMissTokens = *u.PromptCacheMissTokens
		}
		if d := u.PromptTokensDetails; d != nil && d.CachedTokens != nil {
			r.Usage.CachedTokens, r.Usage.Has = *d.CachedTokens, fastreply.HasCachedTokens
		}
		if d := u.CompletionTokensDetails; d != nil && d.ReasoningTokens != nil {
			r.Usage.ReasoningTokens, r.Usage.Has = *d.ReasoningTokens, r.Usage.Has|fastreply.HasReasoningTokens
		}
	}
	return r
}

// comparable drops what reply cannot know (presence bits encoding/json does not
// keep for non-pointer fields, and presence of numbers set to their zero value).
func comparable(r fastreply.Reply) fastreply.Reply {
	r.Has &= fastreply.HasModel | fastreply.HasSystemFingerprint | fastreply.HasUsage | fastreply.HasChoices | fastreply.HasCreated
	r.Usage.Has &= fastreply.HasCachedTokens | fastreply.HasReasoningTokens
	for i := range r.Choices {
		r.Choices[i].Has &= fastreply.HasRole | fastreply.HasContent | fastreply.HasReasoningContent | fastreply.HasFinishReason
	}
	return r
}

var chunkSeeds = []string{
	`{"id":"a","object":"chat.completion.chunk","created":1,"model":"m","system_fingerprint":"fp","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null}`,
	`{"id":"a","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hello \"you\"\n\u4e2d\ud83d\ude00"},"finish_reason":null,"flag":0}]}`,
	`{"id":"a","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":2,"completion_tokens":4,"total_tokens":6,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":1},"prompt_cache_hit_tokens":0,"prompt_cache_miss_tokens":2,"completion_tokens_details":{"reasoning_tokens":0}}}`,
	`{"id":"a","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2,"prompt_tokens_details":null,"completion_tokens_details":{}}}`,
	`{"id":"a","choices":[{"index":0,"delta":{"refusal":null,"content":"x"}}],"unknown":{"nested":[1,2,{"x":null}]},"service_tier":"default"}`,
	`{"id":"a","choices":[{"index":0,"delta":{"tool_calls":[{"index":0}]}}]}`,  // tool calls: encoding/json
	`{"id":"a","choices":[{"index":0,"delta":{"content":"x"},"logprobs":{}}]}`, // logprobs: encoding/json
	`{"ID":"a","choices":[]}`,                 // case-folded key
	`{"id":"a","id":"b","choices":[]}`,        // repeated key
	`{"id":"a","choices":[{"index":1.0}]}`,    // float index: an error in encoding/json
	`{"id":"a","choices":[null,{"index":2}]}`, // null element
	`{"id":"a","choices":null,"model":null,"created":null,"system_fingerprint":null}`,
	`{"id":"a","choices":[{"index":0,"delta":{"content":"x"},"flag":"1"}]}`, // wrong kind for an unread field
	`{"id":"a"} trailing`,
	`null`,
	`[]`,
}

func TestDecoderMatchesEncodingJSON(t *testing.T) {
	for _, s := range chunkSeeds {
		checkReply(t, []byte(s))
	}
	// The seeds include what the fast path reads and what it must leave alone.
	d := fastreply.NewDecoder((*testChunk)(nil).ReadReply, "")
	var r fastreply.Reply
	assert.True(t, d.Decode([]byte(chunkSeeds[0]), &r))
	assert.True(t, d.Decode([]byte(chunkSeeds[2]), &r))
	assert.True(t, d.Decode([]byte(chunkSeeds[4]), &r), "unknown keys and null unread fields are skipped")
	for _, i := range []int{5, 6, 7, 8, 9, 12, 13, 14, 15} {
		assert.False(t, d.Decode([]byte(chunkSeeds[i]), &r), chunkSeeds[i])
	}
}

// checkReply decodes data with both paths: when the fast path accepts it,
// encoding/json must accept it too, with the same result. Several documents
// separated by a NUL byte go through one decoder, which keeps strings between them.
func checkReply(t *testing.T, data []byte) {
	d := fastreply.NewDecoder((*testChunk)(nil).ReadReply, "m")
	for _, doc := range bytes.Split(data, []byte{0}) {
		var r fastreply.Reply
		if !d.Decode(doc, &r) {
			continue
		}
		var c testChunk
		require.NoError(t, json.Unmarshal(doc, &c), "fast path accepted what encoding/json refuses: %q", doc)
		want := comparable(reply(&c))
		got := comparable(r)
		if len(got.Choices) == 0 && len(want.Choices) == 0 {
			got.Choices, want.Choices = nil, nil
		}
		require.Equal(t, want, got, "%q", doc)
	}
}

func FuzzDecoder(f *testing.F) {
	for _, s := range chunkSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(chunkSeeds[0] + "\x00" + chunkSeeds[1] + "\x00" + strings.Replace(chunkSeeds[1], `"id":"a"`, `"id":"b"`, 1)))
	f.Fuzz(func(t *testing.T, data []byte) { checkReply(t, data) })
}

// Fields encoding/json handles specially are never read by the fast path.
func TestDecoderLeavesSpecialFieldsToEncodingJSON(t *testing.T) {
	d := fastreply.NewDecoder((*quoted)(nil).ReadReply, "")
	var r fastreply.Reply
	assert.True(t, d.Decode([]byte(`{"id":"a","choices":[]}`), &r))
	assert.False(t, d.Decode([]byte(`{"id":"a","created":"12"}`), &r), ",string")
	assert.False(t, d.Decode([]byte(`{"id":"a","Model":"x"}`), &r), "an Unmarshaler")
	assert.False(t, d.Decode([]byte(`{"id":"a","model":"x"}`), &r), "model matches Model case-insensitively")
	assert.True(t, d.Decode([]byte(`{"id":"a","Model":null}`), &r), "null leaves any field as it was")

	d = fastreply.NewDecoder((*embedded)(nil).ReadReply, "")
	assert.False(t, d.Decode([]byte(`{"id":"a"}`), &r), "embedded structs are left to encoding/json")
}

func TestDecoderKeepsRepeatedStrings(t *testing.T) {
	d := fastreply.NewDecoder((*testChunk)(nil).ReadReply, "m")
	var a, b fastreply.Reply
	require.True(t, d.Decode([]byte(`{"id":"same","model":"m","choices":[]}`), &a))
	require.True(t, d.Decode([]byte(`{"id":"same","model":"m","choices":[]}`), &b))
	assert.Equal(t, "same", b.ID)
	doc := []byte(`{"id":"same","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"role":"assistant"},"finish_reason":"stop"}]}`)
	assert.Equal(t, 0, int(testing.AllocsPerRun(100, func() { d.Decode(doc, &b) })),
		"repeated ids, models and common constants are not allocated again")
}
