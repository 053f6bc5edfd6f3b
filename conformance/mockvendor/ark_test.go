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

func newArk(t *testing.T, cfg ArkConfig) (*Ark, string) {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = fixedNow
	}
	a := NewArk(cfg)
	return a, serve(t, a)
}

// arkErrorOf checks Ark's error envelope and returns its detail.
func arkErrorOf(t *testing.T, resp *http.Response) map[string]any {
	t.Helper()
	m, e := errorEnvelope(t, resp)
	assert.Len(t, m, 1)
	assert.ElementsMatch(t, []string{"code", "message", "param", "type"}, keys(e))
	assert.IsType(t, "", e["param"], "param is a string, never null")
	reqID := resp.Header.Get("X-Request-Id")
	assert.NotEmpty(t, reqID)
	assert.True(t, strings.HasSuffix(e["message"].(string), " Request id: "+reqID), "message %q ends with the request id %q", e["message"], reqID)
	return e
}

const (
	arkHi        = `{"model":"doubao-seed-1-6-251015","messages":[{"role":"user","content":"hi"}]}`
	arkHiNoThink = `{"model":"doubao-seed-1-6-251015","thinking":{"type":"disabled"},"messages":[{"role":"user","content":"hi"}]}`
	arkUser      = `"messages":[{"role":"user","content":"hi"}]`
	arkIDPattern = `^021[0-9]{13}[0-9a-f]{37}$`
)

func arkStreamBody() string {
	return `{"model":"doubao-seed-1-6-251015","stream":true,"thinking":{"type":"disabled"},"messages":[{"role":"user","content":"one two three"}]}`
}

type arkSSE struct {
	noise []string // non-data lines before the first data line
	data  []string // payloads, "[DONE]" included
}

// readArkSSE splits a stream into the noise before the first event and the
// data payloads, checking that each data line is followed by a blank line.
func readArkSSE(t *testing.T, r io.Reader) (arkSSE, error) {
	t.Helper()
	var s arkSSE
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	afterData := false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "data: "):
			s.data = append(s.data, strings.TrimPrefix(line, "data: "))
			afterData = true
		case len(s.data) == 0:
			s.noise = append(s.noise, line)
		case line == "" && afterData:
			afterData = false
		default:
			t.Errorf("unexpected SSE line %q after the first event", line)
		}
	}
	return s, sc.Err()
}

func arkMsgOf(m map[string]any) map[string]any {
	return firstChoice(m)["message"].(map[string]any)
}

