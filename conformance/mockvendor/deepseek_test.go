package mockvendor

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newDS(t *testing.T, cfg DeepSeekConfig) (*DeepSeek, string) {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = fixedNow
	}
	ds := NewDeepSeek(cfg)
	return ds, serve(t, ds)
}

func errorOf(t *testing.T, resp *http.Response) map[string]any {
	t.Helper()
	_, e := errorEnvelope(t, resp)
	assert.ElementsMatch(t, []string{"message", "type", "param", "code"}, keys(e))
	assert.Nil(t, e["param"])
	assert.IsType(t, "", e["code"])
	return e
}

const hiThinkingOff = `{"model":"deepseek-v4-flash","thinking":{"type":"disabled"},"messages":[{"role":"user","content":"hi"}]}`

func TestDeepSeekValidation(t *testing.T) {
	tools := func(n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = fmt.Sprintf(`{"type":"function","function":{"name":"f%d","parameters":{"type":"object"}}}`, i)
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	stops := func(n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = fmt.Sprintf(`"s%d"`, i)
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	user := `"messages":[{"role":"user","content":"hi"}]`
	cases := []struct {
		name   string
		body   string
		status int
		typ    string
		msg    string // substring
	}{
		{"not json", `{"model":`, 422, "invalid_request_error", "Failed to deserialize the JSON body into the target type: "},
		{"empty body", ``, 422, "invalid_request_error", "Failed to deserialize the JSON body"},
		{"wrong field type", `{"model":"deepseek-v4-flash",` + user + `,"max_tokens":"ten"}`, 422, "invalid_request_error", "invalid type"},
		{"missing model", `{` + user + `}`, 422, "invalid_request_error", "missing field `model`"},
		{"missing messages", `{"model":"deepseek-v4-flash"}`, 422, "invalid_request_error", "missing field `messages`"},
		{"array content", `{"model":"deepseek-v4-flash","messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}`, 422, "invalid_request_error", "invalid type: sequence, expected a string"},
		{"unknown role", `{"model":"deepseek-v4-flash","messages":[{"role":"bot","content":"hi"}]}`, 422, "invalid_request_error", "unknown variant `bot`"},
		{"user null content", `{"model":"deepseek-v4-flash","messages":[{"role":"user","content":null}]}`, 422, "invalid_request_error", "expected a string"},
		{"bad thinking type", `{"model":"deepseek-v4-flash",` + user + `,"thinking":{"type":"auto"}}`, 422, "invalid_request_error", "unknown variant `auto`"},
		{"bad reasoning effort", `{"model":"deepseek-v4-flash",` + user + `,"reasoning_effort":"minimal"}`, 422, "invalid_request_error", "reasoning_effort"},
		{"bad stop type", `{"model":"deepseek-v4-flash",` + user + `,"stop":5}`, 422, "invalid_request_error", "stop"},
		{"retired deepseek-chat", `{"model":"deepseek-chat",` + user + `}`, 400, "invalid_request_error", "The supported API model names are deepseek-v4-pro or deepseek-v4-flash, but you passed deepseek-chat."},
		{"retired deepseek-reasoner", `{"model":"deepseek-reasoner",` + user + `}`, 400, "invalid_request_error", "but you passed deepseek-reasoner."},
		{"unknown model", `{"model":"gpt-4o",` + user + `}`, 400, "invalid_request_error", "Model Not Exist"},
		{"empty messages", `{"model":"deepseek-v4-flash","messages":[]}`, 400, "invalid_request_error", "messages"},
		{"tool without id", `{"model":"deepseek-v4-flash","thinking":{"type":"disabled"},"messages":[{"role":"user","content":"hi"},{"role":"tool","content":"42"}]}`, 400, "invalid_request_error", "tool_call_id"},
		{"json_object without json", `{"model":"deepseek-v4-flash",` + user + `,"response_format":{"type":"json_object"}}`, 400, "invalid_request_error", `Prompt must contain the word "json" in some form to use "response_format" of type "json_object".`},
		{"json_schema", `{"model":"deepseek-v4-flash","messages":[{"role":"user","content":"answer in JSON"}],"response_format":{"type":"json_schema"}}`, 400, "invalid_request_error", "This response_format type is unavailable now"},
		{"too many tools", `{"model":"deepseek-v4-flash",` + user + `,"tools":` + tools(129) + `}`, 400, "invalid_request_error", "128"},
		{"bad tool name", `{"model":"deepseek-v4-flash",` + user + `,"tools":[{"type":"function","function":{"name":"a b"}}]}`, 400, "invalid_request_error", "name"},
		{"too many stops", `{"model":"deepseek-v4-flash",` + user + `,"stop":` + stops(17) + `}`, 400, "invalid_request_error", "16"},
		{"top_logprobs high", `{"model":"deepseek-v4-flash",` + user + `,"logprobs":true,"top_logprobs":21}`, 400, "invalid_request_error", "top_logprobs"},
		{"top_logprobs negative", `{"model":"deepseek-v4-flash",` + user + `,"top_logprobs":-1}`, 400, "invalid_request_error", "top_logprobs"},
		{"temperature", `{"model":"deepseek-v4-flash",` + user + `,"temperature":2.5}`, 400, "invalid_request_error", "temperature"},
		{"top_p", `{"model":"deepseek-v4-flash",` + user + `,"top_p":1.5}`, 400, "invalid_request_error", "top_p"},
		{"max_tokens zero", `{"model":"deepseek-v4-flash",` + user + `,"max_tokens":0}`, 400, "invalid_request_error", "max_tokens"},
		{"missing reasoning_content", `{"model":"deepseek-v4-flash","tools":[{"type":"function","function":{"name":"search"}}],"messages":[` +
			`{"role":"user","content":"weather?"},` +
			`{"role":"assistant","content":"","tool_calls":[{"id":"call_00_1","type":"function","function":{"name":"search","arguments":"{}"}}]},` +
			`{"role":"tool","tool_call_id":"call_00_1","content":"sunny"}]}`, 400, "invalid_request_error", "Missing `reasoning_content` field in the assistant message at message index 1."},
		{"empty reasoning_content", `{"model":"deepseek-v4-flash","tools":[{"type":"function","function":{"name":"search"}}],"messages":[` +
			`{"role":"user","content":"weather?"},` +
			`{"role":"assistant","content":"","reasoning_content":"","tool_calls":[{"id":"call_00_1","type":"function","function":{"name":"search","arguments":"{}"}}]},` +
			`{"role":"tool","tool_call_id":"call_00_1","content":"sunny"}]}`, 400, "invalid_request_error", "message index 1"},
	}
	_, url := newDS(t, DeepSeekConfig{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := post(t, url, tc.body)
			assert.Equal(t, tc.status, resp.StatusCode)
			e := errorOf(t, resp)
			assert.Equal(t, tc.typ, e["type"])
			assert.Contains(t, e["message"], tc.msg)
		})
	}
}

func TestDeepSeekValidationAccepts(t *testing.T) {
	_, url := newDS(t, DeepSeekConfig{})
	cases := map[string]string{
		"stop string":            `{"model":"deepseek-v4-pro","messages":[{"role":"user","content":"hi"}],"stop":"x"}`,
		"stop array":             `{"model":"deepseek-v4-pro","messages":[{"role":"user","content":"hi"}],"stop":["a","b"]}`,
		"json_object with JSON":  `{"model":"deepseek-v4-flash","messages":[{"role":"system","content":"Reply in Json."},{"role":"user","content":"hi"}],"response_format":{"type":"json_object"}}`,
		"response_format text":   `{"model":"deepseek-v4-flash","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"text"}}`,
		"reasoning_effort xhigh": `{"model":"deepseek-v4-flash","messages":[{"role":"user","content":"hi"}],"reasoning_effort":"xhigh"}`,
		"assistant null content": `{"model":"deepseek-v4-flash","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":null},{"role":"user","content":"again"}]}`,
		"bounds":                 `{"model":"deepseek-v4-flash","messages":[{"role":"user","content":"hi"}],"temperature":2,"top_p":0,"top_logprobs":20,"stop":` + `["1","2","3","4","5","6","7","8","9","10","11","12","13","14","15","16"]}`,
		"thinking off tool turn": `{"model":"deepseek-v4-flash","thinking":{"type":"disabled"},"tools":[{"type":"function","function":{"name":"search"}}],"messages":[{"role":"user","content":"w"},{"role":"assistant","content":"","tool_calls":[{"id":"c","type":"function","function":{"name":"search","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c","content":"sunny"}]}`,
		"unknown fields ignored": `{"model":"deepseek-v4-flash","messages":[{"role":"user","content":"hi","name":"bob"}],"frobnicate":true}`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			resp := post(t, url, body)
			b := readAll(t, resp.Body)
			assert.Equal(t, 200, resp.StatusCode, string(b))
		})
	}
}

