package mockvendor

import (
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

func newOAI(t *testing.T, cfg OpenAIConfig) (*OpenAI, string) {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = fixedNow
	}
	o := NewOpenAI(cfg)
	return o, serve(t, o) + "/v1"
}

// oaiErrorOf decodes OpenAI's error envelope and checks its key set.
func oaiErrorOf(t *testing.T, resp *http.Response) map[string]any {
	t.Helper()
	m, e := errorEnvelope(t, resp)
	assert.ElementsMatch(t, []string{"error"}, keys(m))
	assert.ElementsMatch(t, []string{"message", "type", "param", "code"}, keys(e))
	assert.NotEmpty(t, e["message"])
	return e
}

const oaiHi = `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hello there"}]}`

func oaiStreamBody(extra string) string {
	return `{"model":"gpt-4o-mini","stream":true,` + extra + `"messages":[{"role":"user","content":"one two three"}]}`
}

func TestOpenAIValidation(t *testing.T) {
	user := `"messages":[{"role":"user","content":"hi"}]`
	body := func(rest string) string { return `{"model":"gpt-4o-mini",` + user + `,` + rest + `}` }
	withMsgs := func(msgs string) string { return `{"model":"gpt-4o-mini","messages":[` + msgs + `]}` }
	calls := `{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}},{"id":"c2","type":"function","function":{"name":"f","arguments":"{}"}}]}`
	cases := []struct {
		name, body  string
		status      int
		param, code any // nil: JSON null
		msg         string
	}{
		{"not json", `{"model":`, 400, nil, nil, "We could not parse the JSON body"},
		{"empty body", ``, 400, nil, nil, "We could not parse the JSON body"},
		{"array body", `[]`, 400, nil, nil, "We could not parse the JSON body"},
		{"wrong type", body(`"temperature":"hot"`), 400, "temperature", "invalid_type", "Invalid type for 'temperature'"},
		{"bad stop type", body(`"stop":5`), 400, "stop", "invalid_type", "Invalid type for 'stop'"},
		{"missing model", `{` + user + `}`, 400, nil, nil, "you must provide a model parameter"},
		{"missing messages", `{"model":"gpt-4o-mini"}`, 400, "messages", "missing_required_parameter", "Missing required parameter: 'messages'."},
		{"empty messages", `{"model":"gpt-4o-mini","messages":[]}`, 400, "messages", "empty_array", "empty array"},
		{"bad role", withMsgs(`{"role":"bot","content":"hi"}`), 400, "messages[0].role", "invalid_value", "Invalid value: 'bot'."},
		{"missing role", withMsgs(`{"content":"hi"}`), 400, "messages[0].role", "missing_required_parameter", "messages[0].role"},
		{"missing content", withMsgs(`{"role":"user"}`), 400, "messages[0].content", "missing_required_parameter", "messages[0].content"},
		{"null content", withMsgs(`{"role":"user","content":null}`), 400, "messages[0].content", "invalid_type", "got null"},
		{"number content", withMsgs(`{"role":"user","content":5}`), 400, "messages[0].content", "invalid_type", "messages[0].content"},
		{"assistant without content", withMsgs(`{"role":"user","content":"a"},{"role":"assistant"},{"role":"user","content":"b"}`), 400, "messages[1].content", "missing_required_parameter", ""},
		{"bad part", withMsgs(`{"role":"system","content":[{"type":"image_url","image_url":{"url":"x"}}]},{"role":"user","content":"hi"}`), 400, "messages[0].content[0].type", "invalid_value", "'image_url'"},
		{"text part without text", withMsgs(`{"role":"user","content":[{"type":"text"}]}`), 400, "messages[0].content[0].text", "missing_required_parameter", ""},
		{"tool without calls", withMsgs(`{"role":"user","content":"a"},{"role":"tool","tool_call_id":"c1","content":"x"}`), 400, "messages.[1].role", nil, "must be a response to a preceeding message with 'tool_calls'"},
		{"tool wrong id", withMsgs(`{"role":"user","content":"a"},` + calls + `,{"role":"tool","tool_call_id":"c9","content":"x"}`), 400, "messages.[2].role", nil, "preceeding"},
		{"tool without id", withMsgs(`{"role":"user","content":"a"},` + calls + `,{"role":"tool","content":"x"}`), 400, "messages[2].tool_call_id", "missing_required_parameter", ""},
		{"unanswered call", withMsgs(`{"role":"user","content":"a"},` + calls + `,{"role":"tool","tool_call_id":"c1","content":"x"},{"role":"user","content":"b"}`), 400, "messages.[1].role", nil, "did not have response messages: c2"},
		{"unanswered at end", withMsgs(`{"role":"user","content":"a"},` + calls), 400, "messages.[1].role", nil, "c1, c2"},
		{"temperature high", body(`"temperature":2.5`), 400, "temperature", "decimal_above_max_value", "Expected a value <= 2, but got 2.5 instead."},
		{"temperature low", body(`"temperature":-1`), 400, "temperature", "decimal_below_min_value", ">= 0"},
		{"top_p", body(`"top_p":1.1`), 400, "top_p", "decimal_above_max_value", ""},
		{"presence_penalty", body(`"presence_penalty":-3`), 400, "presence_penalty", "decimal_below_min_value", ""},
		{"n zero", body(`"n":0`), 400, "n", "integer_below_min_value", "Invalid 'n': integer below minimum value. Expected a value >= 1, but got 0 instead."},
		{"n big", body(`"n":129`), 400, "n", "integer_above_max_value", ""},
		{"max_tokens zero", body(`"max_tokens":0`), 400, "max_tokens", "integer_below_min_value", ""},
		{"max_completion_tokens zero", body(`"max_completion_tokens":0`), 400, "max_completion_tokens", "integer_below_min_value", ""},
		{"top_logprobs", body(`"top_logprobs":21`), 400, "top_logprobs", "integer_above_max_value", ""},
		{"stop five", body(`"stop":["a","b","c","d","e"]`), 400, "stop", "array_above_max_length", "maximum length 4"},
		{"tool type", body(`"tools":[{"type":"retrieval"}]`), 400, "tools[0].type", "invalid_value", ""},
		{"tool no function", body(`"tools":[{"type":"function"}]`), 400, "tools[0].function", "missing_required_parameter", ""},
		{"tool name", body(`"tools":[{"type":"function","function":{"name":"a b"}}]`), 400, "tools[0].function.name", "invalid_value", "pattern"},
		{"tool_choice without tools", body(`"tool_choice":"auto"`), 400, "tool_choice", nil, "only allowed when 'tools' are specified"},
		{"tool_choice bad", body(`"tools":[{"type":"function","function":{"name":"a"}}],"tool_choice":"always"`), 400, "tool_choice", "invalid_value", ""},
		{"tool_choice unknown", body(`"tools":[{"type":"function","function":{"name":"a"}}],"tool_choice":{"type":"function","function":{"name":"b"}}`), 400, "tool_choice", "invalid_value", "'b'"},
		{"json_object without json", body(`"response_format":{"type":"json_object"}`), 400, "messages", nil, "must contain the word 'json'"},
		{"json_schema missing", body(`"response_format":{"type":"json_schema"}`), 400, "response_format.json_schema", "missing_required_parameter", ""},
		{"response_format type", body(`"response_format":{"type":"yaml"}`), 400, "response_format.type", "invalid_value", "'yaml'"},
		{"stream_options without stream", body(`"stream_options":{"include_usage":true}`), 400, "stream_options", nil, "only allowed when 'stream' is enabled"},
	}
	_, url := newOAI(t, OpenAIConfig{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := post(t, url, tc.body)
			assert.Equal(t, tc.status, resp.StatusCode)
			e := oaiErrorOf(t, resp)
			assert.Equal(t, "invalid_request_error", e["type"])
			assert.Equal(t, tc.param, e["param"])
			assert.Equal(t, tc.code, e["code"])
			assert.Contains(t, e["message"], tc.msg)
		})
	}
}