func TestArkValidation(t *testing.T) {
	model := `"model":"doubao-seed-1-6-251015",`
	cases := []struct {
		name   string
		body   string
		status int
		code   string
		param  string
		msg    string // substring
	}{
		{"not json", `{"model":`, 400, "InvalidParameter", "", "not valid JSON"},
		{"empty body", ``, 400, "InvalidParameter", "", "not valid JSON"},
		{"array body", `[]`, 400, "InvalidParameter", "body", "JSON object"},
		{"wrong field type", `{` + model + arkUser + `,"max_tokens":"ten"}`, 400, "InvalidParameter", "max_tokens", "The parameter max_tokens specified in the request are not valid"},
		{"missing model", `{` + arkUser + `}`, 400, "MissingParameter", "model", "The request failed because it is missing one or multiple required parameters"},
		{"empty model", `{"model":"",` + arkUser + `}`, 400, "MissingParameter", "model", "missing"},
		{"unknown model", `{"model":"gpt-4o",` + arkUser + `}`, 404, "InvalidEndpointOrModel.NotFound", "", "The model or endpoint gpt-4o does not exist or you do not have access to it."},
		{"unknown endpoint", `{"model":"ep-20990101000000-xxxxx",` + arkUser + `}`, 404, "InvalidEndpointOrModel.NotFound", "", "ep-20990101000000-xxxxx"},
		{"missing messages", `{"model":"doubao-seed-1-6-251015"}`, 400, "MissingParameter", "messages", "missing"},
		{"null messages", `{"model":"doubao-seed-1-6-251015","messages":null}`, 400, "MissingParameter", "messages", "missing"},
		{"empty messages", `{"model":"doubao-seed-1-6-251015","messages":[]}`, 400, "InvalidParameter", "messages", "empty"},
		{"unknown role", `{` + model + `"messages":[{"role":"bot","content":"hi"}]}`, 400, "InvalidParameter", "messages[0].role", "bot"},
		{"missing role", `{` + model + `"messages":[{"content":"hi"}]}`, 400, "MissingParameter", "messages[0].role", ""},
		{"user null content", `{` + model + `"messages":[{"role":"user","content":null}]}`, 400, "MissingParameter", "messages[0].content", ""},
		{"user no content", `{` + model + `"messages":[{"role":"system","content":"x"},{"role":"user"}]}`, 400, "MissingParameter", "messages[1].content", ""},
		{"number content", `{` + model + `"messages":[{"role":"user","content":5}]}`, 400, "InvalidParameter", "messages[0].content", ""},
		{"object content", `{` + model + `"messages":[{"role":"user","content":{"text":"x"}}]}`, 400, "InvalidParameter", "messages[0].content", ""},
		{"bad parts", `{` + model + `"messages":[{"role":"user","content":["hi"]}]}`, 400, "InvalidParameter", "messages[0].content", ""},
		{"part without type", `{` + model + `"messages":[{"role":"user","content":[{"text":"hi"}]}]}`, 400, "MissingParameter", "messages[0].content[0].type", ""},
		{"unknown part type", `{` + model + `"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"file","file":{}}]}]}`, 400, "InvalidParameter", "messages[0].content[1].type", "file"},
		{"text part without text", `{` + model + `"messages":[{"role":"user","content":[{"type":"text"}]}]}`, 400, "MissingParameter", "messages[0].content[0].text", ""},
		{"image without url", `{` + model + `"messages":[{"role":"user","content":[{"type":"image_url","image_url":{}}]}]}`, 400, "MissingParameter", "messages[0].content[0].image_url.url", ""},
		{"image bad detail", `{` + model + `"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x/y.png","detail":"ultra"}}]}]}`, 400, "InvalidParameter", "messages[0].content[0].image_url.detail", "ultra"},
		{"video without url", `{` + model + `"messages":[{"role":"user","content":[{"type":"video_url"}]}]}`, 400, "MissingParameter", "messages[0].content[0].video_url.url", ""},
		{"audio without data", `{` + model + `"messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"format":"wav"}}]}]}`, 400, "MissingParameter", "messages[0].content[0].input_audio.data", ""},
		{"tool without id", `{` + model + `"messages":[{"role":"user","content":"hi"},{"role":"tool","content":"42"}]}`, 400, "MissingParameter", "messages[1].tool_call_id", ""},
		{"both max tokens", `{` + model + arkUser + `,"max_tokens":10,"max_completion_tokens":10}`, 400, "InvalidParameter", "max_completion_tokens", "cannot be set at the same time"},
		{"max_completion_tokens high", `{` + model + arkUser + `,"max_completion_tokens":65537}`, 400, "InvalidParameter", "max_completion_tokens", "65536"},
		{"max_completion_tokens negative", `{` + model + arkUser + `,"max_completion_tokens":-1}`, 400, "InvalidParameter", "max_completion_tokens", ""},
		{"max_tokens zero", `{` + model + arkUser + `,"max_tokens":0}`, 400, "InvalidParameter", "max_tokens", ""},
		{"temperature", `{` + model + arkUser + `,"temperature":2.01}`, 400, "InvalidParameter", "temperature", "[0, 2]"},
		{"temperature negative", `{` + model + arkUser + `,"temperature":-0.1}`, 400, "InvalidParameter", "temperature", ""},
		{"top_p", `{` + model + arkUser + `,"top_p":1.5}`, 400, "InvalidParameter", "top_p", "[0, 1]"},
		{"presence_penalty", `{` + model + arkUser + `,"presence_penalty":-2.5}`, 400, "InvalidParameter", "presence_penalty", ""},
		{"frequency_penalty", `{` + model + arkUser + `,"frequency_penalty":3}`, 400, "InvalidParameter", "frequency_penalty", ""},
		{"too many stops", `{` + model + arkUser + `,"stop":["1","2","3","4","5"]}`, 400, "InvalidParameter", "stop", "at most 4"},
		{"bad stop type", `{` + model + arkUser + `,"stop":5}`, 400, "InvalidParameter", "stop", ""},
		{"bad thinking type", `{` + model + arkUser + `,"thinking":{"type":"on"}}`, 400, "InvalidParameter", "thinking.type", "on"},
		{"thinking without type", `{` + model + arkUser + `,"thinking":{}}`, 400, "MissingParameter", "thinking.type", ""},
		{"thinking auto elsewhere", `{` + model + arkUser + `,"thinking":{"type":"auto"}}`, 400, "InvalidParameter", "thinking.type", "auto is not supported by model doubao-seed-1-6-251015"},
		{"thinking auto via endpoint", `{"model":"` + ArkExampleEndpoint + `",` + arkUser + `,"thinking":{"type":"auto"}}`, 400, "InvalidParameter", "thinking.type", "doubao-seed-1-6-251015"},
		{"reasoning_effort", `{` + model + arkUser + `,"reasoning_effort":"max"}`, 400, "InvalidParameter", "reasoning_effort", "max"},
		{"service_tier", `{` + model + arkUser + `,"service_tier":"scale"}`, 400, "InvalidParameter", "service_tier", "scale"},
		{"stream_options without stream", `{` + model + arkUser + `,"stream_options":{"include_usage":true}}`, 400, "InvalidParameter", "stream_options", "stream"},
		{"stream_options with stream false", `{` + model + arkUser + `,"stream":false,"stream_options":{"include_usage":true}}`, 400, "InvalidParameter", "stream_options", ""},
		{"response_format type", `{` + model + arkUser + `,"response_format":{"type":"xml"}}`, 400, "InvalidParameter", "response_format.type", "xml"},
		{"json_schema without schema", `{` + model + arkUser + `,"response_format":{"type":"json_schema"}}`, 400, "MissingParameter", "response_format.json_schema", ""},
		{"tool type", `{` + model + arkUser + `,"tools":[{"type":"retrieval"}]}`, 400, "InvalidParameter", "tools[0].type", ""},
		{"tool name", `{` + model + arkUser + `,"tools":[{"type":"function","function":{}}]}`, 400, "MissingParameter", "tools[0].function.name", ""},
		{"tool_choice value", `{` + model + arkUser + `,"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"any"}`, 400, "InvalidParameter", "tool_choice", ""},
		{"tool_choice unknown function", `{` + model + arkUser + `,"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":{"type":"function","function":{"name":"g"}}}`, 400, "InvalidParameter", "tool_choice", `"g"`},
		{"top_logprobs", `{` + model + arkUser + `,"logprobs":true,"top_logprobs":21}`, 400, "InvalidParameter", "top_logprobs", ""},
	}
	_, url := newArk(t, ArkConfig{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := post(t, url, tc.body)
			assert.Equal(t, tc.status, resp.StatusCode)
			e := arkErrorOf(t, resp)
			wantType := map[int]string{400: "BadRequest", 404: "NotFound"}[tc.status]
			assert.Equal(t, wantType, e["type"])
			assert.Equal(t, tc.code, e["code"])
			assert.Equal(t, tc.param, e["param"])
			assert.Contains(t, e["message"], tc.msg)
		})
	}
}

func TestArkValidationAccepts(t *testing.T) {
	_, url := newArk(t, ArkConfig{})
	m := `"model":"doubao-seed-1-6-251015",`
	cases := map[string]string{
		"parts": `{` + m + `"messages":[{"role":"system","content":[{"type":"text","text":"be brief"}]},{"role":"user","content":[` +
			`{"type":"text","text":"what is this"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA","detail":"low"}},` +
			`{"type":"image_url","image_url":{"url":"https://x/y.png"}},{"type":"video_url","video_url":{"url":"https://x/v.mp4","fps":1}},` +
			`{"type":"input_audio","input_audio":{"data":"AAAA","format":"wav"}}]}]}`,
		"bounds": `{` + m + arkUser + `,"temperature":2,"top_p":0,"presence_penalty":-2,"frequency_penalty":2,"stop":["a","b","c","d"],` +
			`"max_completion_tokens":65536,"service_tier":"auto","reasoning_effort":"high","logprobs":true,"top_logprobs":20,"n":1,"user":"u1"}`,
		"stop string":             `{` + m + arkUser + `,"stop":"x"}`,
		"max_tokens":              `{` + m + arkUser + `,"max_tokens":4096}`,
		"max_completion zero":     `{` + m + arkUser + `,"max_completion_tokens":0}`,
		"json_object":             `{` + m + arkUser + `,"response_format":{"type":"json_object"}}`,
		"json_schema":             `{` + m + arkUser + `,"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object"},"strict":true}}}`,
		"response_format text":    `{` + m + arkUser + `,"response_format":{"type":"text"}}`,
		"thinking auto on 250615": `{"model":"doubao-seed-1-6-250615",` + arkUser + `,"thinking":{"type":"auto"}}`,
		"service_tier default":    `{` + m + arkUser + `,"service_tier":"default"}`,
		"stream_options stream":   `{` + m + arkUser + `,"stream":true,"stream_options":{"include_usage":false,"chunk_include_usage":false}}`,
		"stream_options null":     `{` + m + arkUser + `,"stream_options":null}`,
		"assistant null content":  `{` + m + `"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c","content":"ok"}]}`,
		"assistant reasoning":     `{` + m + `"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo","reasoning_content":"hmm"},{"role":"user","content":"again"}]}`,
		"unknown fields ignored":  `{` + m + `"messages":[{"role":"user","content":"hi","name":"bob"}],"frobnicate":true,"repetition_penalty":1.05,"parallel_tool_calls":false,"logit_bias":{"1":-100}}`,
		"tool_choice named":       `{` + m + arkUser + `,"tools":[{"type":"function","function":{"name":"f"}},{"type":"function","function":{"name":"g"}}],"tool_choice":{"type":"function","function":{"name":"g"}}}`,
		"third-party model":       `{"model":"glm-4-7-251222",` + arkUser + `}`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			resp := post(t, url, body)
			b := readAll(t, resp.Body)
			assert.Equal(t, 200, resp.StatusCode, string(b))
		})
	}
}