func TestDeepSeekNonStreamShape(t *testing.T) {
	_, url := newDS(t, DeepSeekConfig{})
	body := `{"model":"deepseek-v4-flash","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hello there"}]}`
	resp := post(t, url, body)
	require.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	m := decodeMap(t, readAll(t, resp.Body))

	assert.ElementsMatch(t, []string{"id", "object", "created", "model", "system_fingerprint", "choices", "usage"}, keys(m))
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, m["id"])
	assert.Equal(t, "chat.completion", m["object"])
	assert.Equal(t, float64(1766977481), m["created"])
	assert.Equal(t, "deepseek-v4-flash", m["model"])
	assert.Equal(t, "fp_mock_deepseek", m["system_fingerprint"])

	choices := m["choices"].([]any)
	require.Len(t, choices, 1)
	c := choices[0].(map[string]any)
	assert.ElementsMatch(t, []string{"index", "message", "logprobs", "finish_reason"}, keys(c))
	assert.Equal(t, float64(0), c["index"])
	assert.Nil(t, c["logprobs"])
	assert.Equal(t, "stop", c["finish_reason"])
	msg := c["message"].(map[string]any)
	assert.ElementsMatch(t, []string{"role", "content", "reasoning_content"}, keys(msg))
	assert.Equal(t, "assistant", msg["role"])
	assert.Equal(t, "Hello! You said: hello there", msg["content"])
	assert.Equal(t, `The user said "hello there". I will answer briefly.`, msg["reasoning_content"])

	u := m["usage"].(map[string]any)
	assert.ElementsMatch(t, []string{"prompt_tokens", "completion_tokens", "total_tokens", "prompt_tokens_details",
		"prompt_cache_hit_tokens", "prompt_cache_miss_tokens", "completion_tokens_details"}, keys(u))
	// prompt: "be brief"(2)+1 + "hello there"(2)+1 = 6; reasoning 9 words; answer 5 words.
	assert.Equal(t, float64(6), u["prompt_tokens"])
	assert.Equal(t, float64(14), u["completion_tokens"])
	assert.Equal(t, float64(20), u["total_tokens"])
	assert.Equal(t, float64(0), u["prompt_cache_hit_tokens"])
	assert.Equal(t, float64(6), u["prompt_cache_miss_tokens"])
	assert.Equal(t, map[string]any{"cached_tokens": float64(0)}, u["prompt_tokens_details"])
	assert.Equal(t, map[string]any{"reasoning_tokens": float64(9)}, u["completion_tokens_details"])

	// Same (model, first message): the first message is now a cache hit.
	m2 := decodeMap(t, readAll(t, post(t, url, strings.Replace(body, "hello there", "and again", 1)).Body))
	u2 := m2["usage"].(map[string]any)
	assert.Equal(t, float64(3), u2["prompt_cache_hit_tokens"])
	assert.Equal(t, float64(3), u2["prompt_cache_miss_tokens"])
	assert.Equal(t, map[string]any{"cached_tokens": float64(3)}, u2["prompt_tokens_details"])
	assert.NotEqual(t, m["id"], m2["id"])

	// Another model is another cache.
	m3 := decodeMap(t, readAll(t, post(t, url, strings.Replace(body, "v4-flash", "v4-pro", 1)).Body))
	assert.Equal(t, float64(0), m3["usage"].(map[string]any)["prompt_cache_hit_tokens"])
}