func TestOpenAIValidationAccepts(t *testing.T) {
	_, url := newOAI(t, OpenAIConfig{})
	calls := `{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}},{"id":"c2","type":"function","function":{"name":"f","arguments":"{}"}}]}`
	cases := map[string]string{
		"all roles":            `{"model":"gpt-4o","messages":[{"role":"system","content":"s"},{"role":"developer","content":"d"},{"role":"user","content":"u"},{"role":"assistant","content":"a"},{"role":"user","content":"u2"}]}`,
		"consecutive users":    `{"model":"gpt-4o","messages":[{"role":"user","content":"a"},{"role":"user","content":"b"}]}`,
		"parts":                `{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"https://x"}},{"type":"input_audio","input_audio":{}}]},{"role":"assistant","content":[{"type":"text","text":"b"},{"type":"refusal","refusal":"no"}]},{"role":"user","content":"c"}]}`,
		"tool flow":            `{"model":"gpt-4o","tools":[{"type":"function","function":{"name":"f"}}],"messages":[{"role":"user","content":"a"},` + calls + `,{"role":"tool","tool_call_id":"c2","content":"y"},{"role":"tool","tool_call_id":"c1","content":"x"}]}`,
		"tool flow no tools":   `{"model":"gpt-4o","messages":[{"role":"user","content":"a"},` + calls + `,{"role":"tool","tool_call_id":"c1","content":"x"},{"role":"tool","tool_call_id":"c2","content":[{"type":"text","text":"y"}]},{"role":"assistant","content":"ok"},{"role":"user","content":"b"}]}`,
		"bounds":               `{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"temperature":2,"top_p":0,"n":128,"frequency_penalty":-2,"presence_penalty":2,"stop":["a","b","c","d"],"max_tokens":1,"max_completion_tokens":1,"top_logprobs":20,"logprobs":true,"seed":-5,"user":"u"}`,
		"stop string":          `{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"stop":"x"}`,
		"json_object":          `{"model":"gpt-4o","messages":[{"role":"system","content":"Answer in JSON."},{"role":"user","content":"hi"}],"response_format":{"type":"json_object"}}`,
		"json_schema":          `{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{}}}}`,
		"tool_choice none":     `{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"none","parallel_tool_calls":false}`,
		"unknown fields":       `{"model":"gpt-4o","messages":[{"role":"user","content":"hi","name":"bob"}],"enable_thinking":false,"store":true}`,
		"another served model": `{"model":"o3-mini","messages":[{"role":"user","content":"hi"}]}`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			resp := post(t, url, body)
			b := readAll(t, resp.Body)
			assert.Equal(t, 200, resp.StatusCode, string(b))
		})
	}
}

