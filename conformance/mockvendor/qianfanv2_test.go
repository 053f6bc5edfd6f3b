package mockvendor

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newQF2(t *testing.T, cfg QianfanV2Config) (*QianfanV2, string) {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = fixedNow
	}
	q := NewQianfanV2(cfg)
	return q, serve(t, q) + "/v2"
}

// qf2ErrorOf decodes Qianfan's error envelope and checks its key set.
func qf2ErrorOf(t *testing.T, resp *http.Response) map[string]any {
	t.Helper()
	m, e := errorEnvelope(t, resp)
	assert.ElementsMatch(t, []string{"error", "id"}, keys(m))
	assert.Regexp(t, `^as-[0-9a-z]{10}$`, m["id"])
	assert.ElementsMatch(t, []string{"code", "message", "type"}, keys(e))
	assert.NotEmpty(t, e["message"])
	return e
}

// oaiSSE is a parsed stream that keeps "event:" lines, which the DeepSeek
// tests' reader rejects.
type oaiSSE struct {
	comments []string
	events   []string // the event name of each data event, "" when unnamed
	data     []string // raw payloads, "[DONE]" included
}

func oaiReadSSE(t *testing.T, r io.Reader) (oaiSSE, error) {
	t.Helper()
	var s oaiSSE
	name := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			name = ""
		case strings.HasPrefix(line, ":"):
			s.comments = append(s.comments, line)
		case strings.HasPrefix(line, "event: "):
			name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			s.data = append(s.data, strings.TrimPrefix(line, "data: "))
			s.events = append(s.events, name)
		default:
			t.Errorf("unexpected SSE line %q", line)
		}
	}
	return s, sc.Err()
}

const qf2Hi = `{"model":"ernie-4.0-8k","messages":[{"role":"user","content":"hello there"}]}`

func qf2StreamBody(model string) string {
	return `{"model":"` + model + `","stream":true,"messages":[{"role":"user","content":"one two three"}]}`
}