func TestDeepSeekThinkingDisabledHasNoReasoningKey(t *testing.T) {
	_, url := newDS(t, DeepSeekConfig{})
	m := decodeMap(t, readAll(t, post(t, url, hiThinkingOff).Body))
	msg := m["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)
	assert.ElementsMatch(t, []string{"role", "content"}, keys(msg))
	u := m["usage"].(map[string]any)
	assert.Equal(t, float64(4), u["completion_tokens"])
	assert.Equal(t, map[string]any{"reasoning_tokens": float64(0)}, u["completion_tokens_details"])
}

func TestDeepSeekDeterministic(t *testing.T) {
	get := func() []byte {
		_, url := newDS(t, DeepSeekConfig{})
		return readAll(t, post(t, url, `{"model":"deepseek-v4-pro","messages":[{"role":"user","content":"<b>&</b>"}]}`).Body)
	}
	a, b := get(), get()
	assert.Equal(t, string(a), string(b))
	assert.Contains(t, string(a), `You said: <b>&</b>`, "no HTML escaping")
}

func TestDeepSeekQueueBlankLines(t *testing.T) {
	_, url := newDS(t, DeepSeekConfig{QueueBlankLines: 3, ChunkDelay: time.Millisecond})
	resp := post(t, url, hiThinkingOff)
	require.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	b := readAll(t, resp.Body)
	require.True(t, bytes.HasPrefix(b, []byte("\n\n\n{")), "%q", b)
	m := decodeMap(t, b)
	assert.Equal(t, "chat.completion", m["object"])
}

type sse struct {
	comments []string
	data     []string // raw payloads, "[DONE]" included
}

func readSSE(t *testing.T, r io.Reader) (sse, error) {
	t.Helper()
	var s sse
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
		case strings.HasPrefix(line, ":"):
			s.comments = append(s.comments, line)
		case strings.HasPrefix(line, "data: "):
			s.data = append(s.data, strings.TrimPrefix(line, "data: "))
		default:
			t.Errorf("unexpected SSE line %q", line)
		}
	}
	return s, sc.Err()
}

