package gateway_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/harborai/harbor-go/gateway"
	"github.com/harborai/harbor-go/gateway/wire"
	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/llm"
)

// The gateway's own cost per request, without network: ServeHTTP on a recorder,
// harbor calling a fake provider in process. The access log is formatted (to
// io.Discard) as in production. The whole path through real sockets and a mock
// vendor is benchmarks/' job.

func benchServer(b *testing.B, fake *fakeProvider) *gateway.Server {
	key, sum, _ := gateway.NewKey()
	srv, err := gateway.New(gateway.Config{
		Getenv:        func(string) string { return "" },
		Keys:          []gateway.KeyConfig{{ID: "bench", SHA256: sum, RPM: 1 << 30}},
		ClientOptions: []harbor.Option{fake.option()},
		AccessLog:     slog.New(slog.NewJSONHandler(io.Discard, nil)),
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	benchKey = key
	return srv
}

var benchKey string

func benchRequest(body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+benchKey)
	r.Header.Set("Content-Type", "application/json")
	return r
}

const benchBody = `{"model":"fake-1","temperature":0.2,"max_tokens":100,"messages":[{"role":"system","content":"You are brief."},{"role":"user","content":"Why is the sky blue?"}]}`

func runBench(b *testing.B, h http.Handler, body string) {
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, benchRequest(body))
		if w.Code != http.StatusOK {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
}

func BenchmarkChatJSON(b *testing.B) {
	srv := benchServer(b, newFake(1, 20, 0))
	runBench(b, srv, benchBody)
}

// The same request through the generated router (harborapi.Handler), which
// ServeHTTP bypasses for this route.
func BenchmarkChatJSONGeneratedRouter(b *testing.B) {
	srv := benchServer(b, newFake(1, 20, 0))
	runBench(b, srv.GeneratedRouter(), benchBody)
}

func BenchmarkChatStream20Chunks(b *testing.B) {
	srv := benchServer(b, newFake(20, 8, 0))
	runBench(b, srv, strings.Replace(benchBody, `"model"`, `"stream":true,"stream_options":{"include_usage":true},"model"`, 1))
}

// Requests as the OpenAI SDKs send them (openai-python's member order): the
// benchmarks' plain chat turn, and a turn of a tool loop — two tools, the
// assistant's call and the tool's answer.
const (
	sdkPlainBody = `{"messages":[{"role":"system","content":"You are a concise support assistant for a shipping company. Answer in plain English, in at most three sentences, and never invent tracking numbers."},{"role":"user","content":"My parcel left Rotterdam on Monday and the tracking page has not changed since. What usually causes that kind of delay?"}],"model":"deepseek-v4-flash","max_tokens":256,"temperature":0.7}`
	sdkToolsBody = `{"messages":[{"role":"system","content":"You are a support assistant for a shipping company."},{"role":"user","content":"Where is parcel RT-1042 and will it arrive by Friday?"},{"role":"assistant","content":null,"tool_calls":[{"id":"call_0","type":"function","function":{"name":"track_parcel","arguments":"{\"parcel_id\":\"RT-1042\"}"}}]},{"role":"tool","tool_call_id":"call_0","content":"{\"status\":\"in transit\",\"location\":\"Antwerp\",\"eta\":\"2026-12-11\"}"}],"model":"deepseek-v4-flash","parallel_tool_calls":false,"temperature":0.2,"tool_choice":"auto","tools":[{"type":"function","function":{"name":"track_parcel","description":"Where a parcel is now and when it should arrive.","parameters":{"type":"object","properties":{"parcel_id":{"type":"string","description":"The parcel's id, as RT-1042."}},"required":["parcel_id"],"additionalProperties":false},"strict":true}},{"type":"function","function":{"name":"open_claim","description":"Opens a claim for a late or lost parcel.","parameters":{"type":"object","properties":{"parcel_id":{"type":"string"},"reason":{"type":"string","enum":["late","lost","damaged"]}},"required":["parcel_id","reason"]}}}]}`
)

// BenchmarkDecode is the chat request's decoding alone: the body already read,
// as chat hands it to decode.
func BenchmarkDecode(b *testing.B) {
	srv := benchServer(b, newFake(1, 20, 0))
	for _, bc := range []struct{ name, body string }{{"plain", sdkPlainBody}, {"tools", sdkToolsBody}} {
		b.Run(bc.name, func(b *testing.B) {
			body := []byte(bc.body)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				var in wire.ChatCompletionRequest
				if !gateway.Decode(srv, body, &in) {
					b.Fatal("refused")
				}
			}
		})
	}
}