func TestQianfanV2Validation(t *testing.T) {
	msgs := func(roles ...string) string {
		parts := make([]string, len(roles))
		for i, r := range roles {
			extra := ""
			switch r {
			case "assistant+calls":
				r, extra = "assistant", `,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]`
			case "tool":
				extra = `,"tool_call_id":"c1"`
			}
			parts[i] = fmt.Sprintf(`{"role":%q,"content":"m%d"%s}`, r, i, extra)
		}
		return `"messages":[` + strings.Join(parts, ",") + `]`
	}
	user := msgs("user")
	body := func(model, rest string) string { return `{"model":"` + model + `",` + rest + `}` }
	ernie := func(rest string) string { return body("ernie-4.0-8k", user+","+rest) }
	meta := func(n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = fmt.Sprintf(`"k%d":"v"`, i)
		}
		return `"metadata":{` + strings.Join(parts, ",") + `}`
	}
	cases := []struct {
		name, body, code, msg string
	}{
		{"not json", `{"model":`, "malformed_json", "Invalid Argument"},
		{"empty body", ``, "malformed_json", "Invalid Argument"},
		{"wrong type", ernie(`"temperature":"hot"`), "malformed_json", "Invalid Argument"},
		{"metadata not strings", ernie(`"metadata":{"a":1}`), "malformed_json", "Invalid Argument"},
		{"missing model", `{` + user + `}`, "invalid_model", "model"},
		{"unknown model", body("ERNIE-4.0-8K", user), "invalid_model", "ERNIE-4.0-8K"},
		{"no messages", body("ernie-4.0-8k", `"stream":false`), "invalid_messages", "empty"},
		{"empty messages", body("ernie-4.0-8k", `"messages":[]`), "invalid_messages", "empty"},
		{"first assistant", body("ernie-4.0-8k", msgs("assistant", "user")), "invalid_messages", "messages[0] must be user or system"},
		{"system twice", body("ernie-4.0-8k", msgs("system", "system", "user")), "invalid_messages", "messages[1] must be user"},
		{"system later", body("ernie-4.0-8k", msgs("user", "assistant", "system", "user")), "invalid_messages", "messages[2] must be user"},
		{"user user", body("ernie-4.0-8k", msgs("user", "user")), "invalid_messages", "messages[1] must be assistant"},
		{"assistant assistant", body("ernie-4.0-8k", msgs("user", "assistant", "assistant", "user")), "invalid_messages", "messages[2] must be user"},
		{"tool without calls", body("ernie-4.0-8k", msgs("user", "assistant", "tool")), "invalid_messages", "messages[2] must be user"},
		{"user after calls", body("ernie-4.0-8k", msgs("user", "assistant+calls", "user")), "invalid_messages", "messages[2] must be tool"},
		{"user after tool", body("ernie-4.0-8k", msgs("user", "assistant+calls", "tool", "user")), "invalid_messages", "messages[3] must be tool or assistant"},
		{"last assistant", body("ernie-4.0-8k", msgs("user", "assistant")), "invalid_messages", "last message must be from user or tool"},
		{"last system", body("ernie-4.0-8k", msgs("system")), "invalid_messages", "last message"},
		{"ernie-4.5 last tool", body("ernie-4.5-turbo-128k", msgs("user", "assistant+calls", "tool")), "invalid_messages", "must be from user for ernie-4.5-turbo-128k"},
		{"x1 turbo last tool", body("ernie-x1-turbo-32k", msgs("user", "assistant+calls", "tool")), "invalid_messages", "must be from user"},
		{"tool without id", body("ernie-4.0-8k", `"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"","tool_calls":[{"id":"c"}]},{"role":"tool","content":"x"}]`), "invalid_messages", "tool_call_id"},
		{"bad role", body("ernie-4.0-8k", `"messages":[{"role":"developer","content":"a"}]`), "invalid_messages", "role"},
		{"user null content", body("ernie-4.0-8k", `"messages":[{"role":"user","content":null}]`), "invalid_messages", "must not be empty"},
		{"blank last", body("ernie-4.0-8k", `"messages":[{"role":"user","content":" \n"}]`), "invalid_messages", "empty"},
		{"bad part", body("ernie-4.0-8k", `"messages":[{"role":"user","content":[{"type":"input_audio"}]}]`), "invalid_messages", "input_audio"},
		{"stop five", ernie(`"stop":["a","b","c","d","e"]`), "invalid_argument", "at most 4"},
		{"stop long", ernie(`"stop":["123456789012345678901"]`), "invalid_argument", "20 characters"},
		{"penalty low", ernie(`"penalty_score":0.9`), "invalid_argument", "penalty_score"},
		{"penalty high", ernie(`"penalty_score":2.1`), "invalid_argument", "penalty_score"},
		{"top_p", ernie(`"top_p":1.5`), "invalid_argument", "top_p"},
		{"temperature zero ernie", ernie(`"temperature":0`), "invalid_argument", "temperature"},
		{"temperature high ernie", ernie(`"temperature":1.5`), "invalid_argument", "temperature"},
		{"temperature high deepseek", body("deepseek-v3", user+`,"temperature":2.5`), "invalid_argument", "temperature"},
		{"frequency_penalty", ernie(`"frequency_penalty":3`), "invalid_argument", "frequency_penalty"},
		{"max_completion_tokens", ernie(`"max_completion_tokens":1`), "invalid_argument", "max_completion_tokens"},
		{"max_completion_tokens over context", ernie(`"max_completion_tokens":9000`), "invalid_argument", "[2, 8192]"},
		{"max_tokens", ernie(`"max_tokens":0`), "invalid_argument", "max_tokens"},
		{"seed zero", ernie(`"seed":0`), "invalid_argument", "seed"},
		{"seed max", ernie(`"seed":2147483647`), "invalid_argument", "seed"},
		{"search_num zero", ernie(`"web_search":{"enable":true,"search_num":0}`), "invalid_argument", "web_search.search_num"},
		{"search_num 29", ernie(`"web_search":{"enable":true,"search_num":29}`), "invalid_argument", "[1, 28]"},
		{"search_number 29", ernie(`"web_search":{"enable":true,"search_number":29}`), "invalid_argument", "web_search.search_number"},
		{"reference_num 0", ernie(`"web_search":{"enable":false,"reference_num":0}`), "invalid_argument", "web_search.reference_num"},
		{"metadata 17", ernie(meta(17)), "invalid_argument", "16"},
		{"json_schema missing", ernie(`"response_format":{"type":"json_schema"}`), "invalid_argument", "json_schema"},
		{"response_format type", ernie(`"response_format":{"type":"xml"}`), "invalid_argument", "xml"},
		{"bad tool", ernie(`"tools":[{"type":"function","function":{"name":"a b"}}]`), "invalid_argument", "tools[0]"},
		{"tool_choice unknown", ernie(`"tools":[{"type":"function","function":{"name":"a"}}],"tool_choice":{"type":"function","function":{"name":"b"}}`), "invalid_argument", `"b"`},
		{"tool_choice bad", ernie(`"tools":[{"type":"function","function":{"name":"a"}}],"tool_choice":"always"`), "invalid_argument", "tool_choice"},
		{"tokens too long", body("ernie-4.0-8k", `"messages":[{"role":"user","content":"`+strings.Repeat("w ", 8200)+`"}]`), "tokens_too_long", "Prompt tokens too long"},
	}
	_, url := newQF2(t, QianfanV2Config{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := post(t, url, tc.body)
			assert.Equal(t, 400, resp.StatusCode)
			e := qf2ErrorOf(t, resp)
			assert.Equal(t, "invalid_request_error", e["type"])
			assert.Equal(t, tc.code, e["code"])
			assert.Contains(t, e["message"], tc.msg)
		})
	}
}

