package doubao

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/mockvendor"
	gen "github.com/harborai/harbor-go/generated/ark"
	"github.com/harborai/harbor-go/internal/wire"
	"github.com/harborai/harbor-go/internal/wiretest"
)

// The fast decoder (wire.ReplyDecoder) must give the same chunks and completions
// as encoding/json into the generated types, whenever it does not give up.

const (
	plainReq    = `{"model":"doubao-seed-1-6-251015","messages":[{"role":"user","content":"Say \"hi\" in Chinese: 你好 😀\n"}],"thinking":{"type":"disabled"}}`
	thinkingReq = `{"model":"doubao-seed-1-6-251015","messages":[{"role":"user","content":"hi"}]}`
	toolsReq    = `{"model":"doubao-seed-1-6-251015","messages":[{"role":"user","content":"weather?"}],"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{}}}}]}`
)

func streaming(req string) string {
	return strings.TrimSuffix(req, "}") + `,"stream":true,"stream_options":{"include_usage":true}}`
}

// mockAnswers returns the Ark mock's answers and stream events for plain,
// thinking and tool-calling requests; the plain ones first.
func mockAnswers(tb testing.TB) (answers, events [][]byte, plain int) {
	m := mockvendor.NewArk(mockvendor.ArkConfig{})
	for i, req := range []string{plainReq, thinkingReq, toolsReq} {
		answers = append(answers, wiretest.Answer(tb, m, "/api/v3/chat/completions", nil, req))
		events = append(events, wiretest.Events(tb, m, "/api/v3/chat/completions", nil, streaming(req))...)
		if i == 1 {
			plain = len(events)
		}
	}
	return answers, events, plain
}

// quirkAnswers and quirkChunks hold what the mock does not send: the vendor's
// rarer fields and values. The fast path must read them, and as encoding/json does.
var quirkAnswers = []string{
	`{"choices":[{"finish_reason":"length","index":0,"logprobs":null,"message":{"content":"a","reasoning_content":"b","role":"assistant"},"moderation_hit_type":null}],"created":1,"id":"021","model":"doubao-seed-1-6-251015","service_tier":"scale","object":"chat.completion","usage":{"completion_tokens":1,"prompt_tokens":1,"total_tokens":2,"prompt_tokens_details":{"cached_tokens":0,"provisioned_tokens":1},"completion_tokens_details":{"reasoning_tokens":1,"provisioned_tokens":0}}}`,
}

var quirkChunks = []string{
	`{"choices":[{"delta":{"content":"","reasoning_content":"The ","role":"assistant"},"index":0}],"created":1,"id":"021","model":"doubao-seed-1-6-251015","service_tier":"default","object":"chat.completion.chunk","usage":null}`,
}

func TestFastDecoderReadsQuirks(t *testing.T) {
	var r wire.Reply
	for _, a := range quirkAnswers {
		require.True(t, wire.NewReplyDecoder(completionSchema(), "").Decode([]byte(a), &r), "fast path refused %s", a)
		checkCompletion(t, []byte(a))
	}
	for _, c := range quirkChunks {
		require.True(t, wire.NewReplyDecoder(chunkSchema(), "").Decode([]byte(c), &r), "fast path refused %s", c)
		checkChunks(t, []byte(c))
	}
}

func TestFastDecoderReadsTheMocksAnswers(t *testing.T) {
	answers, events, plain := mockAnswers(t)
	var r wire.Reply
	d := wire.NewReplyDecoder(completionSchema(), "doubao-seed-1-6-251015")
	for _, a := range answers[:2] {
		assert.True(t, d.Decode(a, &r), "fast path refused %s", a)
	}
	d = wire.NewReplyDecoder(chunkSchema(), "doubao-seed-1-6-251015")
	for _, ev := range events[:plain] {
		assert.True(t, d.Decode(ev, &r), "fast path refused %s", ev)
	}
	for _, a := range answers {
		checkCompletion(t, a)
	}
	checkChunks(t, bytes.Join(events, []byte{0}))
}

func checkCompletion(t *testing.T, data []byte) {
	d := wire.NewReplyDecoder(completionSchema(), "doubao-seed-1-6-251015")
	var r wire.Reply
	if !d.Decode(data, &r) {
		return
	}
	var c gen.ChatCompletion
	require.NoError(t, json.Unmarshal(data, &c), "fast path accepted what encoding/json refuses: %q", data)
	require.Equal(t, fromCompletion(&c), fromReply(&r), "%s", data)
}

// checkChunks decodes the NUL-separated events in data with one stream's decoder.
func checkChunks(t *testing.T, data []byte) {
	d := wire.NewReplyDecoder(chunkSchema(), "doubao-seed-1-6-251015")
	for _, ev := range bytes.Split(data, []byte{0}) {
		var r wire.Reply
		if !d.Decode(ev, &r) {
			continue
		}
		var c gen.ChatCompletionChunk
		require.NoError(t, json.Unmarshal(ev, &c), "fast path accepted what encoding/json refuses: %q", ev)
		require.Equal(t, fromChunk(&c), fromReplyChunk(&r), "%s", ev)
	}
}

func FuzzFastCompletion(f *testing.F) {
	answers, _, _ := mockAnswers(f)
	for _, a := range answers {
		f.Add(a)
	}
	f.Add([]byte(`{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":null},"finish_reason":null}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3,"prompt_tokens_details":{},"completion_tokens_details":null}}`))
	f.Fuzz(checkCompletion)
}

func FuzzFastChunk(f *testing.F) {
	_, events, _ := mockAnswers(f)
	f.Add(bytes.Join(events, []byte{0}))
	for _, ev := range events {
		f.Add(ev)
	}
	f.Fuzz(checkChunks)
}