// BenchmarkEncodeAnswer is a plain answer's encoding alone — a typical short
// answer (24 words and the usage), a longer text and an answer that calls a
// tool — by the gateway's one-pass encoder (onepass) and by the json.Encoder it
// replaced (reflect), which writes the same bytes.
func BenchmarkEncodeAnswer(b *testing.B) {
	usage := llm.Usage{PromptTokens: 52, CompletionTokens: 61, TotalTokens: 113, PromptCacheHitTokens: 0, PromptCacheMissTokens: 52,
		PromptTokensDetails: &llm.PromptTokensDetails{CachedTokens: 0}}
	answer := func(m llm.Message, finish string) *llm.ChatCompletion {
		return &llm.ChatCompletion{ID: "0f0c5e2a-9a51-4a6e-b4a4-3c1b8e2f6d1a", Object: "chat.completion", Created: 1765100000,
			Model: "deepseek-v4-flash", SystemFingerprint: "fp_3a5770e1b4_prod0820_fp8_kvcache",
			Choices: []llm.Choice{{Message: m, FinishReason: finish}}, Usage: usage}
	}
	short := answer(llm.AssistantMessage("Parcels often sit between scans while they wait for a connecting truck or customs clearance, "+
		"so a quiet tracking page is usually quite normal."), "stop")
	text := answer(llm.AssistantMessage("Parcels often sit between scans while they wait for a connecting truck or customs clearance, "+
		"so a page that has not changed for a few days is usually normal. Weekends and public holidays add to it. "+
		"If nothing changes within five working days, ask us to open an investigation."), "stop")
	tool := answer(llm.Message{Role: llm.RoleAssistant, ToolCalls: []llm.ToolCall{{ID: "call_0", Type: "function",
		Function: llm.FunctionCall{Name: "track_parcel", Arguments: `{"parcel_id":"RT-1042"}`}}}}, "tool_calls")
	for _, bc := range []struct {
		name string
		res  *llm.ChatCompletion
	}{{"short", short}, {"text", text}, {"tool_calls", tool}} {
		for _, enc := range []struct {
			name   string
			encode func(*bytes.Buffer, *llm.ChatCompletion) error
		}{{"onepass", gateway.EncodeAnswer}, {"reflect", gateway.EncodeAnswerReflect}} {
			b.Run(bc.name+"/"+enc.name, func(b *testing.B) {
				var buf bytes.Buffer
				b.ReportAllocs()
				for b.Loop() {
					buf.Reset()
					if err := enc.encode(&buf, bc.res); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkEncodeChunk is a stream event's encoding alone, as sseWriter.event
// does it for each chunk (toSSE, then the encoder), for the chunks a stream
// is made of — its first (the role), a few words of text, a piece of a tool
// call's arguments, the last (finish_reason) and the usage chunk — by the
// gateway's one-pass encoder (onepass) and by the json.Encoder it replaced
// (reflect), which writes the same bytes.
func BenchmarkEncodeChunk(b *testing.B) {
	chunk := func(d llm.Delta, finish string) *llm.Chunk {
		return &llm.Chunk{ID: "0f0c5e2a-9a51-4a6e-b4a4-3c1b8e2f6d1a", Object: "chat.completion.chunk", Created: 1765100000,
			Model: "deepseek-v4-flash", SystemFingerprint: "fp_3a5770e1b4_prod0820_fp8_kvcache",
			Choices: []llm.ChunkChoice{{Delta: d, FinishReason: finish}}}
	}
	usage := chunk(llm.Delta{}, "")
	usage.Choices = []llm.ChunkChoice{}
	usage.Usage = &llm.Usage{PromptTokens: 52, CompletionTokens: 61, TotalTokens: 113, PromptCacheMissTokens: 52,
		PromptTokensDetails: &llm.PromptTokensDetails{CachedTokens: 0}}
	for _, bc := range []struct {
		name string
		c    *llm.Chunk
	}{
		{"first", chunk(llm.Delta{Role: llm.RoleAssistant}, "")},
		{"text", chunk(llm.Delta{Content: " while they wait for a"}, "")},
		{"tool_call", chunk(llm.Delta{ToolCalls: []llm.ToolCallDelta{{Index: 0, Function: llm.FunctionCallDelta{Arguments: `_id":"RT-`}}}}, "")},
		{"last", chunk(llm.Delta{}, "stop")},
		{"usage", usage},
	} {
		for _, reflect := range []bool{false, true} {
			name := bc.name + "/onepass"
			if reflect {
				name = bc.name + "/reflect"
			}
			b.Run(name, func(b *testing.B) {
				var buf bytes.Buffer
				encode := gateway.ChunkEncoder(&buf, reflect)
				b.ReportAllocs()
				for b.Loop() {
					buf.Reset()
					if err := encode(bc.c); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