func TestQianfanV2ValidationAccepts(t *testing.T) {
	_, url := newQF2(t, QianfanV2Config{})
	calls := `{"role":"assistant","content":"","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}},{"id":"c2","type":"function","function":{"name":"f","arguments":"{}"}}]}`
	cases := map[string]string{
		"system first":        `{"model":"ernie-3.5-8k","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi"}]}`,
		"multi turn":          `{"model":"ernie-3.5-8k","messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"c"}]}`,
		"tool results last":   `{"model":"ernie-4.0-8k","messages":[{"role":"user","content":"a"},` + calls + `,{"role":"tool","tool_call_id":"c1","content":"x"},{"role":"tool","tool_call_id":"c2","content":"y"}]}`,
		"tool then answer":    `{"model":"ernie-4.5-turbo-32k","messages":[{"role":"user","content":"a"},` + calls + `,{"role":"tool","tool_call_id":"c1","content":"x"},{"role":"assistant","content":"done"},{"role":"user","content":"thanks"}]}`,
		"bounds":              `{"model":"ernie-4.0-8k","messages":[{"role":"user","content":"hi"}],"temperature":1,"top_p":0,"penalty_score":2,"seed":1,"max_completion_tokens":2,"stop":["12345678901234567890","一二三四五六七八九十一二三四五六七八九十","c","d"]}`,
		"deepseek temp 2":     `{"model":"deepseek-v3","messages":[{"role":"user","content":"hi"}],"temperature":2}`,
		"web search bounds":   `{"model":"ernie-4.0-8k","messages":[{"role":"user","content":"hi"}],"web_search":{"enable":true,"enable_trace":true,"enable_status":true,"enable_citation":true,"search_num":28,"reference_num":28}}`,
		"metadata 16":         `{"model":"ernie-4.0-8k","messages":[{"role":"user","content":"hi"}],"metadata":{"1":"","2":"","3":"","4":"","5":"","6":"","7":"","8":"","9":"","10":"","11":"","12":"","13":"","14":"","15":"","16":""}}`,
		"json_schema":         `{"model":"ernie-4.0-8k","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{}}}}`,
		"content parts":       `{"model":"ernie-4.0-8k","messages":[{"role":"user","content":[{"type":"text","text":"hi"},{"type":"image_url","image_url":{"url":"https://x"}}]}]}`,
		"unknown fields":      `{"model":"ernie-4.0-8k","messages":[{"role":"user","content":"hi","name":"bob"}],"enable_thinking":true,"user":"u1","parallel_tool_calls":false}`,
		"tool_choice named":   `{"model":"ernie-4.0-8k","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"a"}},{"type":"function","function":{"name":"b"}}],"tool_choice":{"type":"function","function":{"name":"b"}}}`,
		"penalty on ds":       `{"model":"deepseek-r1","messages":[{"role":"user","content":"hi"}],"penalty_score":1.5}`,
		"max_tokens accepted": `{"model":"ernie-4.0-8k","messages":[{"role":"user","content":"hi"}],"max_tokens":100}`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			resp := post(t, url, body)
			b := readAll(t, resp.Body)
			assert.Equal(t, 200, resp.StatusCode, string(b))
		})
	}
}

func TestQianfanV2NonStreamShape(t *testing.T) {
	_, url := newQF2(t, QianfanV2Config{})
	resp := post(t, url, `{"model":"ernie-4.0-8k","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hello there"}]}`)
	require.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	m := decodeMap(t, readAll(t, resp.Body))
	assert.ElementsMatch(t, []string{"id", "object", "created", "model", "choices", "usage"}, keys(m))
	assert.Regexp(t, `^as-[0-9a-z]{10}$`, m["id"])
	assert.Equal(t, "chat.completion", m["object"])
	assert.Equal(t, float64(1766977481), m["created"])
	assert.Equal(t, "ernie-4.0-8k", m["model"])
	c := firstChoice(m)
	assert.ElementsMatch(t, []string{"index", "message", "finish_reason", "flag"}, keys(c))
	assert.Equal(t, "normal", c["finish_reason"], "ERNIE ends plain answers with normal")
	assert.Equal(t, float64(0), c["flag"])
	assert.Equal(t, map[string]any{"role": "assistant", "content": "Hello! You said: hello there"}, c["message"])
	// prompt: "be brief"(2)+1 + "hello there"(2)+1 = 6; answer 5 words.
	assert.Equal(t, map[string]any{"prompt_tokens": float64(6), "completion_tokens": float64(5), "total_tokens": float64(11)}, m["usage"])
}