func TestDeepSeekStreamFraming(t *testing.T) {
	for _, includeUsage := range []bool{true, false} {
		t.Run(fmt.Sprintf("include_usage=%v", includeUsage), func(t *testing.T) {
			_, url := newDS(t, DeepSeekConfig{KeepAlives: 2})
			content := "tell me  a\nstory"
			body := fmt.Sprintf(`{"model":"deepseek-v4-flash","stream":true,"stream_options":{"include_usage":%v},"messages":[{"role":"user","content":%q}]}`, includeUsage, content)
			resp := post(t, url, body)
			require.Equal(t, 200, resp.StatusCode)
			assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
			assert.Equal(t, "no-cache", resp.Header.Get("Cache-Control"))
			raw := readAll(t, resp.Body)
			require.True(t, bytes.HasPrefix(raw, []byte(": keep-alive\n\n: keep-alive\n\ndata: {")), "%q", raw)
			require.True(t, bytes.HasSuffix(raw, []byte("}\n\ndata: [DONE]\n\n")))

			s, err := readSSE(t, bytes.NewReader(raw))
			require.NoError(t, err)
			assert.Len(t, s.comments, 2)
			require.Equal(t, "[DONE]", s.data[len(s.data)-1])
			cs := chunks(t, s.data)
			require.GreaterOrEqual(t, len(cs), 3)

			id := cs[0]["id"]
			var reasoning, answer strings.Builder
			for i, c := range cs {
				assert.Equal(t, "chat.completion.chunk", c["object"])
				assert.Equal(t, id, c["id"])
				assert.Equal(t, float64(1766977481), c["created"])
				assert.Equal(t, "deepseek-v4-flash", c["model"])
				ch := c["choices"].([]any)
				require.Len(t, ch, 1)
				assert.Contains(t, ch[0], "logprobs")
				assert.Nil(t, ch[0].(map[string]any)["logprobs"])
				last := i == len(cs)-1
				usage, hasUsage := c["usage"]
				switch {
				case last:
					assert.NotNil(t, usage)
				case includeUsage:
					assert.True(t, hasUsage)
					assert.Nil(t, usage)
				default:
					assert.False(t, hasUsage, "chunk %d has usage key", i)
				}
				d := delta(c)
				switch {
				case i == 0:
					assert.Equal(t, map[string]any{"role": "assistant", "content": ""}, d)
					assert.Nil(t, finishOf(c))
				case last:
					assert.Equal(t, map[string]any{"content": ""}, d)
					assert.Equal(t, "stop", finishOf(c))
				default:
					assert.Nil(t, finishOf(c))
					if rc, ok := d["reasoning_content"]; ok {
						assert.Contains(t, d, "content")
						assert.Nil(t, d["content"], "reasoning chunks carry content:null")
						assert.Empty(t, answer.String(), "reasoning precedes the answer")
						reasoning.WriteString(rc.(string))
					} else {
						answer.WriteString(d["content"].(string))
					}
				}
			}
			assert.Equal(t, `The user said "`+content+`". I will answer briefly.`, reasoning.String())
			assert.Equal(t, "Hello! You said: "+content, answer.String())

			// Same usage as the non-stream answer.
			u := cs[len(cs)-1]["usage"].(map[string]any)
			// prompt: 4 words + 1; reasoning 11 words; answer 7 words.
			assert.Equal(t, float64(5), u["prompt_tokens"])
			assert.Equal(t, float64(11+7), u["completion_tokens"])
			assert.Equal(t, float64(23), u["total_tokens"])
			assert.Equal(t, map[string]any{"reasoning_tokens": float64(11)}, u["completion_tokens_details"])
			assert.Equal(t, float64(5), u["prompt_cache_miss_tokens"])
		})
	}
}