func TestArkNonStreamShape(t *testing.T) {
	_, url := newArk(t, ArkConfig{})
	body := `{"model":"doubao-seed-1-6-251015","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hello there"}]}`
	resp := post(t, url, body)
	require.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	raw := readAll(t, resp.Body)
	m := decodeMap(t, raw)

	assert.ElementsMatch(t, []string{"choices", "created", "id", "model", "service_tier", "object", "usage"}, keys(m))
	assert.Regexp(t, arkIDPattern, m["id"])
	assert.True(t, strings.HasPrefix(m["id"].(string), fmt.Sprintf("021%d", fixedNow().UnixMilli())))
	assert.Equal(t, resp.Header.Get("X-Request-Id"), m["id"], "the completion id is the request id")
	assert.Equal(t, "chat.completion", m["object"])
	assert.Equal(t, float64(1766977481), m["created"])
	assert.Equal(t, "doubao-seed-1-6-251015", m["model"])
	assert.Equal(t, "default", m["service_tier"])
	assert.NotContains(t, m, "system_fingerprint")

	choices := m["choices"].([]any)
	require.Len(t, choices, 1)
	c := choices[0].(map[string]any)
	assert.ElementsMatch(t, []string{"finish_reason", "index", "logprobs", "message"}, keys(c))
	assert.Equal(t, float64(0), c["index"])
	assert.Nil(t, c["logprobs"])
	assert.Equal(t, "stop", c["finish_reason"])
	msg := c["message"].(map[string]any)
	assert.ElementsMatch(t, []string{"role", "content", "reasoning_content"}, keys(msg))
	assert.Equal(t, "assistant", msg["role"])
	assert.Equal(t, "Hello! You said: hello there", msg["content"])
	assert.Equal(t, `The user said "hello there". I will answer briefly.`, msg["reasoning_content"])

	u := m["usage"].(map[string]any)
	assert.ElementsMatch(t, []string{"completion_tokens", "prompt_tokens", "total_tokens", "prompt_tokens_details", "completion_tokens_details"}, keys(u))
	// prompt: "be brief"(2)+1 + "hello there"(2)+1 = 6; reasoning 9 words; answer 5 words.
	assert.Equal(t, float64(6), u["prompt_tokens"])
	assert.Equal(t, float64(14), u["completion_tokens"])
	assert.Equal(t, float64(20), u["total_tokens"])
	assert.Equal(t, map[string]any{"cached_tokens": float64(0)}, u["prompt_tokens_details"])
	assert.Equal(t, map[string]any{"reasoning_tokens": float64(9)}, u["completion_tokens_details"])

	// Ark's key order, as in the captured example.
	assert.True(t, bytes.HasPrefix(raw, []byte(`{"choices":[{"finish_reason":"stop","index":0,"logprobs":null,"message":{"content":"Hello!`)), "%s", raw)
	assert.Contains(t, string(raw), `"model":"doubao-seed-1-6-251015","service_tier":"default","object":"chat.completion","usage":{"completion_tokens":14,"prompt_tokens":6,"total_tokens":20,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":9}}}`)

	// Parts: text parts count and are echoed.
	m2 := decodeMap(t, readAll(t, post(t, url, `{"model":"doubao-1-5-vision-pro-32k-250115","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x/y.png"}},{"type":"text","text":"what is it"}]}]}`).Body))
	assert.Equal(t, "Hello! You said: what is it", arkMsgOf(m2)["content"])
	assert.Equal(t, float64(4), m2["usage"].(map[string]any)["prompt_tokens"])
}

func TestArkThinkingDefaults(t *testing.T) {
	_, url := newArk(t, ArkConfig{})
	cases := []struct {
		model, extra string
		thinks       bool
	}{
		{"doubao-seed-2-0-pro-260215", "", true},
		{"doubao-seed-1-8-251228", "", true},
		{"doubao-seed-1-6-251015", "", true},
		{"doubao-seed-1-6-flash-250828", "", true},
		{"doubao-seed-1-6-251015", `,"thinking":{"type":"disabled"}`, false},
		{"doubao-seed-1-6-251015", `,"reasoning_effort":"minimal"`, false},
		{"doubao-seed-1-6-251015", `,"reasoning_effort":"low"`, true},
		{"doubao-seed-1-6-250615", `,"thinking":{"type":"auto"}`, true},
		{"doubao-seed-1-6-thinking-250715", `,"thinking":{"type":"disabled"}`, true},
		{"deepseek-v3-2-251201", "", false},
		{"deepseek-v3-2-251201", `,"thinking":{"type":"enabled"}`, true},
		{"doubao-1-5-pro-32k-250115", "", false},
		{"doubao-1-5-pro-32k-250115", `,"thinking":{"type":"enabled"}`, false},
	}
	for _, tc := range cases {
		t.Run(tc.model+tc.extra, func(t *testing.T) {
			resp := post(t, url, `{"model":"`+tc.model+`",`+arkUser+tc.extra+`}`)
			require.Equal(t, 200, resp.StatusCode)
			m := decodeMap(t, readAll(t, resp.Body))
			assert.Equal(t, tc.model, m["model"])
			msg := arkMsgOf(m)
			u := m["usage"].(map[string]any)
			if tc.thinks {
				assert.Equal(t, `The user said "hi". I will answer briefly.`, msg["reasoning_content"])
				assert.Equal(t, float64(8), u["completion_tokens_details"].(map[string]any)["reasoning_tokens"])
			} else {
				assert.NotContains(t, msg, "reasoning_content")
				assert.Equal(t, float64(0), u["completion_tokens_details"].(map[string]any)["reasoning_tokens"])
			}
		})
	}
}

