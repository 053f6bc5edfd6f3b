package qianfan

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/mockvendor"
	gen "github.com/harborai/harbor-go/generated/qianfanv2"
	"github.com/harborai/harbor-go/internal/wire"
	"github.com/harborai/harbor-go/internal/wiretest"
)

// The fast decoder (wire.ReplyDecoder) must give the same chunks and completions
// as encoding/json into the generated types, whenever it does not give up.

const (
	plainReq    = `{"model":"ernie-4.5-turbo-128k","messages":[{"role":"user","content":"Say \"hi\" in Chinese: 你好 😀\n"}]}`
	thinkingReq = `{"model":"ernie-x1-turbo-32k","messages":[{"role":"user","content":"hi"}]}`
	toolsReq    = `{"model":"ernie-4.5-turbo-128k","messages":[{"role":"user","content":"weather?"}],"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{}}}}]}`
)

func streaming(req string) string {
	return strings.TrimSuffix(req, "}") + `,"stream":true,"stream_options":{"include_usage":true}}`
}

// mockAnswers returns the Qianfan v2 mock's answers and stream events for plain,
// thinking and tool-calling requests; the plain ones first.
func mockAnswers(tb testing.TB) (answers, events [][]byte, plain int) {
	m := mockvendor.NewQianfanV2(mockvendor.QianfanV2Config{})
	for i, req := range []string{plainReq, thinkingReq, toolsReq} {
		answers = append(answers, wiretest.Answer(tb, m, "/v2/chat/completions", nil, req))
		events = append(events, wiretest.Events(tb, m, "/v2/chat/completions", nil, streaming(req))...)
		if i == 1 {
			plain = len(events)
		}
	}
	return answers, events, plain
}

// quirkAnswers and quirkChunks hold what the mock does not send: the vendor's
// rarer fields and values. The fast path must read them, and as encoding/json does.
var quirkAnswers = []string{
	`{"id":"as-1","object":"chat.completion","created":1,"model":"ernie-4.5-turbo-128k","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"normal","flag":1,"ban_round":2}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3,"prompt_tokens_details":{"cached_tokens":1,"search_tokens":0}}}`,
}

var quirkChunks = []string{
	`{"id":"as-1","object":"chat.completion","created":1,"model":"ernie-4.5-turbo-128k","choices":[{"index":0,"delta":{"content":"x"},"finish_reason":null,"flag":0}],"usage":{"prompt_tokens":0,"completion_tokens":0,"total_tokens":0}}`,
	`{"id":"as-1","object":"chat.completion.chunk","created":1,"choices":[{"index":0,"delta":{"content":""},"finish_reason":"normal","delta_tag":"t"}],"usage":{"prompt_tokens":2,"completion_tokens":4,"total_tokens":6}}`,
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
	d := wire.NewReplyDecoder(completionSchema(), "ernie-4.5-turbo-128k")
	for _, a := range answers[:2] {
		assert.True(t, d.Decode(a, &r), "fast path refused %s", a)
	}
	d = wire.NewReplyDecoder(chunkSchema(), "ernie-4.5-turbo-128k")
	for _, ev := range events[:plain] {
		assert.True(t, d.Decode(ev, &r), "fast path refused %s", ev)
	}
	for _, a := range answers {
		checkCompletion(t, a)
	}
	checkChunks(t, bytes.Join(events, []byte{0}))
}

func checkCompletion(t *testing.T, data []byte) {
	d := wire.NewReplyDecoder(completionSchema(), "ernie-4.5-turbo-128k")
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
	d := wire.NewReplyDecoder(chunkSchema(), "ernie-4.5-turbo-128k")
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