func TestDeepSeekStreamMatchesNonStream(t *testing.T) {
	_, url := newDS(t, DeepSeekConfig{})
	req := `{"model":"deepseek-v4-flash","max_tokens":12,%s"messages":[{"role":"user","content":" lead and  trail  "}]}`
	m := decodeMap(t, readAll(t, post(t, url, fmt.Sprintf(req, "")).Body))
	want := m["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)["content"]
	s, err := readSSE(t, post(t, url, fmt.Sprintf(req, `"stream":true,`)).Body)
	require.NoError(t, err)
	var got strings.Builder
	cs := chunks(t, s.data)
	for _, c := range cs[1:] {
		if v, ok := delta(c)["content"].(string); ok {
			got.WriteString(v)
		}
	}
	assert.Equal(t, want, got.String())
	assert.Equal(t, m["choices"].([]any)[0].(map[string]any)["finish_reason"], finishOf(cs[len(cs)-1]))
}

func TestDeepSeekToolCallFlow(t *testing.T) {
	_, url := newDS(t, DeepSeekConfig{})
	toolsJSON := `"tools":[{"type":"function","function":{"name":"web_search","parameters":{"type":"object"}}},{"type":"function","function":{"name":"other"}}]`
	first := `{"model":"deepseek-v4-flash",` + toolsJSON + `,"messages":[{"role":"user","content":"weather in \"Paris\""}]}`

	m := decodeMap(t, readAll(t, post(t, url, first).Body))
	c := m["choices"].([]any)[0].(map[string]any)
	assert.Equal(t, "tool_calls", c["finish_reason"])
	msg := c["message"].(map[string]any)
	assert.Equal(t, "", msg["content"])
	reasoning := msg["reasoning_content"].(string)
	calls := msg["tool_calls"].([]any)
	require.Len(t, calls, 1)
	call := calls[0].(map[string]any)
	assert.ElementsMatch(t, []string{"id", "type", "function"}, keys(call))
	assert.Regexp(t, `^call_00_[0-9a-f]{8}$`, call["id"])
	assert.Equal(t, "function", call["type"])
	fn := call["function"].(map[string]any)
	assert.Equal(t, "web_search", fn["name"])
	assert.JSONEq(t, `{"query":"weather in \"Paris\""}`, fn["arguments"].(string))

	// Streamed: id/name first with empty arguments, then argument pieces.
	s, err := readSSE(t, post(t, url, strings.Replace(first, `"model"`, `"stream":true,"model"`, 1)).Body)
	require.NoError(t, err)
	var args strings.Builder
	sawHeader := false
	cs := chunks(t, s.data)
	for _, ch := range cs {
		tc, ok := delta(ch)["tool_calls"].([]any)
		if !ok {
			continue
		}
		require.Len(t, tc, 1)
		x := tc[0].(map[string]any)
		assert.Equal(t, float64(0), x["index"])
		f := x["function"].(map[string]any)
		if !sawHeader {
			sawHeader = true
			assert.Equal(t, call["id"], x["id"])
			assert.Equal(t, "function", x["type"])
			assert.Equal(t, "web_search", f["name"])
			assert.Equal(t, "", f["arguments"])
			continue
		}
		assert.NotContains(t, x, "id")
		args.WriteString(f["arguments"].(string))
	}
	assert.True(t, sawHeader)
	assert.Equal(t, fn["arguments"], args.String())
	assert.Equal(t, "tool_calls", finishOf(cs[len(cs)-1]))

	// Second turn: the tool result, with reasoning_content passed back.
	second := fmt.Sprintf(`{"model":"deepseek-v4-flash",%s,"messages":[{"role":"user","content":"weather in \"Paris\""},`+
		`{"role":"assistant","content":"","reasoning_content":%q,"tool_calls":[{"id":%q,"type":"function","function":{"name":"web_search","arguments":%q}}]},`+
		`{"role":"tool","tool_call_id":%q,"content":"sunny, 21C"}]}`, toolsJSON, reasoning, call["id"], fn["arguments"], call["id"])
	resp := post(t, url, second)
	b := readAll(t, resp.Body)
	require.Equal(t, 200, resp.StatusCode, string(b))
	c2 := decodeMap(t, b)["choices"].([]any)[0].(map[string]any)
	assert.Equal(t, "stop", c2["finish_reason"])
	assert.Equal(t, "Tool result: sunny, 21C", c2["message"].(map[string]any)["content"])
	assert.NotContains(t, c2["message"], "tool_calls")

	// tool_choice "none" answers in text; a named choice picks that tool.
	none := strings.Replace(first, `"messages"`, `"tool_choice":"none","messages"`, 1)
	c3 := decodeMap(t, readAll(t, post(t, url, none).Body))["choices"].([]any)[0].(map[string]any)
	assert.Equal(t, "stop", c3["finish_reason"])
	named := strings.Replace(first, `"messages"`, `"tool_choice":{"type":"function","function":{"name":"other"}},"messages"`, 1)
	c4 := decodeMap(t, readAll(t, post(t, url, named).Body))["choices"].([]any)[0].(map[string]any)
	assert.Equal(t, "other", c4["message"].(map[string]any)["tool_calls"].([]any)[0].(map[string]any)["function"].(map[string]any)["name"])
}

func TestDeepSeekMaxTokens(t *testing.T) {
	_, url := newDS(t, DeepSeekConfig{})
	cases := []struct {
		name                 string
		max                  int
		thinking             string
		content, reasoning   string
		finish               string
		completion, rsTokens float64
	}{
		// reasoning for "hi" is 8 words: it eats a budget of 8 or less.
		{"reasoning eats budget", 5, "enabled", "", `The user said "hi". I`, "length", 5, 5},
		{"reasoning exactly budget", 8, "enabled", "", `The user said "hi". I will answer briefly.`, "length", 8, 8},
		{"answer truncated", 10, "enabled", "Hello! You", `The user said "hi". I will answer briefly.`, "length", 10, 8},
		{"fits", 12, "enabled", "Hello! You said: hi", `The user said "hi". I will answer briefly.`, "stop", 12, 8},
		{"no thinking truncated", 2, "disabled", "Hello! You", "", "length", 2, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := fmt.Sprintf(`{"model":"deepseek-v4-flash","max_tokens":%d,"thinking":{"type":%q},"messages":[{"role":"user","content":"hi"}]}`, tc.max, tc.thinking)
			resp := post(t, url, body)
			require.Equal(t, 200, resp.StatusCode)
			m := decodeMap(t, readAll(t, resp.Body))
			c := m["choices"].([]any)[0].(map[string]any)
			assert.Equal(t, tc.finish, c["finish_reason"])
			msg := c["message"].(map[string]any)
			assert.Equal(t, tc.content, msg["content"])
			if tc.thinking == "enabled" {
				assert.Equal(t, tc.reasoning, msg["reasoning_content"])
			}
			u := m["usage"].(map[string]any)
			assert.Equal(t, tc.completion, u["completion_tokens"])
			assert.Equal(t, tc.rsTokens, u["completion_tokens_details"].(map[string]any)["reasoning_tokens"])
		})
	}
}

func TestDeepSeekFinishTriggers(t *testing.T) {
	_, url := newDS(t, DeepSeekConfig{})
	for trigger, reason := range map[string]string{"[[insufficient]]": "insufficient_system_resource", "[[content_filter]]": "content_filter"} {
		body := fmt.Sprintf(`{"model":"deepseek-v4-flash","tools":[{"type":"function","function":{"name":"f"}}],"messages":[{"role":"user","content":"x %s"}]}`, trigger)
		c := decodeMap(t, readAll(t, post(t, url, body).Body))["choices"].([]any)[0].(map[string]any)
		assert.Equal(t, reason, c["finish_reason"])
		assert.Equal(t, "Hello! You said: x "+trigger, c["message"].(map[string]any)["content"])
	}
}