func TestArkMaxTokens(t *testing.T) {
	_, url := newArk(t, ArkConfig{})
	get := func(extra string) (msg map[string]any, finish any, usage map[string]any) {
		t.Helper()
		resp := post(t, url, `{"model":"doubao-seed-1-6-251015",`+arkUser+extra+`}`)
		require.Equal(t, 200, resp.StatusCode)
		m := decodeMap(t, readAll(t, resp.Body))
		return arkMsgOf(m), firstChoice(m)["finish_reason"], m["usage"].(map[string]any)
	}
	// Reasoning is 8 words, the answer "Hello! You said: hi" 4.
	msg, finish, u := get(`,"max_tokens":2`)
	assert.Equal(t, "Hello! You", msg["content"], "max_tokens limits the answer only")
	assert.Equal(t, `The user said "hi". I will answer briefly.`, msg["reasoning_content"])
	assert.Equal(t, "length", finish)
	assert.Equal(t, float64(10), u["completion_tokens"])

	msg, finish, u = get(`,"max_completion_tokens":10`)
	assert.Equal(t, "Hello! You", msg["content"], "max_completion_tokens includes the reasoning")
	assert.Equal(t, "length", finish)
	assert.Equal(t, float64(10), u["completion_tokens"])

	msg, finish, _ = get(`,"max_completion_tokens":5`)
	assert.Equal(t, "", msg["content"], "reasoning ate the budget")
	assert.Equal(t, `The user said "hi". I`, msg["reasoning_content"])
	assert.Equal(t, "length", finish)

	msg, finish, u = get(`,"max_completion_tokens":0`)
	assert.Equal(t, "", msg["content"])
	assert.Equal(t, "length", finish)
	assert.Equal(t, float64(0), u["completion_tokens"])

	msg, finish, _ = get(`,"max_tokens":4`)
	assert.Equal(t, "Hello! You said: hi", msg["content"])
	assert.Equal(t, "stop", finish)
}

func TestArkFinishTriggers(t *testing.T) {
	_, url := newArk(t, ArkConfig{})
	m := decodeMap(t, readAll(t, post(t, url, `{"model":"doubao-seed-1-6-251015","messages":[{"role":"user","content":"x [[content_filter]]"}]}`).Body))
	c := firstChoice(m)
	assert.Equal(t, "content_filter", c["finish_reason"])
	assert.Equal(t, "severe_violation", c["moderation_hit_type"])
	m = decodeMap(t, readAll(t, post(t, url, `{"model":"doubao-seed-1-6-251015","messages":[{"role":"user","content":"x [[insufficient]]"}]}`).Body))
	assert.Equal(t, "stop", firstChoice(m)["finish_reason"], "DeepSeek-only finish reasons do not leak into Ark")
	assert.NotContains(t, firstChoice(m), "moderation_hit_type")
}

func TestArkToolCallFlow(t *testing.T) {
	_, url := newArk(t, ArkConfig{})
	tools := `"tools":[{"type":"function","function":{"name":"web_search","parameters":{"type":"object"}}}]`
	first := `{"model":"doubao-seed-1-6-251015",` + tools + `,"messages":[{"role":"user","content":"weather in Paris"}]}`
	m := decodeMap(t, readAll(t, post(t, url, first).Body))
	c := firstChoice(m)
	assert.Equal(t, "tool_calls", c["finish_reason"])
	msg := c["message"].(map[string]any)
	require.Contains(t, msg, "content")
	assert.Equal(t, "", msg["content"], "tool-call turns have content \"\", not null")
	calls := msg["tool_calls"].([]any)
	require.Len(t, calls, 1)
	call := calls[0].(map[string]any)
	assert.ElementsMatch(t, []string{"id", "type", "function"}, keys(call))
	assert.Equal(t, "function", call["type"])
	fn := call["function"].(map[string]any)
	assert.Equal(t, "web_search", fn["name"])
	assert.JSONEq(t, `{"query":"weather in Paris"}`, fn["arguments"].(string))

	// Streamed, the call arrives as a header chunk and argument pieces.
	s, err := readArkSSE(t, post(t, url, strings.Replace(first, `{"model"`, `{"stream":true,"model"`, 1)).Body)
	require.NoError(t, err)
	var args strings.Builder
	var sawHeader bool
	for _, ch := range chunks(t, s.data) {
		d := firstChoice(ch)["delta"].(map[string]any)
		assert.Equal(t, "assistant", d["role"])
		tc, ok := d["tool_calls"].([]any)
		if !ok {
			continue
		}
		call := tc[0].(map[string]any)
		assert.Equal(t, float64(0), call["index"])
		if id, ok := call["id"]; ok {
			assert.Equal(t, calls[0].(map[string]any)["id"], id)
			assert.Equal(t, "web_search", call["function"].(map[string]any)["name"])
			sawHeader = true
		}
		args.WriteString(call["function"].(map[string]any)["arguments"].(string))
	}
	assert.True(t, sawHeader)
	assert.Equal(t, fn["arguments"], args.String())

	// The tool result turn.
	second := `{"model":"doubao-seed-1-6-251015",` + tools + `,"messages":[{"role":"user","content":"weather in Paris"},` +
		`{"role":"assistant","content":"","reasoning_content":"r","tool_calls":[{"id":"call_1","type":"function","function":{"name":"web_search","arguments":"{}"}}]},` +
		`{"role":"tool","tool_call_id":"call_1","content":"sunny"}]}`
	m = decodeMap(t, readAll(t, post(t, url, second).Body))
	assert.Equal(t, "Tool result: sunny", arkMsgOf(m)["content"])
	assert.Equal(t, "stop", firstChoice(m)["finish_reason"])
}