func TestQianfanV2FinishReasonByModel(t *testing.T) {
	_, url := newQF2(t, QianfanV2Config{})
	for model, want := range map[string]string{"ernie-speed-128k": "normal", "deepseek-v3": "stop", "deepseek-v3.2": "stop", "ernie-x1-32k": "normal"} {
		m := decodeMap(t, readAll(t, post(t, url, `{"model":"`+model+`","messages":[{"role":"user","content":"hi"}]}`).Body))
		assert.Equal(t, want, firstChoice(m)["finish_reason"], model)
	}
	// Rarer finish reasons are the same everywhere.
	m := decodeMap(t, readAll(t, post(t, url, `{"model":"ernie-4.0-8k","max_completion_tokens":2,"messages":[{"role":"user","content":"hi"}]}`).Body))
	assert.Equal(t, "length", firstChoice(m)["finish_reason"])
	assert.Equal(t, "Hello! You", firstChoice(m)["message"].(map[string]any)["content"])
}

func TestQianfanV2Reasoning(t *testing.T) {
	_, url := newQF2(t, QianfanV2Config{})
	for _, model := range []string{"ernie-x1-32k", "ernie-x1-turbo-32k", "deepseek-r1", "ernie-5.0-thinking-latest"} {
		m := decodeMap(t, readAll(t, post(t, url, `{"model":"`+model+`","messages":[{"role":"user","content":"hello there"}]}`).Body))
		msg := firstChoice(m)["message"].(map[string]any)
		assert.Equal(t, `The user said "hello there". I will answer briefly.`, msg["reasoning_content"], model)
		assert.Equal(t, "Hello! You said: hello there", msg["content"])
		// reasoning (9 words) counts toward completion_tokens.
		assert.Equal(t, float64(14), m["usage"].(map[string]any)["completion_tokens"])
	}
	for _, model := range []string{"ernie-4.0-8k", "deepseek-v3"} {
		m := decodeMap(t, readAll(t, post(t, url, `{"model":"`+model+`","messages":[{"role":"user","content":"hi"}]}`).Body))
		assert.NotContains(t, firstChoice(m)["message"], "reasoning_content", model)
	}
}

func TestQianfanV2WebSearch(t *testing.T) {
	_, url := newQF2(t, QianfanV2Config{})
	get := func(ws string) map[string]any {
		return decodeMap(t, readAll(t, post(t, url, `{"model":"ernie-4.0-8k","messages":[{"role":"user","content":"weather today"}],"web_search":`+ws+`}`).Body))
	}
	m := get(`{"enable":true}`)
	results := m["search_results"].([]any)
	require.Len(t, results, 2)
	assert.Equal(t, map[string]any{"index": float64(1), "url": "https://example.com/search/1?q=weather+today", "title": "Result 1 for weather today"}, results[0])
	assert.Equal(t, float64(2), results[1].(map[string]any)["index"])
	u := m["usage"].(map[string]any)
	// prompt 3 + search tokens: two titles of 5 words.
	assert.Equal(t, map[string]any{"search_tokens": float64(10)}, u["prompt_tokens_details"])
	assert.Equal(t, float64(13), u["prompt_tokens"])
	assert.Equal(t, float64(13+5), u["total_tokens"])

	assert.Len(t, get(`{"enable":true,"search_num":5}`)["search_results"], 5)
	assert.Len(t, get(`{"enable":true,"reference_num":3}`)["search_results"], 3)
	assert.Len(t, get(`{"enable":true,"search_number":4,"reference_number":10}`)["search_results"], 4, "reference capped at search")

	off := get(`{"enable":false,"search_num":5}`)
	assert.NotContains(t, off, "search_results")
	assert.NotContains(t, off["usage"], "prompt_tokens_details")
}

func TestQianfanV2ToolCallAndContentFilter(t *testing.T) {
	_, url := newQF2(t, QianfanV2Config{})
	tools := `"tools":[{"type":"function","function":{"name":"web_search","parameters":{"type":"object"}}}]`
	m := decodeMap(t, readAll(t, post(t, url, `{"model":"ernie-4.0-8k",`+tools+`,"messages":[{"role":"user","content":"weather"}]}`).Body))
	c := firstChoice(m)
	assert.Equal(t, "tool_calls", c["finish_reason"])
	calls := c["message"].(map[string]any)["tool_calls"].([]any)
	require.Len(t, calls, 1)
	call := calls[0].(map[string]any)
	assert.Equal(t, "function", call["type"])
	assert.Equal(t, map[string]any{"name": "web_search", "arguments": `{"query":"weather"}`}, call["function"])

	next := `{"model":"ernie-4.0-8k",` + tools + `,"messages":[{"role":"user","content":"weather"},` +
		`{"role":"assistant","content":"","tool_calls":[{"id":"` + call["id"].(string) + `","type":"function","function":{"name":"web_search","arguments":"{}"}}]},` +
		`{"role":"tool","tool_call_id":"` + call["id"].(string) + `","content":"sunny"}]}`
	m = decodeMap(t, readAll(t, post(t, url, next).Body))
	assert.Equal(t, "Tool result: sunny", firstChoice(m)["message"].(map[string]any)["content"])
	assert.Equal(t, "normal", firstChoice(m)["finish_reason"])

	m = decodeMap(t, readAll(t, post(t, url, `{"model":"ernie-4.0-8k","messages":[{"role":"user","content":"bad [[content_filter]]"}]}`).Body))
	c = firstChoice(m)
	assert.Equal(t, "content_filter", c["finish_reason"])
	assert.Equal(t, float64(1), c["flag"])
	assert.Equal(t, float64(-1), c["ban_round"])

	// DeepSeek's insufficient_system_resource does not exist here.
	m = decodeMap(t, readAll(t, post(t, url, `{"model":"deepseek-v3","messages":[{"role":"user","content":"[[insufficient]]"}]}`).Body))
	assert.Equal(t, "stop", firstChoice(m)["finish_reason"])
}