func TestOpenAINonStreamShape(t *testing.T) {
	_, url := newOAI(t, OpenAIConfig{})
	resp := post(t, url, `{"model":"gpt-4o-mini","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hello there"}]}`)
	require.Equal(t, 200, resp.StatusCode)
	m := decodeMap(t, readAll(t, resp.Body))
	assert.ElementsMatch(t, []string{"id", "object", "created", "model", "choices", "usage", "system_fingerprint"}, keys(m))
	assert.Regexp(t, `^chatcmpl-[0-9A-Za-z]{29}$`, m["id"])
	assert.Equal(t, "chat.completion", m["object"])
	assert.Equal(t, float64(1766977481), m["created"])
	assert.Equal(t, "gpt-4o-mini", m["model"])
	assert.Equal(t, "fp_mock_openai", m["system_fingerprint"])
	c := firstChoice(m)
	assert.ElementsMatch(t, []string{"index", "message", "logprobs", "finish_reason"}, keys(c))
	assert.Equal(t, "stop", c["finish_reason"])
	assert.Nil(t, c["logprobs"])
	assert.Equal(t, map[string]any{"role": "assistant", "content": "Hello! You said: hello there", "refusal": nil}, c["message"])
	assert.Equal(t, map[string]any{
		"prompt_tokens": float64(6), "completion_tokens": float64(5), "total_tokens": float64(11),
		"prompt_tokens_details":     map[string]any{"cached_tokens": float64(0)},
		"completion_tokens_details": map[string]any{"reasoning_tokens": float64(0)},
	}, m["usage"])
}