func TestArkStreamFraming(t *testing.T) {
	for _, opts := range []string{"", `,"stream_options":{"include_usage":false}`, `,"stream_options":{"include_usage":true}`} {
		includeUsage := strings.Contains(opts, "true")
		t.Run(fmt.Sprintf("include_usage=%v", includeUsage), func(t *testing.T) {
			_, url := newArk(t, ArkConfig{})
			content := "tell me  a\nstory"
			body := fmt.Sprintf(`{"model":"%s","stream":true%s,"messages":[{"role":"user","content":%q}]}`, ArkExampleEndpoint, opts, content)
			resp := post(t, url, body, "Accept", "text/event-stream")
			require.Equal(t, 200, resp.StatusCode)
			assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
			reqID := resp.Header.Get("X-Request-Id")
			raw := readAll(t, resp.Body)
			require.True(t, bytes.HasPrefix(raw, []byte(`data: {"choices":[{"delta":{"content":"","reasoning_content":"The `)), "%s", raw)
			require.True(t, bytes.HasSuffix(raw, []byte("}\n\ndata: [DONE]\n\n")))

			s, err := readArkSSE(t, bytes.NewReader(raw))
			require.NoError(t, err)
			assert.Empty(t, s.noise)
			cs := chunks(t, s.data)
			if includeUsage {
				uc := cs[len(cs)-1]
				cs = cs[:len(cs)-1]
				assert.Equal(t, []any{}, uc["choices"], "the usage chunk has choices:[]")
				u := uc["usage"].(map[string]any)
				// prompt 4 words + 1; reasoning 11; answer 7.
				assert.Equal(t, float64(5), u["prompt_tokens"])
				assert.Equal(t, float64(18), u["completion_tokens"])
				assert.Equal(t, float64(23), u["total_tokens"])
				assert.Equal(t, map[string]any{"reasoning_tokens": float64(11)}, u["completion_tokens_details"])
				assert.Equal(t, map[string]any{"cached_tokens": float64(0)}, u["prompt_tokens_details"])
				assert.Equal(t, reqID, uc["id"])
			}
			var reasoning, answer strings.Builder
			for i, c := range cs {
				assert.ElementsMatch(t, []string{"choices", "created", "id", "model", "service_tier", "object", "usage"}, keys(c))
				assert.Equal(t, "chat.completion.chunk", c["object"])
				assert.Equal(t, reqID, c["id"])
				assert.Regexp(t, arkIDPattern, c["id"])
				assert.Equal(t, float64(1766977481), c["created"])
				assert.Equal(t, "doubao-seed-1-6-251015", c["model"], "the endpoint resolves to its model")
				assert.Equal(t, "default", c["service_tier"])
				assert.Contains(t, c, "usage")
				assert.Nil(t, c["usage"], "chunk %d", i)
				ch := c["choices"].([]any)
				require.Len(t, ch, 1)
				choice := ch[0].(map[string]any)
				assert.NotContains(t, choice, "logprobs")
				d := choice["delta"].(map[string]any)
				assert.Equal(t, "assistant", d["role"], "role repeats on chunk %d", i)
				require.Contains(t, d, "content")
				if i == len(cs)-1 {
					assert.ElementsMatch(t, []string{"delta", "finish_reason", "index"}, keys(choice))
					assert.Equal(t, "stop", choice["finish_reason"])
					assert.Equal(t, map[string]any{"content": "", "role": "assistant"}, d)
					continue
				}
				assert.ElementsMatch(t, []string{"delta", "index"}, keys(choice), "finish_reason key absent on chunk %d", i)
				if rc, ok := d["reasoning_content"]; ok {
					assert.Equal(t, "", d["content"], "reasoning chunks carry content:\"\"")
					assert.Empty(t, answer.String(), "reasoning precedes the answer")
					reasoning.WriteString(rc.(string))
				} else {
					answer.WriteString(d["content"].(string))
				}
			}
			assert.Equal(t, `The user said "`+content+`". I will answer briefly.`, reasoning.String())
			assert.Equal(t, "Hello! You said: "+content, answer.String())
		})
	}
}

func TestArkStreamChunkIncludeUsage(t *testing.T) {
	_, url := newArk(t, ArkConfig{})
	body := `{"model":"doubao-seed-1-6-251015","stream":true,"stream_options":{"chunk_include_usage":true,"include_usage":true},"messages":[{"role":"user","content":"a b"}]}`
	s, err := readArkSSE(t, post(t, url, body).Body)
	require.NoError(t, err)
	cs := chunks(t, s.data)
	require.Greater(t, len(cs), 3)
	prev := -1.0
	for i, c := range cs {
		u, ok := c["usage"].(map[string]any)
		require.True(t, ok, "chunk %d carries usage", i)
		assert.Equal(t, float64(3), u["prompt_tokens"])
		ct := u["completion_tokens"].(float64)
		assert.Equal(t, u["prompt_tokens"].(float64)+ct, u["total_tokens"])
		assert.GreaterOrEqual(t, ct, prev, "usage is cumulative")
		prev = ct
	}
	// reasoning 9 + answer 5; the last choice chunk and the usage chunk agree.
	last, usageChunk := cs[len(cs)-2], cs[len(cs)-1]
	assert.Equal(t, "stop", firstChoice(last)["finish_reason"])
	assert.Equal(t, []any{}, usageChunk["choices"])
	assert.Equal(t, usageChunk["usage"], last["usage"])
	u := last["usage"].(map[string]any)
	assert.Equal(t, float64(14), u["completion_tokens"])
	assert.Equal(t, map[string]any{"reasoning_tokens": float64(9)}, u["completion_tokens_details"])
	// The first chunk counts its own token.
	assert.Equal(t, float64(1), cs[0]["usage"].(map[string]any)["completion_tokens"])
}

func TestArkStreamMatchesNonStream(t *testing.T) {
	_, url := newArk(t, ArkConfig{})
	req := `{"model":"deepseek-v3-2-251201","max_tokens":3,%s"messages":[{"role":"user","content":" lead and  trail  "}]}`
	m := decodeMap(t, readAll(t, post(t, url, fmt.Sprintf(req, "")).Body))
	s, err := readArkSSE(t, post(t, url, fmt.Sprintf(req, `"stream":true,`)).Body)
	require.NoError(t, err)
	var got strings.Builder
	cs := chunks(t, s.data)
	for _, c := range cs {
		got.WriteString(firstChoice(c)["delta"].(map[string]any)["content"].(string))
	}
	assert.Equal(t, arkMsgOf(m)["content"], got.String())
	assert.Equal(t, "length", firstChoice(cs[len(cs)-1])["finish_reason"])
	assert.Equal(t, firstChoice(m)["finish_reason"], firstChoice(cs[len(cs)-1])["finish_reason"])
}

func TestArkNoiseLines(t *testing.T) {
	for _, n := range []int{1, 2, 3, 5, 300} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			_, url := newArk(t, ArkConfig{NoiseLines: n})
			raw := readAll(t, post(t, url, arkStreamBody()).Body)
			s, err := readArkSSE(t, bytes.NewReader(raw))
			require.NoError(t, err)
			assert.Len(t, s.noise, n, "exactly NoiseLines non-data lines")
			pendingEvent := false
			for _, line := range s.noise {
				switch {
				case line == ": ping":
				case line == "event: ping":
					assert.False(t, pendingEvent)
					pendingEvent = true
				case line == "":
					assert.True(t, pendingEvent, "blank lines only close an event: line")
					pendingEvent = false
				default:
					t.Errorf("unexpected noise line %q", line)
				}
			}
			assert.False(t, pendingEvent, "no event type leaks onto the first data event")
			if n >= 3 {
				assert.Contains(t, s.noise, "event: ping")
			}
			assert.Equal(t, "[DONE]", s.data[len(s.data)-1])
		})
	}
}