func TestDeepSeekLogprobs(t *testing.T) {
	_, url := newDS(t, DeepSeekConfig{})
	body := `{"model":"deepseek-v4-flash","logprobs":true,"top_logprobs":2,"thinking":{"type":"disabled"},"messages":[{"role":"user","content":"é"}]}`
	c := decodeMap(t, readAll(t, post(t, url, body).Body))["choices"].([]any)[0].(map[string]any)
	lp := c["logprobs"].(map[string]any)["content"].([]any)
	require.Len(t, lp, 4)
	var text strings.Builder
	for _, x := range lp {
		e := x.(map[string]any)
		assert.Equal(t, -0.01, e["logprob"])
		assert.Equal(t, []any{}, e["top_logprobs"])
		var bs []byte
		for _, v := range e["bytes"].([]any) {
			bs = append(bs, byte(v.(float64)))
		}
		assert.Equal(t, e["token"], string(bs))
		text.WriteString(e["token"].(string))
	}
	assert.Equal(t, c["message"].(map[string]any)["content"], text.String())
}

func TestDeepSeekRoutes(t *testing.T) {
	ds, url := newDS(t, DeepSeekConfig{})
	ds.Enqueue(ServerError()) // GET routes must not consume it
	for _, p := range []string{"/models", "/v1/models"} {
		resp := do(t, http.MethodGet, url+p, "")
		require.Equal(t, 200, resp.StatusCode)
		assert.JSONEq(t, `{"object":"list","data":[{"id":"deepseek-v4-flash","object":"model","owned_by":"deepseek"},{"id":"deepseek-v4-pro","object":"model","owned_by":"deepseek"}]}`, string(readAll(t, resp.Body)))
	}
	resp := do(t, http.MethodGet, url+"/user/balance", "")
	require.Equal(t, 200, resp.StatusCode)
	assert.JSONEq(t, `{"is_available":true,"balance_infos":[{"currency":"CNY","total_balance":"59.40","granted_balance":"59.40","topped_up_balance":"0.00"}]}`, string(readAll(t, resp.Body)))

	resp = do(t, http.MethodGet, url+"/nope", "")
	assert.Equal(t, 404, resp.StatusCode)
	errorOf(t, resp)
	resp = do(t, http.MethodGet, url+"/chat/completions", "")
	assert.Equal(t, 405, resp.StatusCode)
	assert.Equal(t, "POST", resp.Header.Get("Allow"))
	errorOf(t, resp)
	resp = do(t, http.MethodPost, url+"/models", "")
	assert.Equal(t, 405, resp.StatusCode)

	resp = do(t, http.MethodPost, url+"/v1/chat/completions", hiThinkingOff)
	assert.Equal(t, 500, resp.StatusCode, "the queued fault applies to the first chat request")
	resp = do(t, http.MethodPost, url+"/v1/chat/completions", hiThinkingOff)
	assert.Equal(t, 200, resp.StatusCode)
}

func TestDeepSeekAPIKey(t *testing.T) {
	_, url := newDS(t, DeepSeekConfig{APIKey: "sk-right-key-1234"})
	cases := []struct {
		name, header string
		status       int
		masked       string
	}{
		{"missing", "", 401, "****"},
		{"wrong", "Bearer sk-wrong-key-abcd", 401, "****abcd"},
		{"short", "Bearer abc", 401, "****"},
		{"not bearer", "Basic sk-right-key-1234", 401, "****"},
		{"right", "Bearer sk-right-key-1234", 200, ""},
		{"scheme case", "bearer sk-right-key-1234", 200, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"/chat/completions", "/models", "/user/balance"} {
				method, body := http.MethodGet, ""
				if path == "/chat/completions" {
					method, body = http.MethodPost, hiThinkingOff
				}
				var hdr []string
				if tc.header != "" {
					hdr = []string{"Authorization", tc.header}
				}
				resp := do(t, method, url+path, body, hdr...)
				require.Equal(t, tc.status, resp.StatusCode, path)
				if tc.status != 401 {
					continue
				}
				e := errorOf(t, resp)
				assert.Equal(t, "authentication_error", e["type"])
				assert.Equal(t, "Authentication Fails, Your api key: "+tc.masked+" is invalid", e["message"])
				assert.NotContains(t, e["message"], "wrong-key")
			}
		})
	}
}

func TestDeepSeekStatusFaults(t *testing.T) {
	cases := []struct {
		name   string
		fault  Fault
		status int
		typ    string
		msg    string
	}{
		{"rate limited", RateLimited("1"), 429, "rate_limit_error", "Your current concurrency is 40, which exceeds your concurrency limit of 39"},
		{"server error", ServerError(), 500, "server_error", ""},
		{"overloaded", Overloaded(), 503, "server_error", "Server overloaded, please try again later."},
		{"balance", InsufficientBalance(), 402, "unknown_error", "Insufficient Balance"},
		{"unauthorized", Unauthorized(), 401, "authentication_error", "Authentication Fails, Your api key: ****1234 is invalid"},
		{"invalid params", InvalidParams("messages[0]: oops"), 422, "invalid_request_error", "Failed to deserialize the JSON body into the target type: messages[0]: oops"},
		{"custom message", Fault{Status: 400, Message: "context too long"}, 400, "invalid_request_error", "context too long"},
		{"odd status", Fault{Status: 42}, 500, "server_error", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ds, url := newDS(t, DeepSeekConfig{})
			ds.Enqueue(tc.fault)
			resp := post(t, url, hiThinkingOff, "Authorization", "Bearer sk-anything-1234")
			require.Equal(t, tc.status, resp.StatusCode)
			assert.Equal(t, tc.fault.RetryAfter, resp.Header.Get("Retry-After"))
			e := errorOf(t, resp)
			assert.Equal(t, tc.typ, e["type"])
			assert.NotEmpty(t, e["message"])
			assert.Contains(t, e["message"], tc.msg)
			// The queue is now empty.
			assert.Equal(t, 200, post(t, url, hiThinkingOff).StatusCode)
		})
	}
}