func TestOpenAIChoicesAndFinishReasons(t *testing.T) {
	_, url := newOAI(t, OpenAIConfig{})
	m := decodeMap(t, readAll(t, post(t, url, `{"model":"gpt-4o","n":3,"logprobs":true,"messages":[{"role":"user","content":"hi"}]}`).Body))
	choices := m["choices"].([]any)
	require.Len(t, choices, 3)
	for i, c := range choices {
		c := c.(map[string]any)
		assert.Equal(t, float64(i), c["index"])
		assert.Equal(t, "Hello! You said: hi", c["message"].(map[string]any)["content"])
		assert.Len(t, c["logprobs"].(map[string]any)["content"], 4)
	}
	assert.Equal(t, float64(12), m["usage"].(map[string]any)["completion_tokens"], "n multiplies completion tokens")

	m = decodeMap(t, readAll(t, post(t, url, `{"model":"gpt-4o","max_tokens":2,"messages":[{"role":"user","content":"hi"}]}`).Body))
	assert.Equal(t, "length", firstChoice(m)["finish_reason"])
	m = decodeMap(t, readAll(t, post(t, url, `{"model":"gpt-4o","max_completion_tokens":3,"max_tokens":100,"messages":[{"role":"user","content":"hi"}]}`).Body))
	assert.Equal(t, "Hello! You said:", firstChoice(m)["message"].(map[string]any)["content"], "max_completion_tokens wins")

	m = decodeMap(t, readAll(t, post(t, url, `{"model":"gpt-4o","messages":[{"role":"user","content":"x [[content_filter]]"}]}`).Body))
	assert.Equal(t, "content_filter", firstChoice(m)["finish_reason"])
	m = decodeMap(t, readAll(t, post(t, url, `{"model":"gpt-4o","messages":[{"role":"user","content":"[[insufficient]]"}]}`).Body))
	assert.Equal(t, "stop", firstChoice(m)["finish_reason"])

	// No reasoning anywhere.
	assert.NotContains(t, firstChoice(m)["message"], "reasoning_content")
}

func TestOpenAIToolCallFlow(t *testing.T) {
	_, url := newOAI(t, OpenAIConfig{})
	tools := `"tools":[{"type":"function","function":{"name":"lookup","parameters":{"type":"object"}}},{"type":"function","function":{"name":"other"}}]`
	m := decodeMap(t, readAll(t, post(t, url, `{"model":"gpt-4o",`+tools+`,"messages":[{"role":"user","content":"weather"}]}`).Body))
	c := firstChoice(m)
	assert.Equal(t, "tool_calls", c["finish_reason"])
	msg := c["message"].(map[string]any)
	assert.Nil(t, msg["content"], "content is null with tool calls")
	assert.Contains(t, msg, "content")
	call := msg["tool_calls"].([]any)[0].(map[string]any)
	assert.Equal(t, map[string]any{"name": "lookup", "arguments": `{"query":"weather"}`}, call["function"])

	m = decodeMap(t, readAll(t, post(t, url, `{"model":"gpt-4o",`+tools+`,"tool_choice":{"type":"function","function":{"name":"other"}},"messages":[{"role":"user","content":"weather"}]}`).Body))
	assert.Equal(t, "other", firstChoice(m)["message"].(map[string]any)["tool_calls"].([]any)[0].(map[string]any)["function"].(map[string]any)["name"])

	id := call["id"].(string)
	next := `{"model":"gpt-4o",` + tools + `,"messages":[{"role":"user","content":"weather"},` +
		`{"role":"assistant","content":null,"tool_calls":[{"id":"` + id + `","type":"function","function":{"name":"lookup","arguments":"{}"}}]},` +
		`{"role":"tool","tool_call_id":"` + id + `","content":"sunny"}]}`
	m = decodeMap(t, readAll(t, post(t, url, next).Body))
	assert.Equal(t, "Tool result: sunny", firstChoice(m)["message"].(map[string]any)["content"])
	assert.Equal(t, "stop", firstChoice(m)["finish_reason"])
}