func TestQianfanV2StreamFraming(t *testing.T) {
	for _, includeUsage := range []bool{true, false} {
		t.Run(fmt.Sprintf("include_usage=%v", includeUsage), func(t *testing.T) {
			_, url := newQF2(t, QianfanV2Config{KeepAlives: 2})
			body := fmt.Sprintf(`{"model":"ernie-4.0-8k","stream":true,"stream_options":{"include_usage":%v},"web_search":{"enable":true,"search_num":1},"messages":[{"role":"user","content":"tell me  a\nstory"}]}`, includeUsage)
			resp := post(t, url, body)
			require.Equal(t, 200, resp.StatusCode)
			assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
			raw := readAll(t, resp.Body)
			require.True(t, bytes.HasPrefix(raw, []byte(": keep-alive\n\n: keep-alive\n\nevent: message\ndata: {")), "%q", raw)
			require.True(t, bytes.HasSuffix(raw, []byte("}\n\ndata: [DONE]\n\n")), "%q", raw)

			s, err := oaiReadSSE(t, bytes.NewReader(raw))
			require.NoError(t, err)
			assert.Len(t, s.comments, 2)
			cs := chunks(t, s.data)
			require.Len(t, cs, 1+7+1) // role, 7 content pieces, finish
			assert.Equal(t, "message", s.events[0])
			assert.Equal(t, "message", s.events[len(cs)-1])
			assert.Equal(t, "", s.events[1])

			var answer strings.Builder
			for i, c := range cs {
				assert.Equal(t, "chat.completion.chunk", c["object"])
				assert.Equal(t, cs[0]["id"], c["id"])
				assert.Regexp(t, `^as-`, c["id"])
				assert.Equal(t, "ernie-4.0-8k", c["model"])
				ch := firstChoice(c)
				assert.Equal(t, float64(0), ch["flag"])
				last := i == len(cs)-1
				usage, hasUsage := c["usage"]
				switch {
				case last && includeUsage:
					// prompt 5 + 7 search tokens (the title "Result 1 for
					// tell me  a\nstory"); answer 7 words.
					assert.Equal(t, map[string]any{"prompt_tokens": float64(12), "completion_tokens": float64(7), "total_tokens": float64(19),
						"prompt_tokens_details": map[string]any{"search_tokens": float64(7)}}, usage)
				case includeUsage:
					assert.True(t, hasUsage)
					assert.Nil(t, usage)
				default:
					assert.False(t, hasUsage, "chunk %d", i)
				}
				if i == 0 {
					assert.Len(t, c["search_results"], 1)
					assert.Equal(t, map[string]any{"role": "assistant", "content": ""}, ch["delta"])
				} else {
					assert.NotContains(t, c, "search_results")
				}
				if last {
					assert.Equal(t, "normal", ch["finish_reason"])
				} else {
					assert.Nil(t, ch["finish_reason"])
					answer.WriteString(ch["delta"].(map[string]any)["content"].(string))
				}
			}
			assert.Equal(t, "Hello! You said: tell me  a\nstory", answer.String())
		})
	}
}

func TestQianfanV2StreamReasoningAndTools(t *testing.T) {
	_, url := newQF2(t, QianfanV2Config{})
	s, err := oaiReadSSE(t, post(t, url, qf2StreamBody("deepseek-r1")).Body)
	require.NoError(t, err)
	var reasoning, content strings.Builder
	cs := chunks(t, s.data)
	for _, c := range cs[1:] {
		d := firstChoice(c)["delta"].(map[string]any)
		if r, ok := d["reasoning_content"].(string); ok {
			reasoning.WriteString(r)
		} else {
			content.WriteString(d["content"].(string))
		}
	}
	assert.Equal(t, `The user said "one two three". I will answer briefly.`, reasoning.String())
	assert.Equal(t, "Hello! You said: one two three", content.String())
	assert.Equal(t, "stop", firstChoice(cs[len(cs)-1])["finish_reason"])

	s, err = oaiReadSSE(t, post(t, url, `{"model":"ernie-4.0-8k","stream":true,"tools":[{"type":"function","function":{"name":"f"}}],"messages":[{"role":"user","content":"x"}]}`).Body)
	require.NoError(t, err)
	cs = chunks(t, s.data)
	call := firstChoice(cs[1])["delta"].(map[string]any)["tool_calls"].([]any)[0].(map[string]any)
	assert.Equal(t, "f", call["function"].(map[string]any)["name"])
	assert.Equal(t, "tool_calls", firstChoice(cs[len(cs)-1])["finish_reason"])
}

