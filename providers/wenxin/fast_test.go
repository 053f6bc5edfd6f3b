package wenxin

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/mockvendor"
	gen "github.com/harborai/harbor-go/generated/qianfanv1"
	"github.com/harborai/harbor-go/internal/wiretest"
)

// The fast decoder must give the same gen.ChatResponse as encoding/json whenever
// it does not give up.

// mockAnswers returns the Qianfan v1 mock's answers and stream events, plain ones
// first, then a function call's.
func mockAnswers(tb testing.TB) (answers, events [][]byte, plain int) {
	m := mockvendor.NewQianfanV1(mockvendor.QianfanV1Config{})
	var tr gen.TokenResponse
	require.NoError(tb, json.Unmarshal(wiretest.Answer(tb, m, "/oauth/2.0/token?grant_type=client_credentials&client_id=a&client_secret=b", nil, ""), &tr))
	path := "/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/completions_pro?access_token=" + *tr.AccessToken
	for i, req := range []string{
		`{"messages":[{"role":"user","content":"Say \"hi\" in Chinese: 你好 😀\n"}],"system":"be brief"}`,
		`{"messages":[{"role":"user","content":"weather?"}],"functions":[{"name":"get_weather","description":"weather","parameters":{"type":"object","properties":{}}}]}`,
	} {
		answers = append(answers, wiretest.Answer(tb, m, path, http.Header{}, req))
		events = append(events, wiretest.Events(tb, m, path, http.Header{}, req[:len(req)-1]+`,"stream":true}`)...)
		if i == 0 {
			plain = len(events)
		}
	}
	return answers, events, plain
}

// quirks hold what the mock does not send: the rarer fields and values. The fast
// path must read them, and as encoding/json does.
var quirks = []string{
	`{"id":"as-1","object":"chat.completion","created":1,"sentence_id":7,"is_end":true,"is_truncated":true,"result":"x","need_clear_history":true,"ban_round":3,"finish_reason":"content_filter","flag":1,"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}`,
	`{"error_code":336003,"error_msg":"the max length of current question is 11200","id":"as-2"}`,
	`{"id":"as-3","result":"y","usage":null,"function_call":null,"search_info":null,"finish_reason":"length"}`,
}

func TestFastDecoderReadsQuirks(t *testing.T) {
	var d fastDecoder
	var r gen.ChatResponse
	var u gen.Usage
	for _, q := range quirks {
		require.True(t, d.decode([]byte(q), &r, &u), "fast path refused %s", q)
		checkAnswers(t, []byte(q))
	}
}

func TestFastDecoderReadsTheMocksAnswers(t *testing.T) {
	answers, events, plain := mockAnswers(t)
	var d fastDecoder
	var r gen.ChatResponse
	var u gen.Usage
	assert.True(t, d.decode(answers[0], &r, &u), "fast path refused %s", answers[0])
	for _, ev := range events[:plain] {
		assert.True(t, d.decode(ev, &r, &u), "fast path refused %s", ev)
	}
	for _, a := range answers {
		checkAnswers(t, a)
	}
	checkAnswers(t, bytes.Join(events, []byte{0}))
}

// checkAnswers decodes the NUL-separated answers in data with one decoder.
func checkAnswers(t *testing.T, data []byte) {
	var d fastDecoder
	for _, doc := range bytes.Split(data, []byte{0}) {
		var r gen.ChatResponse
		var u gen.Usage
		if !d.decode(doc, &r, &u) {
			continue
		}
		var want gen.ChatResponse
		require.NoError(t, json.Unmarshal(doc, &want), "fast path accepted what encoding/json refuses: %q", doc)
		require.Equal(t, want, r, "%s", doc)
	}
}

func FuzzFastAnswer(f *testing.F) {
	answers, events, _ := mockAnswers(f)
	f.Add(bytes.Join(events, []byte{0}))
	for _, a := range append(answers, events...) {
		f.Add(a)
	}
	f.Add([]byte(`{"error_code":336003,"error_msg":"the max length of current question is 11200","id":"as-1"}`))
	f.Add([]byte(`{"id":"as-1","result":"x","usage":null,"function_call":null,"search_info":null,"is_end":true,"flag":1}`))
	f.Fuzz(checkAnswers)
}
