package doubao

import (
	"testing"

	"github.com/harborai/harbor-go/conformance/mockvendor"
	gen "github.com/harborai/harbor-go/generated/ark"
	"github.com/harborai/harbor-go/internal/engine/enginetest"
)

// The generated hot path must give the same chunks and completions as
// encoding/json into the generated types, whenever it does not give up.
var fast = enginetest.FastPath[gen.ChatCompletion, gen.ChatCompletionChunk]{
	Model:          "doubao-seed-1-6-251015",
	FromCompletion: fromCompletion,
	FromReply:      fromReply,
	FromChunk:      fromChunk,
	FromReplyChunk: fromReplyChunk,
}

// mockAnswers returns the Ark mock's answers and stream events for plain,
// thinking and tool-calling requests; the plain ones first.
func mockAnswers(tb testing.TB) (answers, events [][]byte, plain int) {
	return enginetest.MockAnswers(tb, mockvendor.NewArk(mockvendor.ArkConfig{}), "/api/v3/chat/completions",
		`{"model":"doubao-seed-1-6-251015","messages":[{"role":"user","content":"Say \"hi\" in Chinese: 你好 😀\n"}],"thinking":{"type":"disabled"}}`,
		`{"model":"doubao-seed-1-6-251015","messages":[{"role":"user","content":"hi"}]}`,
		`{"model":"doubao-seed-1-6-251015","messages":[{"role":"user","content":"weather?"}],"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{}}}}]}`)
}

// quirkAnswers and quirkChunks hold what the mock does not send: the vendor's
// rarer fields and values. The fast path must read them, and as encoding/json does.
var quirkAnswers = []string{
	`{"choices":[{"finish_reason":"length","index":0,"logprobs":null,"message":{"content":"a","reasoning_content":"b","role":"assistant"},"moderation_hit_type":null}],"created":1,"id":"021","model":"doubao-seed-1-6-251015","service_tier":"scale","object":"chat.completion","usage":{"completion_tokens":1,"prompt_tokens":1,"total_tokens":2,"prompt_tokens_details":{"cached_tokens":0,"provisioned_tokens":1},"completion_tokens_details":{"reasoning_tokens":1,"provisioned_tokens":0}}}`,
}

var quirkChunks = []string{
	`{"choices":[{"delta":{"content":"","reasoning_content":"The ","role":"assistant"},"index":0}],"created":1,"id":"021","model":"doubao-seed-1-6-251015","service_tier":"default","object":"chat.completion.chunk","usage":null}`,
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