func TestOpenAIStreamFraming(t *testing.T) {
	for _, includeUsage := range []bool{true, false} {
		t.Run(fmt.Sprintf("include_usage=%v", includeUsage), func(t *testing.T) {
			_, url := newOAI(t, OpenAIConfig{})
			resp := post(t, url, oaiStreamBody(fmt.Sprintf(`"stream_options":{"include_usage":%v},`, includeUsage)))
			require.Equal(t, 200, resp.StatusCode)
			assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
			raw := readAll(t, resp.Body)
			require.True(t, bytes.HasPrefix(raw, []byte("data: {")), "%q", raw)
			require.True(t, bytes.HasSuffix(raw, []byte("}\n\ndata: [DONE]\n\n")))
			// The DeepSeek tests' strict reader: no comments or event lines.
			s, err := readSSE(t, bytes.NewReader(raw))
			require.NoError(t, err)
			assert.Empty(t, s.comments)
			cs := chunks(t, s.data)
			want := 1 + 6 + 1 // role, content pieces, finish
			if includeUsage {
				want++
			}
			require.Len(t, cs, want)

			var answer strings.Builder
			for i, c := range cs {
				assert.Equal(t, "chat.completion.chunk", c["object"])
				assert.Equal(t, cs[0]["id"], c["id"])
				assert.Equal(t, "fp_mock_openai", c["system_fingerprint"])
				usage, hasUsage := c["usage"]
				if includeUsage && i == len(cs)-1 {
					assert.Equal(t, []any{}, c["choices"])
					assert.Equal(t, float64(4), usage.(map[string]any)["prompt_tokens"])
					assert.Equal(t, float64(6), usage.(map[string]any)["completion_tokens"])
					continue
				}
				if includeUsage {
					assert.True(t, hasUsage)
					assert.Nil(t, usage)
				} else {
					assert.False(t, hasUsage)
				}
				d := delta(c)
				switch {
				case i == 0:
					assert.Equal(t, map[string]any{"role": "assistant", "content": "", "refusal": nil}, d)
				case finishOf(c) != nil:
					assert.Equal(t, "stop", finishOf(c))
					assert.Equal(t, map[string]any{}, d)
				default:
					answer.WriteString(d["content"].(string))
				}
			}
			assert.Equal(t, "Hello! You said: one two three", answer.String())
		})
	}
}

func TestOpenAIStreamChoicesAndTools(t *testing.T) {
	_, url := newOAI(t, OpenAIConfig{})
	s, err := readSSE(t, post(t, url, oaiStreamBody(`"n":2,"logprobs":true,`)).Body)
	require.NoError(t, err)
	byIndex := map[float64]*strings.Builder{0: {}, 1: {}}
	finishes := 0
	for _, c := range chunks(t, s.data) {
		ch := firstChoice(c)
		if f := ch["finish_reason"]; f != nil {
			finishes++
			continue
		}
		if v, ok := ch["delta"].(map[string]any)["content"].(string); ok {
			byIndex[ch["index"].(float64)].WriteString(v)
			if v != "" {
				assert.Len(t, ch["logprobs"].(map[string]any)["content"], 1)
			}
		}
	}
	assert.Equal(t, 2, finishes)
	assert.Equal(t, "Hello! You said: one two three", byIndex[0].String())
	assert.Equal(t, "Hello! You said: one two three", byIndex[1].String())

	s, err = readSSE(t, post(t, url, oaiStreamBody(`"tools":[{"type":"function","function":{"name":"f"}}],`)).Body)
	require.NoError(t, err)
	cs := chunks(t, s.data)
	var args strings.Builder
	for _, c := range cs[1 : len(cs)-1] {
		call := delta(c)["tool_calls"].([]any)[0].(map[string]any)
		args.WriteString(call["function"].(map[string]any)["arguments"].(string))
	}
	assert.Equal(t, `{"query":"one two three"}`, args.String())
	assert.Equal(t, "tool_calls", finishOf(cs[len(cs)-1]))
}