func TestArkEndpoints(t *testing.T) {
	t.Run("default", func(t *testing.T) {
		_, url := newArk(t, ArkConfig{})
		m := decodeMap(t, readAll(t, post(t, url, `{"model":"`+ArkExampleEndpoint+`",`+arkUser+`}`).Body))
		assert.Equal(t, "doubao-seed-1-6-251015", m["model"])
		assert.Contains(t, arkMsgOf(m), "reasoning_content")
	})
	t.Run("configured", func(t *testing.T) {
		eps := map[string]string{
			"ep-20250101000000-aaaaa": "doubao-1-5-pro-32k-250115",
			"ep-20250101000000-bbbbb": "doubao-seed-9-9-991231",
			"ep-20250101000000-ccccc": "deepseek-v3-9-991231",
		}
		_, url := newArk(t, ArkConfig{Endpoints: eps})
		eps["ep-20250101000000-aaaaa"] = "changed" // the mock keeps its own copy
		for ep, want := range map[string]struct {
			model  string
			thinks bool
		}{
			"ep-20250101000000-aaaaa": {"doubao-1-5-pro-32k-250115", false},
			"ep-20250101000000-bbbbb": {"doubao-seed-9-9-991231", true},
			"ep-20250101000000-ccccc": {"deepseek-v3-9-991231", false},
		} {
			resp := post(t, url, `{"model":"`+ep+`",`+arkUser+`}`)
			require.Equal(t, 200, resp.StatusCode, ep)
			m := decodeMap(t, readAll(t, resp.Body))
			assert.Equal(t, want.model, m["model"])
			_, thinks := arkMsgOf(m)["reasoning_content"]
			assert.Equal(t, want.thinks, thinks, ep)
		}
		resp := post(t, url, `{"model":"`+ArkExampleEndpoint+`",`+arkUser+`}`)
		assert.Equal(t, 404, resp.StatusCode, "a configured map replaces the default endpoint")
		e := arkErrorOf(t, resp)
		assert.Equal(t, "InvalidEndpointOrModel.NotFound", e["code"])
		assert.Equal(t, "NotFound", e["type"])
	})
	t.Run("empty map", func(t *testing.T) {
		_, url := newArk(t, ArkConfig{Endpoints: map[string]string{}})
		assert.Equal(t, 404, post(t, url, `{"model":"`+ArkExampleEndpoint+`",`+arkUser+`}`).StatusCode)
		assert.Equal(t, 200, post(t, url, arkHi).StatusCode)
	})
}

func TestArkRoutesAndHeaders(t *testing.T) {
	a, url := newArk(t, ArkConfig{})
	a.Enqueue(ServerError()) // GET routes must not consume it
	for _, p := range []string{"/models", "/api/v3/models"} {
		resp := do(t, http.MethodGet, url+p, "")
		require.Equal(t, 200, resp.StatusCode)
		assert.Regexp(t, arkIDPattern, resp.Header.Get("X-Request-Id"))
		m := decodeMap(t, readAll(t, resp.Body))
		assert.Equal(t, "list", m["object"])
		data := m["data"].([]any)
		require.Len(t, data, len(arkModels))
		assert.Equal(t, map[string]any{"id": "doubao-seed-2-0-pro-260215", "object": "model", "owned_by": "volcengine"}, data[0])
	}
	resp := do(t, http.MethodGet, url+"/nope", "")
	assert.Equal(t, 404, resp.StatusCode)
	assert.Equal(t, "NotFound", arkErrorOf(t, resp)["type"])
	resp = do(t, http.MethodGet, url+"/api/v3/chat/completions", "")
	assert.Equal(t, 405, resp.StatusCode)
	assert.Equal(t, "POST", resp.Header.Get("Allow"))
	assert.Equal(t, "MethodNotAllowed", arkErrorOf(t, resp)["type"])

	resp = do(t, http.MethodPost, url+"/api/v3/chat/completions", arkHi, "X-Client-Request-Id", "my-trace-1")
	assert.Equal(t, 500, resp.StatusCode, "the queued fault applies to the first chat request")
	assert.Equal(t, "my-trace-1", resp.Header.Get("X-Client-Request-Id"))
	e := arkErrorOf(t, resp)
	assert.Equal(t, "InternalServiceError", e["code"])
	assert.Equal(t, "InternalServerError", e["type"])

	resp = do(t, http.MethodPost, url+"/api/v3/chat/completions", arkHi, "X-Client-Request-Id", "my-trace-2")
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "my-trace-2", resp.Header.Get("X-Client-Request-Id"))
	resp = post(t, url, arkHi)
	assert.Empty(t, resp.Header.Get("X-Client-Request-Id"), "only echoed when sent")
	assert.NotEmpty(t, resp.Header.Get("X-Request-Id"))
}

func TestArkAPIKey(t *testing.T) {
	_, url := newArk(t, ArkConfig{APIKey: "ark-right-key-1234"})
	cases := []struct {
		name, header string
		status       int
	}{
		{"missing", "", 401},
		{"wrong", "Bearer ark-wrong-key-abcd", 401},
		{"not bearer", "Basic ark-right-key-1234", 401},
		{"right", "Bearer ark-right-key-1234", 200},
		{"scheme case", "bearer ark-right-key-1234", 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"/chat/completions", "/api/v3/models"} {
				method, body := http.MethodGet, ""
				if path == "/chat/completions" {
					method, body = http.MethodPost, arkHi
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
				e := arkErrorOf(t, resp)
				reqID := resp.Header.Get("X-Request-Id")
				assert.Equal(t, map[string]any{
					"code":    "AuthenticationError",
					"message": "The API key in the request is missing or invalid. Request id: " + reqID,
					"param":   "",
					"type":    "Unauthorized",
				}, e)
			}
		})
	}
}