func TestDeepSeekConnectionReset(t *testing.T) {
	ds, url := newDS(t, DeepSeekConfig{})
	ds.Enqueue(ConnectionReset())
	req, err := http.NewRequest(http.MethodPost, url+"/chat/completions", strings.NewReader(hiThinkingOff))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		_ = resp.Body.Close()
	}
	require.Error(t, err)
	assert.Equal(t, 200, post(t, url, hiThinkingOff).StatusCode)
}

func streamBody() string {
	return `{"model":"deepseek-v4-flash","stream":true,"thinking":{"type":"disabled"},"messages":[{"role":"user","content":"one two three"}]}`
}

func TestDeepSeekStreamFaults(t *testing.T) {
	// Stream for "one two three" without thinking: role, 6 content chunks,
	// finish = 8 JSON events, then [DONE].
	t.Run("truncate", func(t *testing.T) {
		for _, n := range []int{1, 3, 8} {
			ds, url := newDS(t, DeepSeekConfig{})
			ds.Enqueue(TruncatedStream(n))
			resp := post(t, url, streamBody())
			require.Equal(t, 200, resp.StatusCode)
			s, err := readSSE(t, resp.Body)
			require.NoError(t, err, "truncation ends the body cleanly")
			assert.Len(t, s.data, n)
			assert.NotContains(t, s.data, "[DONE]")
		}
	})
	t.Run("truncate beyond end", func(t *testing.T) {
		ds, url := newDS(t, DeepSeekConfig{})
		ds.Enqueue(TruncatedStream(100))
		s, err := readSSE(t, post(t, url, streamBody()).Body)
		require.NoError(t, err)
		assert.Equal(t, "[DONE]", s.data[len(s.data)-1])
	})
	t.Run("abort", func(t *testing.T) {
		for _, n := range []int{1, 4, 8} {
			ds, url := newDS(t, DeepSeekConfig{})
			ds.Enqueue(AbortedStream(n))
			resp := post(t, url, streamBody())
			require.Equal(t, 200, resp.StatusCode)
			s, err := readSSE(t, resp.Body)
			require.ErrorIs(t, err, io.ErrUnexpectedEOF)
			assert.Len(t, s.data, n)
		}
	})
	t.Run("non-stream ignores stream cuts", func(t *testing.T) {
		ds, url := newDS(t, DeepSeekConfig{})
		ds.Enqueue(TruncatedStream(1), AbortedStream(1))
		assert.Equal(t, 200, post(t, url, hiThinkingOff).StatusCode)
		assert.Equal(t, 200, post(t, url, hiThinkingOff).StatusCode)
		s, err := readSSE(t, post(t, url, streamBody()).Body)
		require.NoError(t, err)
		assert.Equal(t, "[DONE]", s.data[len(s.data)-1])
	})
}

func TestDeepSeekLatency(t *testing.T) {
	ds, url := newDS(t, DeepSeekConfig{Latency: 20 * time.Millisecond})
	checkLatency(t, ds, url+"/chat/completions", hiThinkingOff)
}

func TestDeepSeekStreamCancel(t *testing.T) {
	_, url := newDS(t, DeepSeekConfig{ChunkDelay: 20 * time.Millisecond})
	checkStreamCancel(t, url+"/chat/completions", streamBody(), "data: ")
}

func TestDeepSeekRecording(t *testing.T) {
	ds, url := newDS(t, DeepSeekConfig{})
	post(t, url, hiThinkingOff, "X-Trace", "abc")
	do(t, http.MethodGet, url+"/models?x=1", "")
	reqs := ds.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "POST", reqs[0].Method)
	assert.Equal(t, "/chat/completions", reqs[0].Path)
	assert.Equal(t, "abc", reqs[0].Header.Get("X-Trace"))
	assert.Equal(t, hiThinkingOff, string(reqs[0].Body))
	assert.Equal(t, "/models", reqs[1].Path)
	assert.Equal(t, "x=1", reqs[1].RawQuery)
	assert.NotNil(t, reqs[1].Body)

	// The result is a copy.
	reqs[0].Body[0] = 'X'
	reqs[0].Header.Set("X-Trace", "changed")
	assert.Equal(t, hiThinkingOff, string(ds.Requests()[0].Body))
	assert.Equal(t, "abc", ds.Requests()[0].Header.Get("X-Trace"))

	ds.SetRecording(false)
	post(t, url, hiThinkingOff)
	assert.Len(t, ds.Requests(), 2)
	ds.SetRecording(true)
	post(t, url, hiThinkingOff)
	assert.Len(t, ds.Requests(), 3)

	ds.Enqueue(ServerError())
	ds.Reset()
	assert.Empty(t, ds.Requests())
	assert.Equal(t, 200, post(t, url, hiThinkingOff).StatusCode, "Reset drops pending faults")
}