func TestOpenAIAuthModelsAndRoutes(t *testing.T) {
	o, url := newOAI(t, OpenAIConfig{APIKey: "sk-secret-abcd", Models: []string{"qwen-plus", "qwen-max"}})
	auth := []string{"Authorization", "Bearer sk-secret-abcd"}

	resp := post(t, url, `{"model":"qwen-plus","messages":[{"role":"user","content":"hi"}]}`, auth...)
	assert.Equal(t, 200, resp.StatusCode)
	base := strings.TrimSuffix(url, "/v1")
	assert.Equal(t, 200, post(t, base, `{"model":"qwen-max","messages":[{"role":"user","content":"hi"}]}`, auth...).StatusCode, "no /v1 prefix")

	for name, hdr := range map[string][]string{"none": nil, "wrong": {"Authorization", "Bearer sk-wrong-key-9999"}} {
		resp := post(t, url, oaiHi, hdr...)
		require.Equal(t, 401, resp.StatusCode, name)
		e := oaiErrorOf(t, resp)
		assert.Equal(t, "invalid_api_key", e["code"])
		assert.Equal(t, "invalid_request_error", e["type"])
		assert.NotContains(t, e["message"], "sk-wrong")
		if hdr != nil {
			assert.Contains(t, e["message"], "****9999")
		}
	}

	resp = post(t, url, `{"model":"gpt-5","messages":[{"role":"user","content":"hi"}]}`, auth...)
	require.Equal(t, 404, resp.StatusCode)
	e := oaiErrorOf(t, resp)
	assert.Equal(t, "model_not_found", e["code"])
	assert.Equal(t, "The model `gpt-5` does not exist or you do not have access to it.", e["message"])

	resp = do(t, http.MethodGet, url+"/models", "", auth...)
	require.Equal(t, 200, resp.StatusCode)
	m := decodeMap(t, readAll(t, resp.Body))
	assert.Equal(t, "list", m["object"])
	require.Len(t, m["data"], 2)
	assert.Equal(t, "qwen-plus", m["data"].([]any)[0].(map[string]any)["id"])
	assert.Equal(t, 401, do(t, http.MethodGet, url+"/models", "").StatusCode)

	resp = do(t, http.MethodPost, url+"/completions", "{}", auth...)
	require.Equal(t, 404, resp.StatusCode)
	e = oaiErrorOf(t, resp)
	assert.Equal(t, "Invalid URL (POST /v1/completions)", e["message"])
	assert.Nil(t, e["code"])
	resp = do(t, http.MethodGet, url+"/chat/completions", "", auth...)
	assert.Equal(t, 405, resp.StatusCode)
	assert.Equal(t, "POST", resp.Header.Get("Allow"))

	// By default, OpenAI's models: listed, served, and nothing else.
	_, url2 := newOAI(t, OpenAIConfig{})
	m = decodeMap(t, readAll(t, do(t, http.MethodGet, url2+"/models", "").Body))
	var listed []string
	for _, d := range m["data"].([]any) {
		md := d.(map[string]any)
		listed = append(listed, md["id"].(string))
		assert.Equal(t, map[string]any{"id": md["id"], "object": "model", "created": float64(oaiModelCreated), "owned_by": "system"}, md)
	}
	assert.Equal(t, OpenAIModels(), listed)
	assert.Subset(t, listed, []string{"gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-5", "o3", "o4-mini"})
	for _, id := range listed {
		assert.Equal(t, 200, post(t, url2, `{"model":"`+id+`","messages":[{"role":"user","content":"hi"}]}`).StatusCode, id)
	}
	resp = post(t, url2, `{"model":"qwen-plus","messages":[{"role":"user","content":"hi"}]}`)
	require.Equal(t, 404, resp.StatusCode)
	assert.Equal(t, map[string]any{"message": "The model `qwen-plus` does not exist or you do not have access to it.",
		"type": "invalid_request_error", "param": nil, "code": "model_not_found"}, oaiErrorOf(t, resp))
	resp = post(t, url2, `{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]}`)
	assert.Equal(t, 200, resp.StatusCode)
	resp = post(t, url2, `{"model":"gpt-4o-2024-08-06","stream":true,"messages":[{"role":"user","content":"hi"}]}`)
	assert.Equal(t, 404, resp.StatusCode, "a stream for an unknown model is the same 404, before any event")
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))

	// GET routes do not consume faults.
	o.Enqueue(ServerError())
	assert.Equal(t, 200, do(t, http.MethodGet, url+"/models", "", auth...).StatusCode)
	assert.Equal(t, 500, post(t, url, oaiHi, auth...).StatusCode)
}