func TestArkStatusFaults(t *testing.T) {
	cases := []struct {
		name   string
		fault  Fault
		status int
		typ    string
		code   string
		msg    string
	}{
		{"rate limited", ArkRateLimited("2"), 429, "TooManyRequests", "RateLimitExceeded.EndpointRPMExceeded", "Requests Per Minute (RPM)"},
		{"tpm limited", ArkTPMLimited(""), 429, "TooManyRequests", "RateLimitExceeded.EndpointTPMExceeded", "Tokens Per Minute (TPM)"},
		{"overdue", ArkOverdue(), 403, "Forbidden", "AccountOverdueError", "overdue balance"},
		{"sensitive", ArkSensitiveContent(), 400, "BadRequest", "SensitiveContentDetected.SevereViolation", "severe violation"},
		{"model not open", ArkModelNotOpen(), 404, "NotFound", "ModelNotOpen", "has not activated the model"},
		{"default 400", Fault{Status: 400}, 400, "BadRequest", "InvalidParameter", "not valid"},
		{"default 401", Unauthorized(), 401, "Unauthorized", "AuthenticationError", "The API key in the request is missing or invalid."},
		{"default 403", Fault{Status: 403}, 403, "Forbidden", "AccountOverdueError", ""},
		{"default 404", Fault{Status: 404}, 404, "NotFound", "InvalidEndpointOrModel.NotFound", ""},
		{"generic rate limit", RateLimited("1"), 429, "TooManyRequests", "RateLimitExceeded.EndpointRPMExceeded", ""},
		{"server error", ServerError(), 500, "InternalServerError", "InternalServiceError", "internal error"},
		{"overloaded", Overloaded(), 503, "ServiceUnavailable", "ServiceUnavailable", ""},
		{"other status", InsufficientBalance(), 402, "PaymentRequired", "PaymentRequired", ""},
		{"code override", Fault{Status: 404, Code: "InvalidEndpointOrModel.ModelIDAccessDisabled"}, 404, "NotFound", "InvalidEndpointOrModel.ModelIDAccessDisabled", "custom endpoint ID"},
		{"custom code, no message", Fault{Status: 403, Code: "OperationDenied.ServiceNotOpen"}, 403, "Forbidden", "OperationDenied.ServiceNotOpen", "The request failed: forbidden."},
		{"custom message", Fault{Status: 400, Message: "Total tokens of image and text exceed max message tokens."}, 400, "BadRequest", "InvalidParameter", "Total tokens of image and text exceed max message tokens. Request id: "},
		{"odd status", Fault{Status: 42}, 500, "InternalServerError", "InternalServiceError", ""},
		{"error code ignored", Fault{Status: 429, ErrorCode: 18}, 429, "TooManyRequests", "RateLimitExceeded.EndpointRPMExceeded", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, url := newArk(t, ArkConfig{APIKey: "k"})
			if tc.status == 402 {
				// Not a status Ark answers, so spec/ark.yaml has no 402:
				// off-spec on purpose, to see the mock's fallback body.
				a = NewArk(ArkConfig{APIKey: "k", Now: fixedNow})
				url = serveUnchecked(t, a)
			}
			a.Enqueue(tc.fault)
			resp := post(t, url, `not even json`, "Authorization", "Bearer wrong")
			require.Equal(t, tc.status, resp.StatusCode, "status faults skip auth and validation")
			assert.Equal(t, tc.fault.RetryAfter, resp.Header.Get("Retry-After"))
			e := arkErrorOf(t, resp)
			assert.Equal(t, tc.typ, e["type"])
			assert.Equal(t, tc.code, e["code"])
			assert.Equal(t, "", e["param"])
			assert.Contains(t, e["message"], tc.msg)
			// The queue is now empty.
			assert.Equal(t, 200, post(t, url, arkHi, "Authorization", "Bearer k").StatusCode)
		})
	}
	t.Run("error code alone is ignored", func(t *testing.T) {
		a, url := newArk(t, ArkConfig{})
		a.Enqueue(Fault{ErrorCode: 18})
		assert.Equal(t, 200, post(t, url, arkHi).StatusCode)
	})
}

func TestArkConnectionReset(t *testing.T) {
	a, url := newArk(t, ArkConfig{})
	a.Enqueue(ConnectionReset())
	req, err := http.NewRequest(http.MethodPost, url+"/chat/completions", strings.NewReader(arkHi))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		_ = resp.Body.Close()
	}
	require.Error(t, err)
	assert.Equal(t, 200, post(t, url, arkHi).StatusCode)
}

func TestArkStreamFaults(t *testing.T) {
	// arkStreamBody without thinking: 6 content chunks ("Hello! You said:
	// one two three"), the finish chunk = 7 JSON events, then [DONE].
	t.Run("baseline", func(t *testing.T) {
		_, url := newArk(t, ArkConfig{})
		s, err := readArkSSE(t, post(t, url, arkStreamBody()).Body)
		require.NoError(t, err)
		assert.Len(t, s.data, 8)
	})
	t.Run("truncate", func(t *testing.T) {
		for _, n := range []int{1, 3, 7} {
			a, url := newArk(t, ArkConfig{})
			a.Enqueue(TruncatedStream(n))
			resp := post(t, url, arkStreamBody())
			require.Equal(t, 200, resp.StatusCode)
			s, err := readArkSSE(t, resp.Body)
			require.NoError(t, err, "truncation ends the body cleanly")
			assert.Len(t, s.data, n)
			assert.NotContains(t, s.data, "[DONE]")
		}
	})
	t.Run("truncate beyond end", func(t *testing.T) {
		a, url := newArk(t, ArkConfig{})
		a.Enqueue(TruncatedStream(100))
		s, err := readArkSSE(t, post(t, url, arkStreamBody()).Body)
		require.NoError(t, err)
		assert.Equal(t, "[DONE]", s.data[len(s.data)-1])
	})
	t.Run("abort", func(t *testing.T) {
		for _, n := range []int{1, 4, 7} {
			a, url := newArk(t, ArkConfig{NoiseLines: 2})
			a.Enqueue(AbortedStream(n))
			resp := post(t, url, arkStreamBody())
			require.Equal(t, 200, resp.StatusCode)
			s, err := readArkSSE(t, resp.Body)
			require.ErrorIs(t, err, io.ErrUnexpectedEOF)
			assert.Len(t, s.data, n)
		}
	})
	t.Run("mid-stream error", func(t *testing.T) {
		for _, n := range []int{1, 3, 7} {
			a, url := newArk(t, ArkConfig{})
			a.Enqueue(ArkMidStreamError(n))
			resp := post(t, url, arkStreamBody())
			require.Equal(t, 200, resp.StatusCode)
			reqID := resp.Header.Get("X-Request-Id")
			raw := readAll(t, resp.Body)
			s, err := readArkSSE(t, bytes.NewReader(raw))
			require.NoError(t, err)
			require.Len(t, s.data, n+1)
			assert.NotContains(t, s.data, "[DONE]")
			assert.True(t, bytes.HasSuffix(raw, []byte("}}\n\n")), "the error event ends the body: %q", raw)
			last := decodeMap(t, []byte(s.data[n]))
			assert.Equal(t, map[string]any{"error": map[string]any{
				"code":    "InternalServiceError",
				"message": "The service encountered an unexpected internal error. Request id: " + reqID,
				"param":   "",
				"type":    "InternalServerError",
			}}, last)
			for _, d := range s.data[:n] {
				assert.Contains(t, decodeMap(t, []byte(d)), "choices")
			}
		}
	})
	t.Run("mid-stream error with code", func(t *testing.T) {
		a, url := newArk(t, ArkConfig{})
		f := ArkMidStreamError(2)
		f.Code = "SensitiveContentDetected.Violence"
		a.Enqueue(f)
		s, err := readArkSSE(t, post(t, url, arkStreamBody()).Body)
		require.NoError(t, err)
		require.Len(t, s.data, 3)
		e := decodeMap(t, []byte(s.data[2]))["error"].(map[string]any)
		assert.Equal(t, "SensitiveContentDetected.Violence", e["code"])
		assert.Equal(t, "BadRequest", e["type"])
		assert.Contains(t, e["message"], "violence")
	})
	t.Run("mid-stream error in place of DONE", func(t *testing.T) {
		a, url := newArk(t, ArkConfig{})
		a.Enqueue(ArkMidStreamError(7))
		s, err := readArkSSE(t, post(t, url, arkStreamBody()).Body)
		require.NoError(t, err)
		require.Len(t, s.data, 8)
		assert.Contains(t, s.data[7], `"error"`)
	})
	t.Run("truncate before error", func(t *testing.T) {
		a, url := newArk(t, ArkConfig{})
		a.Enqueue(Fault{TruncateAfter: 2, ErrorAfter: 2})
		s, err := readArkSSE(t, post(t, url, arkStreamBody()).Body)
		require.NoError(t, err)
		assert.Len(t, s.data, 2)
	})
	t.Run("non-stream ignores stream cuts", func(t *testing.T) {
		a, url := newArk(t, ArkConfig{})
		a.Enqueue(TruncatedStream(1), AbortedStream(1), ArkMidStreamError(1))
		for i := 0; i < 3; i++ {
			assert.Equal(t, 200, post(t, url, arkHiNoThink).StatusCode)
		}
		s, err := readArkSSE(t, post(t, url, arkStreamBody()).Body)
		require.NoError(t, err)
		assert.Equal(t, "[DONE]", s.data[len(s.data)-1])
	})
}