func TestQianfanV2StreamMatchesNonStream(t *testing.T) {
	_, url := newQF2(t, QianfanV2Config{})
	req := `{"model":"ernie-x1-32k","max_completion_tokens":12,%s"messages":[{"role":"user","content":" lead and  trail  "}]}`
	m := decodeMap(t, readAll(t, post(t, url, fmt.Sprintf(req, "")).Body))
	msg := firstChoice(m)["message"].(map[string]any)
	s, err := oaiReadSSE(t, post(t, url, fmt.Sprintf(req, `"stream":true,`)).Body)
	require.NoError(t, err)
	var content, reasoning strings.Builder
	cs := chunks(t, s.data)
	for _, c := range cs[1:] {
		d := firstChoice(c)["delta"].(map[string]any)
		if r, ok := d["reasoning_content"].(string); ok {
			reasoning.WriteString(r)
		} else {
			content.WriteString(d["content"].(string))
		}
	}
	assert.Equal(t, msg["content"], content.String())
	assert.Equal(t, msg["reasoning_content"], reasoning.String())
	assert.Equal(t, firstChoice(m)["finish_reason"], firstChoice(cs[len(cs)-1])["finish_reason"])
}

func TestQianfanV2AuthAndAppID(t *testing.T) {
	const key = "bce-v3/ALTAK-abcdefgh/0123456789abcdef"
	_, url := newQF2(t, QianfanV2Config{APIKey: key, AppID: "app-42"})
	cases := []struct {
		name   string
		hdr    []string
		status int
		code   string
	}{
		{"ok", []string{"Authorization", "Bearer " + key, "appid", "app-42"}, 200, ""},
		{"lowercase bearer", []string{"Authorization", "bearer " + key, "appid", "app-42"}, 200, ""},
		{"no key", []string{"appid", "app-42"}, 401, "access_denied"},
		{"wrong key", []string{"Authorization", "Bearer bce-v3/ALTAK-x/y", "appid", "app-42"}, 401, "access_denied"},
		{"no appid", []string{"Authorization", "Bearer " + key}, 401, "no_parameter_permission"},
		{"wrong appid", []string{"Authorization", "Bearer " + key, "appid", "app-43"}, 401, "no_parameter_permission"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := post(t, url, qf2Hi, tc.hdr...)
			require.Equal(t, tc.status, resp.StatusCode)
			if tc.status == 200 {
				return
			}
			e := qf2ErrorOf(t, resp)
			assert.Equal(t, "access_denied", e["type"])
			assert.Equal(t, tc.code, e["code"])
			assert.NotContains(t, e["message"], "0123456789abcdef")
		})
	}
	// Models need the key too.
	assert.Equal(t, 401, do(t, http.MethodGet, url+"/models", "").StatusCode)
}

func TestQianfanV2RoutesAndRequestID(t *testing.T) {
	q, url := newQF2(t, QianfanV2Config{})
	resp := post(t, url, qf2Hi, "X-Request-Id", "trace-123")
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "trace-123", resp.Header.Get("X-Request-Id"))

	// Without the /v2 prefix too.
	base := strings.TrimSuffix(url, "/v2")
	assert.Equal(t, 200, post(t, base, qf2Hi).StatusCode)

	resp = do(t, http.MethodGet, url+"/models", "")
	require.Equal(t, 200, resp.StatusCode)
	m := decodeMap(t, readAll(t, resp.Body))
	assert.Equal(t, "list", m["object"])
	var ids []string
	for _, d := range m["data"].([]any) {
		ids = append(ids, d.(map[string]any)["id"].(string))
	}
	assert.Contains(t, ids, "ernie-4.0-8k")
	assert.Contains(t, ids, "deepseek-r1")
	assert.Len(t, ids, len(qf2Models))

	resp = do(t, http.MethodGet, url+"/nope", "", "X-Request-Id", "r2")
	assert.Equal(t, 404, resp.StatusCode)
	assert.Equal(t, "r2", resp.Header.Get("X-Request-Id"))
	qf2ErrorOf(t, resp)
	resp = do(t, http.MethodGet, url+"/chat/completions", "")
	assert.Equal(t, 405, resp.StatusCode)
	assert.Equal(t, "POST", resp.Header.Get("Allow"))
	qf2ErrorOf(t, resp)

	// GET routes do not consume faults.
	q.Enqueue(ServerError())
	assert.Equal(t, 200, do(t, http.MethodGet, url+"/models", "").StatusCode)
	assert.Equal(t, 500, post(t, url, qf2Hi).StatusCode)
}