func TestOpenAIStatusFaults(t *testing.T) {
	str := func(s string) any { return s }
	cases := []struct {
		name       string
		fault      Fault
		status     int
		typ        string
		code       any
		msg        string
		retryAfter string
	}{
		{"rate limited", RateLimited("7"), 429, "requests", str("rate_limit_exceeded"), "Rate limit", "7"},
		{"quota", OpenAIInsufficientQuota(), 429, "insufficient_quota", str("insufficient_quota"), "You exceeded your current quota", ""},
		{"server error", ServerError(), 500, "server_error", str("server_error"), "The server had an error", ""},
		{"overloaded", Overloaded(), 503, "server_error", str("server_error"), "overloaded", ""},
		{"unauthorized", Unauthorized(), 401, "invalid_request_error", str("invalid_api_key"), "Incorrect API key provided: ****1234.", ""},
		{"not found", Fault{Status: 404}, 404, "invalid_request_error", str("model_not_found"), "does not exist", ""},
		{"bad request", Fault{Status: 400, Message: "context_length_exceeded!"}, 400, "invalid_request_error", nil, "context_length_exceeded!", ""},
		{"custom code", Fault{Status: 400, Code: "context_length_exceeded"}, 400, "invalid_request_error", str("context_length_exceeded"), "Invalid request.", ""},
		{"odd status", Fault{Status: 42}, 500, "server_error", str("server_error"), "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o, url := newOAI(t, OpenAIConfig{})
			o.Enqueue(tc.fault)
			resp := post(t, url, `not json`, "Authorization", "Bearer sk-anything-1234")
			require.Equal(t, tc.status, resp.StatusCode)
			assert.Equal(t, tc.retryAfter, resp.Header.Get("Retry-After"))
			e := oaiErrorOf(t, resp)
			assert.Equal(t, tc.typ, e["type"])
			assert.Equal(t, tc.code, e["code"])
			assert.Nil(t, e["param"])
			assert.Contains(t, e["message"], tc.msg)
			assert.Equal(t, 200, post(t, url, oaiHi).StatusCode, "queue drained")
		})
	}
}