func TestDeepSeekResetRestartsIDs(t *testing.T) {
	ds, url := newDS(t, DeepSeekConfig{})
	a := decodeMap(t, readAll(t, post(t, url, hiThinkingOff).Body))
	ds.Reset()
	b := decodeMap(t, readAll(t, post(t, url, hiThinkingOff).Body))
	assert.Equal(t, a["id"], b["id"])
	assert.Equal(t, a["usage"], b["usage"], "cache state reset too")
}

func TestListen(t *testing.T) {
	ds := NewDeepSeek(DeepSeekConfig{})
	srv, err := Listen("127.0.0.1:0", ds)
	require.NoError(t, err)
	assert.Regexp(t, `^http://127\.0\.0\.1:\d+$`, srv.URL())

	// A stream in flight when the server closes.
	ds.Enqueue(Fault{})
	slow := NewDeepSeek(DeepSeekConfig{ChunkDelay: time.Hour})
	srv2, err := Listen("", slow)
	require.NoError(t, err)
	resp2, err := http.Post(srv2.URL()+"/chat/completions", "application/json", strings.NewReader(streamBody()))
	require.NoError(t, err)
	defer resp2.Body.Close()

	resp, err := http.Get(srv.URL() + "/models")
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	_ = resp.Body.Close()

	done := make(chan error, 1)
	go func() { done <- srv2.Close() }()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return while a stream was in flight")
	}
	_, err = io.ReadAll(resp2.Body)
	assert.Error(t, err)

	require.NoError(t, srv.Close())
	require.NoError(t, srv.Close(), "Close is idempotent")
	_, err = http.Get(srv.URL() + "/models")
	assert.Error(t, err)

	_, err = Listen("127.0.0.1:0", nil)
	assert.Error(t, err)
	_, err = Listen("not an address", ds)
	assert.Error(t, err)
}

func TestListenWildcardURLIsDialable(t *testing.T) {
	srv, err := Listen(":0", NewDeepSeek(DeepSeekConfig{}))
	require.NoError(t, err)
	defer srv.Close()
	assert.True(t, strings.HasPrefix(srv.URL(), "http://127.0.0.1:"), srv.URL())
}

func TestDeepSeekConcurrent(t *testing.T) {
	ds, url := newDS(t, DeepSeekConfig{KeepAlives: 1, QueueBlankLines: 1})
	stressChats(t, ds, url+"/chat/completions", 10, func(_, i int) string {
		if i%2 == 1 {
			return streamBody()
		}
		return hiThinkingOff
	}, 503, Overloaded())
}

// TestDeepSeekServeHTTPDirect checks the handler works without a network
// (users may call ServeHTTP with a recorder) and never panics on odd input.
func TestDeepSeekServeHTTPDirect(t *testing.T) {
	ds := NewDeepSeek(DeepSeekConfig{QueueBlankLines: 2, KeepAlives: 1, Now: fixedNow})
	serveEach(t, ds, "/chat/completions", []string{hiThinkingOff, streamBody(), "\x00\xff", `[]`, `null`, `{"messages":null,"model":null}`, `{"model":"deepseek-v4-flash","messages":[{}]}`}, nil)
}

func TestDeepSeekBodyTooLarge(t *testing.T) {
	_, url := newDS(t, DeepSeekConfig{})
	big := `{"model":"deepseek-v4-flash","messages":[{"role":"user","content":"` + strings.Repeat("a", maxBodyBytes) + `"}]}`
	resp := post(t, url, big)
	assert.Equal(t, 413, resp.StatusCode)
	errorOf(t, resp)
}

func TestMaskKey(t *testing.T) {
	assert.Equal(t, "****", maskKey(""))
	assert.Equal(t, "****", maskKey("sk-1234"))
	assert.Equal(t, "****5678", maskKey("sk-12345678"))
	assert.Equal(t, "****ääää", maskKey("sk-xxxxääää"))
}

func TestTokens(t *testing.T) {
	assert.Equal(t, 0, countWords(""))
	assert.Equal(t, 3, countWords("  a b\n\tc "))
	assert.Equal(t, "a b", truncateWords("a b  c", 2))
	assert.Equal(t, "a b  c ", truncateWords("a b  c ", 5))
	var pieces []string
	for rest := " a  b\nc "; rest != ""; {
		var p string
		p, rest = nextPiece(rest)
		pieces = append(pieces, p)
	}
	assert.Equal(t, []string{" a  ", "b\n", "c "}, pieces)
	assert.Equal(t, mockUUID(7), mockUUID(7))
	assert.NotEqual(t, mockUUID(7), mockUUID(8))
}

func BenchmarkDeepSeekChat(b *testing.B) {
	benchChat(b, func() vendorMock { return NewDeepSeek(DeepSeekConfig{}) }, "/chat/completions", "deepseek-v4-flash")
}