func TestQianfanV2StatusFaults(t *testing.T) {
	cases := []struct {
		name       string
		fault      Fault
		status     int
		typ, code  string
		msg        string
		retryAfter string
	}{
		{"rpm", QianfanV2RateLimited("3"), 429, "rate_limit_exceeded", "rpm_rate_limit_exceeded", "Rate limit reached for RPM", "3"},
		{"tpm", QianfanV2TPMLimited(), 429, "rate_limit_exceeded", "tpm_rate_limit_exceeded", "Rate limit reached for TPM", ""},
		{"generic 429", RateLimited(""), 429, "rate_limit_exceeded", "rpm_rate_limit_exceeded", "RPM", ""},
		{"server error", ServerError(), 500, "server_error", "internal_error", "", ""},
		{"overloaded", Overloaded(), 503, "server_error", "service_unavailable", "", ""},
		{"unauthorized", Unauthorized(), 401, "access_denied", "access_denied", "", ""},
		{"bad request", Fault{Status: 400}, 400, "invalid_request_error", "invalid_argument", "Invalid Argument", ""},
		{"custom", Fault{Status: 400, Code: "characters_too_long", Message: "too long"}, 400, "invalid_request_error", "characters_too_long", "too long", ""},
		{"code message", Fault{Status: 400, Code: "tokens_too_long"}, 400, "invalid_request_error", "tokens_too_long", "Prompt tokens too long", ""},
		{"odd status", Fault{Status: 42}, 500, "server_error", "internal_error", "", ""},
		{"error code ignored", Fault{Status: 502, ErrorCode: 18}, 502, "server_error", "internal_error", "Bad Gateway", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q, url := newQF2(t, QianfanV2Config{})
			q.Enqueue(tc.fault)
			resp := post(t, url, `{"not":"even valid"}`)
			require.Equal(t, tc.status, resp.StatusCode)
			assert.Equal(t, tc.retryAfter, resp.Header.Get("Retry-After"))
			e := qf2ErrorOf(t, resp)
			assert.Equal(t, tc.typ, e["type"])
			assert.Equal(t, tc.code, e["code"])
			assert.Contains(t, e["message"], tc.msg)
			assert.Equal(t, 200, post(t, url, qf2Hi).StatusCode, "queue drained")
		})
	}
}