func TestOpenAIConnectionFaults(t *testing.T) {
	o, url := newOAI(t, OpenAIConfig{Latency: 10 * time.Millisecond})
	o.Enqueue(ConnectionReset())
	_, err := http.Post(url+"/chat/completions", "application/json", strings.NewReader(oaiHi))
	require.Error(t, err)

	o.Enqueue(Fault{Latency: 20 * time.Millisecond})
	start := time.Now()
	assert.Equal(t, 200, post(t, url, oaiHi).StatusCode)
	assert.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond)

	o.Enqueue(Fault{Latency: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"/chat/completions", strings.NewReader(oaiHi))
	_, err = http.DefaultClient.Do(req)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestOpenAIStreamFaults(t *testing.T) {
	// "one two three": role, 6 content pieces, finish = 8 JSON events, then
	// [DONE]; with include_usage a usage chunk makes 9.
	body := oaiStreamBody("")
	t.Run("truncate", func(t *testing.T) {
		for _, n := range []int{1, 8} {
			o, url := newOAI(t, OpenAIConfig{})
			o.Enqueue(TruncatedStream(n))
			s, err := readSSE(t, post(t, url, body).Body)
			require.NoError(t, err)
			assert.Len(t, s.data, n)
			assert.NotContains(t, s.data, "[DONE]")
		}
	})
	t.Run("abort", func(t *testing.T) {
		for _, n := range []int{1, 8} {
			o, url := newOAI(t, OpenAIConfig{})
			o.Enqueue(AbortedStream(n))
			s, err := readSSE(t, post(t, url, body).Body)
			require.ErrorIs(t, err, io.ErrUnexpectedEOF)
			assert.Len(t, s.data, n)
		}
	})
	t.Run("error event", func(t *testing.T) {
		for _, n := range []int{1, 5, 9} {
			o, url := newOAI(t, OpenAIConfig{})
			o.Enqueue(Fault{ErrorAfter: n})
			s, err := readSSE(t, post(t, url, oaiStreamBody(`"stream_options":{"include_usage":true},`)).Body)
			require.NoError(t, err)
			require.Len(t, s.data, n+1)
			assert.NotContains(t, s.data, "[DONE]")
			e := decodeMap(t, []byte(s.data[n]))
			assert.Equal(t, map[string]any{"error": map[string]any{
				"message": "The server had an error while processing your request. Sorry about that!",
				"type":    "server_error", "param": nil, "code": "server_error",
			}}, e)
		}
	})
	t.Run("error event with message", func(t *testing.T) {
		o, url := newOAI(t, OpenAIConfig{})
		o.Enqueue(Fault{ErrorAfter: 2, Message: "boom"})
		s, err := readSSE(t, post(t, url, body).Body)
		require.NoError(t, err)
		assert.Contains(t, s.data[2], `"message":"boom"`)
	})
	t.Run("non-stream ignores stream cuts", func(t *testing.T) {
		o, url := newOAI(t, OpenAIConfig{})
		o.Enqueue(TruncatedStream(1), AbortedStream(1), Fault{ErrorAfter: 1})
		for range 3 {
			assert.Equal(t, 200, post(t, url, oaiHi).StatusCode)
		}
		s, err := readSSE(t, post(t, url, body).Body)
		require.NoError(t, err)
		assert.Equal(t, "[DONE]", s.data[len(s.data)-1])
	})
}

func TestOpenAIRecordingResetDeterminism(t *testing.T) {
	o, url := newOAI(t, OpenAIConfig{})
	post(t, url, oaiHi, "X-Trace", "abc")
	reqs := o.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "/v1/chat/completions", reqs[0].Path)
	assert.Equal(t, "abc", reqs[0].Header.Get("X-Trace"))
	assert.Equal(t, oaiHi, string(reqs[0].Body))
	o.SetRecording(false)
	post(t, url, oaiHi)
	assert.Len(t, o.Requests(), 1)
	o.SetRecording(true)

	o.Reset()
	assert.Empty(t, o.Requests())
	a := readAll(t, post(t, url, `{"model":"gpt-4o","messages":[{"role":"user","content":"<b>&</b>"}]}`).Body)
	o.Enqueue(ServerError())
	o.Reset()
	b := readAll(t, post(t, url, `{"model":"gpt-4o","messages":[{"role":"user","content":"<b>&</b>"}]}`).Body)
	assert.Equal(t, string(a), string(b), "Reset restarts ids and drops faults")
	assert.Contains(t, string(a), "<b>&</b>")
}

func TestOpenAIServeHTTPDirect(t *testing.T) {
	o := NewOpenAI(OpenAIConfig{Now: fixedNow})
	serveEach(t, o, "/v1/chat/completions", []string{oaiHi, oaiStreamBody(""), "\x00\xff", `[]`, `null`, `{"messages":null,"model":null}`,
		`{"model":"gpt-4o","messages":[{}]}`, `{"model":"gpt-4o","messages":[{"role":"user","content":[1]}]}`, `{"model":"gpt-4o","messages":[{"role":"user","content":"x"}],"tool_choice":5}`},
		assertErrorBody)
}

func TestOpenAIConcurrent(t *testing.T) {
	o, url := newOAI(t, OpenAIConfig{})
	stressChats(t, o, url+"/chat/completions", 10, func(_, i int) string {
		if i%2 == 1 {
			return oaiStreamBody(`"stream_options":{"include_usage":true},`)
		}
		return oaiHi
	}, 429, RateLimited(""), Fault{ErrorAfter: 3})
}

func BenchmarkOpenAIChat(b *testing.B) {
	benchChat(b, func() vendorMock { return NewOpenAI(OpenAIConfig{}) }, "/v1/chat/completions", "gpt-4o-mini")
}