func TestArkLatency(t *testing.T) {
	a, url := newArk(t, ArkConfig{Latency: 20 * time.Millisecond})
	checkLatency(t, a, url+"/chat/completions", arkHi)
}

func TestArkStreamCancel(t *testing.T) {
	_, url := newArk(t, ArkConfig{ChunkDelay: 20 * time.Millisecond, NoiseLines: 1})
	checkStreamCancel(t, url+"/chat/completions", arkStreamBody(), ": ping\n")
}

func TestArkRecordingAndReset(t *testing.T) {
	a, url := newArk(t, ArkConfig{})
	r1 := post(t, url, arkHi, "X-Trace", "abc")
	id1 := decodeMap(t, readAll(t, r1.Body))["id"]
	do(t, http.MethodGet, url+"/api/v3/models?x=1", "")
	reqs := a.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "POST", reqs[0].Method)
	assert.Equal(t, "/chat/completions", reqs[0].Path)
	assert.Equal(t, "abc", reqs[0].Header.Get("X-Trace"))
	assert.Equal(t, arkHi, string(reqs[0].Body))
	assert.Equal(t, "/api/v3/models", reqs[1].Path)
	assert.Equal(t, "x=1", reqs[1].RawQuery)

	reqs[0].Body[0] = 'X'
	assert.Equal(t, arkHi, string(a.Requests()[0].Body), "Requests returns a copy")

	a.SetRecording(false)
	post(t, url, arkHi)
	assert.Len(t, a.Requests(), 2)
	a.SetRecording(true)
	post(t, url, arkHi)
	assert.Len(t, a.Requests(), 3)

	a.Enqueue(ServerError())
	a.Reset()
	assert.Empty(t, a.Requests())
	resp := post(t, url, arkHi)
	assert.Equal(t, 200, resp.StatusCode, "Reset drops pending faults")
	assert.Equal(t, id1, decodeMap(t, readAll(t, resp.Body))["id"], "Reset restarts ids")
}

func TestArkDeterministic(t *testing.T) {
	get := func() []byte {
		_, url := newArk(t, ArkConfig{})
		return readAll(t, post(t, url, `{"model":"doubao-seed-1-6-251015","stream":true,"messages":[{"role":"user","content":"<b>&</b>"}]}`).Body)
	}
	a, b := get(), get()
	assert.Equal(t, string(a), string(b))
	assert.Contains(t, string(a), `<b>&</b>`, "no HTML escaping")
	assert.NotEqual(t, arkID(fixedNow(), 1), arkID(fixedNow(), 2))
	assert.Len(t, arkID(time.Unix(0, 0), 1), 53)
	assert.Regexp(t, arkIDPattern, arkID(time.Unix(0, 0), 1))
}

func TestArkConcurrent(t *testing.T) {
	a, url := newArk(t, ArkConfig{NoiseLines: 2})
	bodies := []string{
		arkHi,
		arkStreamBody(),
		`{"model":"` + ArkExampleEndpoint + `","stream":true,"stream_options":{"include_usage":true,"chunk_include_usage":true},"messages":[{"role":"user","content":"x y"}]}`,
	}
	stressChats(t, a, url+"/api/v3/chat/completions", 12, func(w, i int) string { return bodies[(w+i)%len(bodies)] },
		429, ArkRateLimited("1"), ArkMidStreamError(3))
}

// TestArkServeHTTPDirect checks the handler works without a network and
// never panics on odd input.
func TestArkServeHTTPDirect(t *testing.T) {
	a := NewArk(ArkConfig{NoiseLines: 3, Now: fixedNow})
	serveEach(t, a, "/api/v3/chat/completions", []string{arkHi, arkStreamBody(), "\x00\xff", `[]`, `null`, `{"messages":null,"model":null}`,
		`{"model":"doubao-seed-1-6-251015","messages":[{}]}`, `{"model":"doubao-seed-1-6-251015","messages":[{"role":"user","content":[null,{}]}]}`}, nil)
}

func TestArkBodyTooLarge(t *testing.T) {
	_, url := newArk(t, ArkConfig{})
	big := `{"model":"doubao-seed-1-6-251015","messages":[{"role":"user","content":"` + strings.Repeat("a", maxBodyBytes) + `"}]}`
	resp := post(t, url, big)
	assert.Equal(t, 413, resp.StatusCode)
	assert.Equal(t, "RequestEntityTooLarge", arkErrorOf(t, resp)["type"])
}

func BenchmarkArkChat(b *testing.B) {
	benchChat(b, func() vendorMock { return NewArk(ArkConfig{}) }, "/api/v3/chat/completions", "doubao-seed-1-6-251015")
}