func TestQianfanV2ConnectionFaults(t *testing.T) {
	q, url := newQF2(t, QianfanV2Config{})
	q.Enqueue(ConnectionReset())
	_, err := http.Post(url+"/chat/completions", "application/json", strings.NewReader(qf2Hi))
	require.Error(t, err)
	assert.Equal(t, 200, post(t, url, qf2Hi).StatusCode)

	q.Enqueue(Fault{Latency: 30 * time.Millisecond})
	start := time.Now()
	assert.Equal(t, 200, post(t, url, qf2Hi).StatusCode)
	assert.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond)

	q.Enqueue(Fault{Latency: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"/chat/completions", strings.NewReader(qf2Hi))
	_, err = http.DefaultClient.Do(req)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestQianfanV2StreamFaults(t *testing.T) {
	// ernie-4.0-8k, "one two three": role, 6 content pieces, finish = 8
	// JSON events, then [DONE].
	body := qf2StreamBody("ernie-4.0-8k")
	t.Run("truncate", func(t *testing.T) {
		for _, n := range []int{1, 3, 8} {
			q, url := newQF2(t, QianfanV2Config{})
			q.Enqueue(TruncatedStream(n))
			s, err := oaiReadSSE(t, post(t, url, body).Body)
			require.NoError(t, err)
			assert.Len(t, s.data, n)
			assert.NotContains(t, s.data, "[DONE]")
		}
	})
	t.Run("abort", func(t *testing.T) {
		for _, n := range []int{1, 8} {
			q, url := newQF2(t, QianfanV2Config{})
			q.Enqueue(AbortedStream(n))
			s, err := oaiReadSSE(t, post(t, url, body).Body)
			require.ErrorIs(t, err, io.ErrUnexpectedEOF)
			assert.Len(t, s.data, n)
		}
	})
	t.Run("error event", func(t *testing.T) {
		for _, n := range []int{1, 4, 8} {
			q, url := newQF2(t, QianfanV2Config{})
			q.Enqueue(QianfanV2StreamError(n))
			resp := post(t, url, body)
			require.Equal(t, 200, resp.StatusCode)
			s, err := oaiReadSSE(t, resp.Body)
			require.NoError(t, err)
			require.Len(t, s.data, n+1)
			assert.NotContains(t, s.data, "[DONE]")
			cs := chunks(t, s.data)
			e := cs[n]
			assert.ElementsMatch(t, []string{"error", "id"}, keys(e))
			assert.Equal(t, cs[0]["id"], e["id"], "the error carries the stream's id")
			assert.Equal(t, map[string]any{"code": "internal_error", "message": "Internal error, please try again later", "type": "server_error"}, e["error"])
		}
	})
	t.Run("error event with code", func(t *testing.T) {
		q, url := newQF2(t, QianfanV2Config{})
		q.Enqueue(Fault{ErrorAfter: 2, Code: "tpm_rate_limit_exceeded"})
		s, err := oaiReadSSE(t, post(t, url, body).Body)
		require.NoError(t, err)
		e := chunks(t, s.data)[2]["error"].(map[string]any)
		assert.Equal(t, "tpm_rate_limit_exceeded", e["code"])
		assert.Equal(t, "Rate limit reached for TPM", e["message"])
	})
	t.Run("beyond end", func(t *testing.T) {
		q, url := newQF2(t, QianfanV2Config{})
		q.Enqueue(QianfanV2StreamError(100), TruncatedStream(100))
		for range 2 {
			s, err := oaiReadSSE(t, post(t, url, body).Body)
			require.NoError(t, err)
			assert.Equal(t, "[DONE]", s.data[len(s.data)-1])
		}
	})
	t.Run("error replaces done", func(t *testing.T) {
		q, url := newQF2(t, QianfanV2Config{})
		q.Enqueue(QianfanV2StreamError(8))
		s, err := oaiReadSSE(t, post(t, url, body).Body)
		require.NoError(t, err)
		require.Len(t, s.data, 9)
		assert.Contains(t, s.data[8], `"error"`)
	})
	t.Run("non-stream ignores stream cuts", func(t *testing.T) {
		q, url := newQF2(t, QianfanV2Config{})
		q.Enqueue(TruncatedStream(1), AbortedStream(1), QianfanV2StreamError(1))
		for range 3 {
			assert.Equal(t, 200, post(t, url, qf2Hi).StatusCode)
		}
	})
}

func TestQianfanV2RecordingAndReset(t *testing.T) {
	q, url := newQF2(t, QianfanV2Config{})
	post(t, url, qf2Hi, "appid", "a1")
	reqs := q.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "/v2/chat/completions", reqs[0].Path)
	assert.Equal(t, "a1", reqs[0].Header.Get("appid"))
	assert.Equal(t, qf2Hi, string(reqs[0].Body))

	q.SetRecording(false)
	post(t, url, qf2Hi)
	assert.Len(t, q.Requests(), 1)
	q.SetRecording(true)

	q.Reset()
	assert.Empty(t, q.Requests())
	a := decodeMap(t, readAll(t, post(t, url, qf2Hi).Body))
	q.Enqueue(ServerError())
	q.Reset()
	b := decodeMap(t, readAll(t, post(t, url, qf2Hi).Body))
	assert.Equal(t, a["id"], b["id"], "Reset restarts ids and drops faults")
}

func TestQianfanV2Deterministic(t *testing.T) {
	get := func(stream bool) []byte {
		_, url := newQF2(t, QianfanV2Config{})
		return readAll(t, post(t, url, fmt.Sprintf(`{"model":"ernie-x1-32k","stream":%v,"messages":[{"role":"user","content":"<b>&</b>"}]}`, stream)).Body)
	}
	for _, stream := range []bool{false, true} {
		a, b := get(stream), get(stream)
		assert.Equal(t, string(a), string(b))
		assert.Contains(t, string(a), `<b>&</b>`, "no HTML escaping")
	}
}

func TestQianfanV2ServeHTTPDirect(t *testing.T) {
	q := NewQianfanV2(QianfanV2Config{KeepAlives: 1, Now: fixedNow})
	serveEach(t, q, "/v2/chat/completions", []string{qf2Hi, qf2StreamBody("ernie-x1-32k"), "\x00\xff", `[]`, `null`, `{"messages":null,"model":null}`,
		`{"model":"ernie-4.0-8k","messages":[{}]}`, `{"model":"ernie-4.0-8k","messages":[{"role":"user","content":5}]}`,
		`{"model":"ernie-4.0-8k","messages":[{"role":"user","content":[1]}]}`, `{"model":"ernie-4.0-8k","web_search":{"enable":true},"messages":[{"role":"user","content":"x"}]}`},
		assertErrorBody)
}

func TestQianfanV2Concurrent(t *testing.T) {
	q, url := newQF2(t, QianfanV2Config{KeepAlives: 1})
	stressChats(t, q, url+"/chat/completions", 10, func(_, i int) string {
		if i%2 == 1 {
			return qf2StreamBody("ernie-x1-32k")
		}
		return qf2Hi
	}, 429, QianfanV2TPMLimited(), QianfanV2StreamError(2))
}

func BenchmarkQianfanV2Chat(b *testing.B) {
	benchChat(b, func() vendorMock { return NewQianfanV2(QianfanV2Config{}) }, "/v2/chat/completions", "ernie-4.0-8k")
}
