package openaicompat

import (
	"testing"

	"github.com/harborai/harbor-go/conformance/mockvendor"
	gen "github.com/harborai/harbor-go/generated/openai"
	"github.com/harborai/harbor-go/internal/engine/enginetest"
)

// The generated hot path must give the same chunks and completions as
// encoding/json into the generated types, whenever it does not give up.
var fast = enginetest.FastPath[gen.ChatCompletion, gen.ChatCompletionChunk]{
	Model:          "gpt-4o",
	FromCompletion: fromCompletion,
	FromReply:      fromReply,
	FromChunk:      fromChunk,
	FromReplyChunk: fromReplyChunk,
}

// mockAnswers returns the OpenAI mock's answers and stream events for plain,
// thinking and tool-calling requests; the plain ones first.
func mockAnswers(tb testing.TB) (answers, events [][]byte, plain int) {
	return enginetest.MockAnswers(tb, mockvendor.NewOpenAI(mockvendor.OpenAIConfig{}), "/v1/chat/completions",
		`{"model":"gpt-4o","messages":[{"role":"user","content":"Say \"hi\" in Chinese: 你好 😀\n"}]}`,
		`{"model":"o3-mini","messages":[{"role":"user","content":"hi"}],"n":2}`,
		`{"model":"gpt-4o","messages":[{"role":"user","content":"weather?"}],"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{}}}}]}`)
}

// quirkAnswers and quirkChunks hold what the mock does not send: the vendor's
// rarer fields and values. The fast path must read them, and as encoding/json does.
var quirkAnswers = []string{
	`{"id":"c","created":1,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"a","refusal":null},"logprobs":null,"finish_reason":"stop"}],"service_tier":"default"}`,
}

var quirkChunks = []string{
	`{"id":"c","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":"a","refusal":null},"logprobs":null,"finish_reason":null,"usage":null}]}`,
	`{"id":"c","choices":[{"index":1,"delta":{"content":"b"}},{"index":0,"delta":{"content":"a"},"finish_reason":"length"}]}`,
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
