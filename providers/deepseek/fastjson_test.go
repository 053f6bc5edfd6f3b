package deepseek

import (
	"encoding/json"
	"reflect"
	"testing"

	gen "github.com/harborai/harbor-go/generated/deepseek"
	"github.com/harborai/harbor-go/internal/jsonx"
	"github.com/harborai/harbor-go/internal/wiretest"
)

// The generated AppendJSON writes json.Marshal's bytes for every field of the
// generated request.
func TestAppendRequestMatchesMarshal(t *testing.T) {
	wiretest.CheckEncoder[gen.ChatCompletionRequest](t, nil, 500)
}

// The generated DecodeJSON reads what json.Unmarshal reads, or gives up.
func TestDecodeJSONMatchesUnmarshal(t *testing.T) {
	wiretest.CheckDecoder[gen.ChatCompletion](t, nil, 300)
	wiretest.CheckDecoder[gen.ChatCompletionChunk](t, nil, 300)
}

// benchRequest is the benchmarks' request (benchmarks/scenarios.go) as encode
// builds it.
func benchRequest() *gen.ChatCompletionRequest {
	temp, maxTokens := 0.7, 256
	system := "You are a concise support assistant for a shipping company. Answer in plain English, in at most three sentences, and never invent tracking numbers."
	user := "My parcel left Rotterdam on Monday and the tracking page has not changed since. What usually causes that kind of delay?"
	return &gen.ChatCompletionRequest{
		Model:       "deepseek-v4-flash",
		Messages:    []gen.Message{{Role: "system", Content: &system}, {Role: "user", Content: &user}},
		Temperature: &temp,
		MaxTokens:   &maxTokens,
		Thinking:    &gen.Thinking{Type: "disabled"},
	}
}

// BenchmarkAppendRequest is the generated encoder on the benchmarks' request;
// BenchmarkMarshalRequest is json.Marshal, which it replaces, on the same value.
func BenchmarkAppendRequest(b *testing.B) {
	r := benchRequest()
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := r.AppendJSON(make([]byte, 0, sizeHint(r))); !ok {
			b.Fatal("encoder gave up")
		}
	}
}

func BenchmarkMarshalRequest(b *testing.B) {
	r := benchRequest()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(r); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzDecodeJSON: whatever the generated DecodeJSON accepts, json.Unmarshal
// accepts too and reads the same.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"id":"a","object":"chat.completion.chunk","created":1,"model":"m","system_fingerprint":"fp","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null}`,
		`{"id":"a","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3,"prompt_tokens_details":{"cached_tokens":1},"completion_tokens_details":{"reasoning_tokens":0}}}`,
		`{"id":"a","choices":[{"index":0,"delta":{"content":"x"},"logprobs":{"content":[{"token":"x","logprob":-0.5,"bytes":[120],"top_logprobs":[{"token":"x","logprob":-0.5,"bytes":null}]}]}}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var got, want gen.ChatCompletionChunk
		var l jsonx.Lexer
		if !got.DecodeJSON(&l, data) {
			return
		}
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("DecodeJSON read %q, which json.Unmarshal refuses: %v", data, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("DecodeJSON read %q as\n%+v\njson.Unmarshal reads\n%+v", data, got, want)
		}
	})
}
