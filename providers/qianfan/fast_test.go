package qianfan

import (
	"testing"

	"github.com/harborai/harbor-go/conformance/mockvendor"
	gen "github.com/harborai/harbor-go/generated/qianfanv2"
	"github.com/harborai/harbor-go/internal/engine/enginetest"
)

// The generated hot path must give the same chunks and completions as
// encoding/json into the generated types, whenever it does not give up.
var fast = enginetest.FastPath[gen.ChatCompletion, gen.ChatCompletionChunk]{
	Model:          "ernie-4.5-turbo-128k",
	FromCompletion: fromCompletion,
	FromReply:      fromReply,
	FromChunk:      fromChunk,
	FromReplyChunk: fromReplyChunk,
}

// mockAnswers returns the Qianfan v2 mock's answers and stream events for plain,
// thinking and tool-calling requests; the plain ones first.
func mockAnswers(tb testing.TB) (answers, events [][]byte, plain int) {
	return enginetest.MockAnswers(tb, mockvendor.NewQianfanV2(mockvendor.QianfanV2Config{}), "/v2/chat/completions",
		`{"model":"ernie-4.5-turbo-128k","messages":[{"role":"user","content":"Say \"hi\" in Chinese: 你好 😀\n"}]}`,
		`{"model":"ernie-x1-turbo-32k","messages":[{"role":"user","content":"hi"}]}`,
		`{"model":"ernie-4.5-turbo-128k","messages":[{"role":"user","content":"weather?"}],"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{}}}}]}`)
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

func TestFastDecoderReadsQuirks(t *testing.T) { fast.ReadsQuirks(t, quirkAnswers, quirkChunks) }

func TestFastDecoderReadsTheMocksAnswers(t *testing.T) {
	answers, events, plain := mockAnswers(t)
	fast.ReadsMocks(t, answers, events, plain)
}

func FuzzFastCompletion(f *testing.F) {
	answers, _, _ := mockAnswers(f)
	fast.FuzzCompletion(f, append(answers, []byte(`{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":null},"finish_reason":null}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3,"prompt_tokens_details":{},"completion_tokens_details":null}}`)))
}

func FuzzFastChunk(f *testing.F) {
	_, events, _ := mockAnswers(f)
	fast.FuzzChunks(f, events)
}
