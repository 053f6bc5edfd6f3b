package mockvendor

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	qf1TestKey    = "ak-test"
	qf1TestSecret = "sk-test"
	qf1Hi         = `{"messages":[{"role":"user","content":"hi"}]}`
	qf1StreamBody = `{"stream":true,"messages":[{"role":"user","content":"one two three"}]}`
)

func qf1NewMock(t *testing.T, cfg QianfanV1Config) (*QianfanV1, string) {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = fixedNow
	}
	q := NewQianfanV1(cfg)
	return q, serve(t, q)
}

func qf1TokenResp(t *testing.T, url, method, query string) *http.Response {
	t.Helper()
	return do(t, method, url+"/oauth/2.0/token?"+query, "")
}

func qf1GetToken(t *testing.T, url string) string {
	t.Helper()
	resp := qf1TokenResp(t, url, http.MethodPost, "grant_type=client_credentials&client_id="+qf1TestKey+"&client_secret="+qf1TestSecret)
	require.Equal(t, 200, resp.StatusCode)
	m := decodeMap(t, readAll(t, resp.Body))
	tok, _ := m["access_token"].(string)
	require.NotEmpty(t, tok)
	return tok
}

func qf1ChatURL(url, endpoint, token string) string {
	return url + "/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/" + endpoint + "?access_token=" + token
}

func qf1Post(t *testing.T, url, token, body string, hdr ...string) *http.Response {
	t.Helper()
	return do(t, http.MethodPost, qf1ChatURL(url, "completions", token), body, hdr...)
}

// qf1ErrorOf asserts an HTTP 200 v1 error body and returns its code and msg.
func qf1ErrorOf(t *testing.T, resp *http.Response) (int, string) {
	t.Helper()
	assert.Equal(t, 200, resp.StatusCode)
	return qf1ErrorBodyOf(t, resp)
}

func qf1ErrorBodyOf(t *testing.T, resp *http.Response) (int, string) {
	t.Helper()
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	m := decodeMap(t, readAll(t, resp.Body))
	assert.ElementsMatch(t, []string{"error_code", "error_msg"}, keys(m), "%v", m)
	code, _ := m["error_code"].(float64)
	msg, _ := m["error_msg"].(string)
	return int(code), msg
}

func qf1Events(t *testing.T, resp *http.Response) ([]map[string]any, sse, error) {
	t.Helper()
	s, err := readSSE(t, resp.Body)
	var out []map[string]any
	for _, d := range s.data {
		out = append(out, decodeMap(t, []byte(d)))
	}
	return out, s, err
}

func TestQianfanV1Token(t *testing.T) {
	q, url := qf1NewMock(t, QianfanV1Config{APIKey: qf1TestKey, SecretKey: qf1TestSecret})
	q.Enqueue(QianfanV1Overloaded()) // token requests must not consume it

	resp := qf1TokenResp(t, url, http.MethodPost, "grant_type=client_credentials&client_id=ak-test&client_secret=sk-test")
	require.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	m := decodeMap(t, readAll(t, resp.Body))
	assert.ElementsMatch(t, []string{"refresh_token", "expires_in", "session_key", "access_token", "scope", "session_secret"}, keys(m))
	assert.Equal(t, float64(2592000), m["expires_in"])
	assert.Regexp(t, `^24\.[0-9a-f]{32}$`, m["access_token"])
	assert.Regexp(t, `^25\.[0-9a-f]+$`, m["refresh_token"])
	assert.NotEmpty(t, m["session_key"])
	assert.NotEmpty(t, m["session_secret"])
	assert.Contains(t, m["scope"], "wenxinworkshop")
	assert.Equal(t, 1, q.TokenFetches())

	// GET is accepted too, and every grant is a fresh token.
	resp = qf1TokenResp(t, url, http.MethodGet, "grant_type=client_credentials&client_id=ak-test&client_secret=sk-test")
	require.Equal(t, 200, resp.StatusCode)
	assert.NotEqual(t, m["access_token"], decodeMap(t, readAll(t, resp.Body))["access_token"])
	assert.Equal(t, 2, q.TokenFetches())

	cases := []struct {
		name, method, query string
		status              int
		errCode, desc       string
	}{
		{"bad client id", "POST", "grant_type=client_credentials&client_id=nope&client_secret=sk-test", 401, "invalid_client", "unknown client id"},
		{"bad secret", "POST", "grant_type=client_credentials&client_id=ak-test&client_secret=nope", 401, "invalid_client", "Client authentication failed"},
		{"missing grant_type", "POST", "client_id=ak-test&client_secret=sk-test", 400, "invalid_request", "grant_type"},
		{"missing client_id", "POST", "grant_type=client_credentials&client_secret=sk-test", 400, "invalid_request", "client_id"},
		{"missing client_secret", "POST", "grant_type=client_credentials&client_id=ak-test", 400, "invalid_request", "client_secret"},
		{"no params", "POST", "", 400, "invalid_request", "grant_type"},
		{"other grant", "POST", "grant_type=password&client_id=ak-test&client_secret=sk-test", 400, "unsupported_grant_type", "not supported"},
		{"bad method", "PUT", "grant_type=client_credentials&client_id=ak-test&client_secret=sk-test", 405, "invalid_request", "method"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := qf1TokenResp(t, url, tc.method, tc.query)
			assert.Equal(t, tc.status, resp.StatusCode)
			assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			e := decodeMap(t, readAll(t, resp.Body))
			assert.ElementsMatch(t, []string{"error", "error_description"}, keys(e))
			assert.Equal(t, tc.errCode, e["error"])
			assert.Contains(t, e["error_description"], tc.desc)
		})
	}
	assert.Equal(t, 2, q.TokenFetches(), "failures are not counted")

	// The queued fault is still there for the first chat call.
	code, _ := qf1ErrorOf(t, qf1Post(t, url, qf1GetToken(t, url), qf1Hi))
	assert.Equal(t, 336100, code)
}

func TestQianfanV1TokenAnyCredentials(t *testing.T) {
	q, url := qf1NewMock(t, QianfanV1Config{TokenTTL: time.Hour})
	resp := qf1TokenResp(t, url, http.MethodPost, "grant_type=client_credentials&client_id=whatever&client_secret=anything")
	require.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, float64(3600), decodeMap(t, readAll(t, resp.Body))["expires_in"])
	assert.Equal(t, 400, qf1TokenResp(t, url, http.MethodPost, "grant_type=client_credentials&client_id=&client_secret=x").StatusCode)
	assert.Equal(t, 1, q.TokenFetches())
}

func TestQianfanV1AccessToken(t *testing.T) {
	var now atomic.Int64
	now.Store(fixedNow().Unix())
	clock := func() time.Time { return time.Unix(now.Load(), 0) }
	q, url := qf1NewMock(t, QianfanV1Config{TokenTTL: time.Hour, Now: clock})

	code, msg := qf1ErrorOf(t, do(t, http.MethodPost, url+"/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/completions", qf1Hi))
	assert.Equal(t, 110, code, "missing token")
	assert.Equal(t, "Access token invalid or no longer valid", msg)
	code, _ = qf1ErrorOf(t, qf1Post(t, url, "24.deadbeef", qf1Hi))
	assert.Equal(t, 110, code, "never issued")

	tok := qf1GetToken(t, url)
	assert.Equal(t, 200, qf1Post(t, url, tok, qf1Hi).StatusCode)
	assert.Contains(t, string(readAll(t, qf1Post(t, url, tok, qf1Hi).Body)), `"result"`)

	// TTL elapses on the mock's clock.
	now.Add(3599)
	assert.Contains(t, string(readAll(t, qf1Post(t, url, tok, qf1Hi).Body)), `"result"`)
	now.Add(1)
	code, msg = qf1ErrorOf(t, qf1Post(t, url, tok, qf1Hi))
	assert.Equal(t, 111, code)
	assert.Equal(t, "Access token expired", msg)

	// A fresh token works; ExpireTokens expires it, and later ones work.
	tok2 := qf1GetToken(t, url)
	assert.Contains(t, string(readAll(t, qf1Post(t, url, tok2, qf1Hi).Body)), `"result"`)
	q.ExpireTokens()
	code, _ = qf1ErrorOf(t, qf1Post(t, url, tok2, qf1Hi))
	assert.Equal(t, 111, code)
	code, _ = qf1ErrorOf(t, qf1Post(t, url, "24.neverissued", qf1Hi))
	assert.Equal(t, 110, code)
	tok3 := qf1GetToken(t, url)
	assert.Contains(t, string(readAll(t, qf1Post(t, url, tok3, qf1Hi).Body)), `"result"`)
	assert.Equal(t, 3, q.TokenFetches())

	// Token errors on a stream request are plain JSON too.
	code, _ = qf1ErrorOf(t, qf1Post(t, url, tok2, qf1StreamBody))
	assert.Equal(t, 111, code)
}

func TestQianfanV1Validation(t *testing.T) {
	_, url := qf1NewMock(t, QianfanV1Config{})
	tok := qf1GetToken(t, url)
	user := `"messages":[{"role":"user","content":"hi"}]`
	cases := []struct {
		name, body string
		code       int
		msg        string // substring
	}{
		{"not json", `{"messages":`, 336002, "Invalid JSON"},
		{"top-level array", `[]`, 336002, "Invalid JSON"},
		{"empty body", ``, 336001, "Invalid Argument"},
		{"missing messages", `{}`, 336003, "messages must not be empty"},
		{"empty messages", `{"messages":[]}`, 336003, "messages must not be empty"},
		{"even count", `{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}]}`, 336003, "messages length must be odd"},
		{"system role", `{"messages":[{"role":"system","content":"be brief"},{"role":"user","content":"a"},{"role":"assistant","content":"b"}]}`, 336003, `"system"`},
		{"system role even count", `{"messages":[{"role":"system","content":"be brief"},{"role":"user","content":"a"}]}`, 336003, `"system"`},
		{"first not user", `{"messages":[{"role":"assistant","content":"a"}]}`, 336003, "first message must be user"},
		{"two users", `{"messages":[{"role":"user","content":"a"},{"role":"user","content":"b"},{"role":"user","content":"c"}]}`, 336003, "odd index in the messages must be assistant"},
		{"assistant at even", `{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"assistant","content":"c"}]}`, 336003, "even index in the messages must be user or function"},
		{"tool role", `{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"tool","content":"c"}]}`, 336003, "even index"},
		{"function without name", `{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"function","content":"c"}]}`, 336003, "name is required"},
		{"parts content", `{"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}`, 336003, "must be a string"},
		{"number content", `{"messages":[{"role":"user","content":5}]}`, 336003, "must be a string"},
		{"empty content", `{"messages":[{"role":"user","content":""}]}`, 336003, "must not be empty"},
		{"null content", `{"messages":[{"role":"user","content":null}]}`, 336003, "must not be empty"},
		{"blank last", `{"messages":[{"role":"user","content":"  "}]}`, 336003, "blank"},
		{"assistant empty content", `{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":""},{"role":"user","content":"c"}]}`, 336003, "messages[1] must not be empty"},
		{"temperature zero", `{` + user + `,"temperature":0}`, 336003, "temperature"},
		{"temperature high", `{` + user + `,"temperature":1.5}`, 336003, "temperature"},
		{"temperature string", `{` + user + `,"temperature":"hot"}`, 336003, "temperature"},
		{"top_p", `{` + user + `,"top_p":1.1}`, 336003, "top_p"},
		{"penalty low", `{` + user + `,"penalty_score":0.5}`, 336003, "penalty_score"},
		{"penalty high", `{` + user + `,"penalty_score":2.5}`, 336003, "penalty_score"},
		{"too many stops", `{` + user + `,"stop":["a","b","c","d","e"]}`, 336003, "stop"},
		{"long stop", `{` + user + `,"stop":["` + strings.Repeat("x", 21) + `"]}`, 336003, "stop"},
		{"stop string", `{` + user + `,"stop":"x"}`, 336003, "stop"},
		{"max_output_tokens low", `{` + user + `,"max_output_tokens":1}`, 336003, "max_output_tokens range is [2, 2048]"},
		{"max_output_tokens high", `{` + user + `,"max_output_tokens":2049}`, 336003, "max_output_tokens range is [2, 2048]"},
		{"response_format object", `{` + user + `,"response_format":{"type":"json_object"}}`, 336003, "response_format"},
		{"response_format other", `{` + user + `,"response_format":"json_schema"}`, 336003, "response_format"},
		{"functions entry without name", `{` + user + `,"functions":[{"description":"d","parameters":{}}]}`, 336003, "functions[0].name"},
		{"tool_choice unknown fn", `{` + user + `,"functions":[{"name":"a"}],"tool_choice":{"type":"function","function":{"name":"b"}}}`, 336003, "tool_choice"},
		{"tool_choice bad", `{` + user + `,"functions":[{"name":"a"}],"tool_choice":"required"}`, 336003, "tool_choice"},
		{"stream string", `{` + user + `,"stream":"yes"}`, 336003, "stream"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, msg := qf1ErrorOf(t, qf1Post(t, url, tok, tc.body))
			assert.Equal(t, tc.code, code)
			assert.Contains(t, msg, tc.msg)
		})
	}
	// A stream request that fails validation gets JSON, not SSE.
	resp := qf1Post(t, url, tok, `{"stream":true,"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}]}`)
	code, _ := qf1ErrorOf(t, resp)
	assert.Equal(t, 336003, code)
}

func TestQianfanV1ValidationAccepts(t *testing.T) {
	_, url := qf1NewMock(t, QianfanV1Config{})
	tok := qf1GetToken(t, url)
	cases := map[string]string{
		"model ignored":   `{"model":"ernie-4.0-8k","messages":[{"role":"user","content":"hi"}]}`,
		"system field":    `{"system":"be brief","messages":[{"role":"user","content":"hi"}]}`,
		"three turns":     `{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"c"}]}`,
		"bounds":          `{"messages":[{"role":"user","content":"hi"}],"temperature":1,"top_p":0,"penalty_score":2,"max_output_tokens":2048,"stop":["a","b","c","` + strings.Repeat("ü", 20) + `"]}`,
		"low bounds":      `{"messages":[{"role":"user","content":"hi"}],"temperature":0.01,"top_p":1,"penalty_score":1,"max_output_tokens":2}`,
		"response text":   `{"messages":[{"role":"user","content":"hi"}],"response_format":"text"}`,
		"response json":   `{"messages":[{"role":"user","content":"hi"}],"response_format":"json_object"}`,
		"flags":           `{"messages":[{"role":"user","content":"hi"}],"disable_search":true,"enable_citation":true,"enable_trace":false,"user_id":"u-1"}`,
		"tool_choice":     `{"messages":[{"role":"user","content":"hi"}],"functions":[{"name":"a","description":"d","parameters":{"type":"object"}}],"tool_choice":{"type":"function","function":{"name":"a"}}}`,
		"unknown fields":  `{"messages":[{"role":"user","content":"hi","extra":1}],"frobnicate":true}`,
		"function turn":   `{"messages":[{"role":"user","content":"w"},{"role":"assistant","content":"","function_call":{"name":"a","arguments":"{}"}},{"role":"function","name":"a","content":"sunny"}]}`,
		"function no key": `{"messages":[{"role":"user","content":"w"},{"role":"assistant","function_call":{"name":"a","arguments":"{}"}},{"role":"function","name":"a","content":"sunny"}]}`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			resp := qf1Post(t, url, tok, body)
			b := readAll(t, resp.Body)
			require.Equal(t, 200, resp.StatusCode)
			assert.NotContains(t, string(b), "error_code")
		})
	}
}

func TestQianfanV1Endpoints(t *testing.T) {
	_, url := qf1NewMock(t, QianfanV1Config{Endpoints: map[string]string{"my-svc": "ERNIE-Speed-128K", "/other/": "Custom"}})
	tok := qf1GetToken(t, url)
	for _, ep := range []string{"completions_pro", "completions", "ernie_speed", "ernie-speed-128k", "ernie-lite-8k", "eb-instant",
		"ernie-4.0-turbo-8k", "ernie-3.5-128k", "ernie-tiny-8k", "ernie-char-8k", "my-svc", "other"} {
		resp := do(t, http.MethodPost, qf1ChatURL(url, ep, tok), qf1Hi)
		assert.NotContains(t, string(readAll(t, resp.Body)), "error_code", ep)
	}
	code, msg := qf1ErrorOf(t, do(t, http.MethodPost, qf1ChatURL(url, "gpt-4o", tok), qf1Hi))
	assert.Equal(t, 336005, code)
	assert.Equal(t, "API name not exist", msg)
	code, _ = qf1ErrorOf(t, do(t, http.MethodPost, qf1ChatURL(url, "", tok), qf1Hi))
	assert.Equal(t, 336005, code)

	// Speed-128K (and endpoints mapped to it) accept up to 4096 output tokens.
	big := `{"messages":[{"role":"user","content":"hi"}],"max_output_tokens":4096}`
	for _, ep := range []string{"ernie-speed-128k", "my-svc"} {
		assert.NotContains(t, string(readAll(t, do(t, http.MethodPost, qf1ChatURL(url, ep, tok), big).Body)), "error_code", ep)
	}
	code, msg = qf1ErrorOf(t, do(t, http.MethodPost, qf1ChatURL(url, "ernie-speed-128k", tok), strings.Replace(big, "4096", "4097", 1)))
	assert.Equal(t, 336003, code)
	assert.Contains(t, msg, "[2, 4096]")
	code, _ = qf1ErrorOf(t, do(t, http.MethodPost, qf1ChatURL(url, "other", tok), big))
	assert.Equal(t, 336003, code)

	code, _ = qf1ErrorOf(t, do(t, http.MethodGet, qf1ChatURL(url, "completions", tok), ""))
	assert.Equal(t, 336101, code, "wrong method")
	code, msg = qf1ErrorOf(t, do(t, http.MethodPost, url+"/rpc/2.0/nothing?access_token="+tok, qf1Hi))
	assert.Equal(t, 3, code)
	assert.Equal(t, "Unsupported openapi method", msg)
}

func TestQianfanV1NonStreamShape(t *testing.T) {
	_, url := qf1NewMock(t, QianfanV1Config{})
	tok := qf1GetToken(t, url)
	body := `{"system":"be brief","messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b c"},{"role":"user","content":"hello there"}]}`
	resp := qf1Post(t, url, tok, body, "Request_id", "req-123")
	require.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	assert.Equal(t, "req-123", resp.Header.Get("X-Baidu-Request-Id"))
	assert.NotEmpty(t, resp.Header.Get("X-Ratelimit-Limit-Requests"))
	assert.NotEmpty(t, resp.Header.Get("X-Ratelimit-Limit-Tokens"))
	m := decodeMap(t, readAll(t, resp.Body))
	assert.ElementsMatch(t, []string{"id", "object", "created", "result", "is_truncated", "need_clear_history",
		"finish_reason", "flag", "usage"}, keys(m))
	assert.Regexp(t, `^as-[0-9a-z]{10}$`, m["id"])
	assert.Equal(t, "chat.completion", m["object"])
	assert.Equal(t, float64(1766977481), m["created"])
	assert.Equal(t, "Hello! You said: hello there", m["result"])
	assert.Equal(t, false, m["is_truncated"])
	assert.Equal(t, false, m["need_clear_history"])
	assert.Equal(t, "normal", m["finish_reason"])
	assert.Equal(t, float64(0), m["flag"])
	// prompt: system 2+1, "a" 1+1, "b c" 2+1, "hello there" 2+1 = 11; answer 5 words.
	assert.Equal(t, map[string]any{"prompt_tokens": float64(11), "completion_tokens": float64(5), "total_tokens": float64(16)}, m["usage"])

	// Without Request_id a request id is generated; ids differ per answer.
	resp2 := qf1Post(t, url, tok, qf1Hi)
	assert.NotEmpty(t, resp2.Header.Get("X-Baidu-Request-Id"))
	m2 := decodeMap(t, readAll(t, resp2.Body))
	assert.NotEqual(t, m["id"], m2["id"])

	// Error answers carry the request id too.
	resp3 := qf1Post(t, url, "bad", qf1Hi, "Request_id", "req-err")
	assert.Equal(t, "req-err", resp3.Header.Get("X-Baidu-Request-Id"))
}

func TestQianfanV1Deterministic(t *testing.T) {
	get := func() (string, string) {
		_, url := qf1NewMock(t, QianfanV1Config{})
		tok := qf1GetToken(t, url)
		a := string(readAll(t, qf1Post(t, url, tok, `{"messages":[{"role":"user","content":"<b>&</b>"}]}`).Body))
		b := string(readAll(t, qf1Post(t, url, tok, qf1StreamBody).Body))
		return a, b
	}
	a1, b1 := get()
	a2, b2 := get()
	assert.Equal(t, a1, a2)
	assert.Equal(t, b1, b2)
	assert.Contains(t, a1, `You said: <b>&</b>`, "no HTML escaping")
}

func TestQianfanV1StreamFraming(t *testing.T) {
	_, url := qf1NewMock(t, QianfanV1Config{})
	tok := qf1GetToken(t, url)
	resp := qf1Post(t, url, tok, qf1StreamBody, "Request_id", "rid")
	require.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	assert.Equal(t, "rid", resp.Header.Get("X-Baidu-Request-Id"))
	evs, s, err := qf1Events(t, resp)
	require.NoError(t, err)
	assert.Empty(t, s.comments)
	assert.NotContains(t, s.data, "[DONE]")
	// "Hello! You said: one two three": 6 word events, then the end event.
	require.Len(t, evs, 7)
	var text strings.Builder
	for i, ev := range evs {
		assert.ElementsMatch(t, []string{"id", "object", "created", "sentence_id", "is_end", "is_truncated", "result",
			"need_clear_history", "finish_reason", "usage"}, keys(ev), "event %d", i)
		assert.Equal(t, "chat.completion", ev["object"])
		assert.Equal(t, evs[0]["id"], ev["id"])
		assert.Regexp(t, `^as-[0-9a-z]{10}$`, ev["id"])
		assert.Equal(t, float64(i), ev["sentence_id"])
		assert.Equal(t, i == len(evs)-1, ev["is_end"])
		assert.Equal(t, "normal", ev["finish_reason"])
		u := ev["usage"].(map[string]any)
		assert.Equal(t, float64(4), u["prompt_tokens"])
		done := min(i+1, 6)
		assert.Equal(t, float64(done), u["completion_tokens"], "cumulative usage on event %d", i)
		assert.Equal(t, float64(4+done), u["total_tokens"])
		text.WriteString(ev["result"].(string))
	}
	assert.Equal(t, "", evs[6]["result"])
	assert.Equal(t, "Hello! You said: one two three", text.String())

	// The raw framing is "data: {json}\n\n" and nothing else.
	raw := string(readAll(t, qf1Post(t, url, tok, qf1StreamBody).Body))
	assert.True(t, strings.HasPrefix(raw, `data: {"id":"as-`), raw)
	assert.True(t, strings.HasSuffix(raw, "}\n\n"), raw)
	assert.Equal(t, 7, strings.Count(raw, "\n\n"))
}

func TestQianfanV1StreamMatchesNonStream(t *testing.T) {
	_, url := qf1NewMock(t, QianfanV1Config{})
	tok := qf1GetToken(t, url)
	m := decodeMap(t, readAll(t, qf1Post(t, url, tok, strings.Replace(qf1StreamBody, `"stream":true,`, "", 1)).Body))
	evs, _, err := qf1Events(t, qf1Post(t, url, tok, qf1StreamBody))
	require.NoError(t, err)
	var text strings.Builder
	for _, ev := range evs {
		text.WriteString(ev["result"].(string))
	}
	assert.Equal(t, m["result"], text.String())
	assert.Equal(t, m["usage"], evs[len(evs)-1]["usage"])
}

func TestQianfanV1FunctionCall(t *testing.T) {
	_, url := qf1NewMock(t, QianfanV1Config{})
	tok := qf1GetToken(t, url)
	fns := `"functions":[{"name":"get_weather","description":"weather","parameters":{"type":"object"}},{"name":"search","description":"s","parameters":{}}]`
	body := `{` + fns + `,"messages":[{"role":"user","content":"weather in Beijing"}]}`
	m := decodeMap(t, readAll(t, qf1Post(t, url, tok, body).Body))
	assert.ElementsMatch(t, []string{"id", "object", "created", "result", "is_truncated", "need_clear_history",
		"finish_reason", "flag", "function_call", "usage"}, keys(m))
	assert.Equal(t, "", m["result"])
	assert.Equal(t, "function_call", m["finish_reason"])
	fc := m["function_call"].(map[string]any)
	assert.ElementsMatch(t, []string{"name", "arguments", "thoughts"}, keys(fc))
	assert.Equal(t, "get_weather", fc["name"])
	assert.Equal(t, `{"query":"weather in Beijing"}`, fc["arguments"])
	assert.NotEmpty(t, fc["thoughts"])
	var args map[string]string
	require.NoError(t, json.Unmarshal([]byte(fc["arguments"].(string)), &args))
	assert.Equal(t, "weather in Beijing", args["query"])

	// tool_choice names the function; "none" disables calling.
	m = decodeMap(t, readAll(t, qf1Post(t, url, tok, `{`+fns+`,"tool_choice":{"type":"function","function":{"name":"search"}},"messages":[{"role":"user","content":"x"}]}`).Body))
	assert.Equal(t, "search", m["function_call"].(map[string]any)["name"])
	m = decodeMap(t, readAll(t, qf1Post(t, url, tok, `{`+fns+`,"tool_choice":"none","messages":[{"role":"user","content":"x"}]}`).Body))
	assert.Equal(t, "Hello! You said: x", m["result"])

	// The function result turn gets an answer.
	follow := `{` + fns + `,"messages":[{"role":"user","content":"weather in Beijing"},` +
		`{"role":"assistant","content":"","function_call":{"name":"get_weather","arguments":"{}"}},` +
		`{"role":"function","name":"get_weather","content":"sunny 25C"}]}`
	m = decodeMap(t, readAll(t, qf1Post(t, url, tok, follow).Body))
	assert.Equal(t, "Tool result: sunny 25C", m["result"])
	assert.Equal(t, "normal", m["finish_reason"])
	assert.NotContains(t, keys(m), "function_call")

	// Streaming a call: one final event carrying function_call.
	evs, _, err := qf1Events(t, qf1Post(t, url, tok, `{"stream":true,`+body[1:]))
	require.NoError(t, err)
	require.Len(t, evs, 1)
	assert.Equal(t, true, evs[0]["is_end"])
	assert.Equal(t, "function_call", evs[0]["finish_reason"])
	assert.Equal(t, "get_weather", evs[0]["function_call"].(map[string]any)["name"])
	assert.Equal(t, float64(3), evs[0]["usage"].(map[string]any)["completion_tokens"])
}

func TestQianfanV1MaxOutputTokens(t *testing.T) {
	_, url := qf1NewMock(t, QianfanV1Config{})
	tok := qf1GetToken(t, url)
	body := `{"max_output_tokens":3,"messages":[{"role":"user","content":"one two three"}]}`
	m := decodeMap(t, readAll(t, qf1Post(t, url, tok, body).Body))
	assert.Equal(t, "Hello! You said:", m["result"])
	assert.Equal(t, "length", m["finish_reason"])
	assert.Equal(t, true, m["is_truncated"])
	assert.Equal(t, float64(3), m["usage"].(map[string]any)["completion_tokens"])

	evs, _, err := qf1Events(t, qf1Post(t, url, tok, `{"stream":true,`+body[1:]))
	require.NoError(t, err)
	require.Len(t, evs, 4)
	last := evs[3]
	assert.Equal(t, true, last["is_end"])
	assert.Equal(t, "length", last["finish_reason"])
	assert.Equal(t, true, last["is_truncated"])
	assert.Equal(t, "normal", evs[0]["finish_reason"])
}

func TestQianfanV1ErrorCodeFaults(t *testing.T) {
	q, url := qf1NewMock(t, QianfanV1Config{})
	tok := qf1GetToken(t, url)
	cases := []struct {
		f    Fault
		code int
		msg  string
	}{
		{QianfanV1Error(2), 2, "Service temporarily unavailable"},
		{QianfanV1Error(4242), 4242, "Unknown error"},
		{QianfanV1RateLimited(), 336501, "RPM limit reached"},
		{QianfanV1TPMLimited(), 336502, "TPM limit reached"},
		{QianfanV1Overloaded(), 336100, "Server high load"},
		{QianfanV1TokenExpired(), 111, "Access token expired"},
		{QianfanV1TokenInvalid(), 110, "Access token invalid or no longer valid"},
		{QianfanV1QPSLimit(), 18, "Open api qps request limit reached"},
		{Fault{ErrorCode: 336003, Message: "Invalid param: custom"}, 336003, "Invalid param: custom"},
		{Fault{ErrorCode: 336000, Code: "ignored"}, 336000, "Internal error"},
	}
	for _, stream := range []bool{false, true} {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("%d stream=%v", tc.code, stream), func(t *testing.T) {
				q.Enqueue(tc.f)
				body := qf1Hi
				if stream {
					body = qf1StreamBody
				}
				// Faults preempt request checks: even a bad token gets the fault.
				resp := qf1Post(t, url, "not-a-token", body)
				code, msg := qf1ErrorOf(t, resp)
				assert.Equal(t, tc.code, code)
				assert.Equal(t, tc.msg, msg)
				assert.Equal(t, 200, qf1Post(t, url, tok, body).StatusCode, "one fault per request")
			})
		}
	}
}

func TestQianfanV1StatusFaults(t *testing.T) {
	q, url := qf1NewMock(t, QianfanV1Config{})
	tok := qf1GetToken(t, url)

	q.Enqueue(QianfanV1IAMUnauthorized())
	resp := qf1Post(t, url, tok, qf1StreamBody)
	assert.Equal(t, 401, resp.StatusCode)
	assert.Equal(t, "IamSignatureInvalid", resp.Header.Get("X-Bce-Error-Code"))
	assert.NotEmpty(t, resp.Header.Get("X-Bce-Error-Message"))
	code, msg := qf1ErrorBodyOf(t, resp)
	assert.Equal(t, 14, code)
	assert.Equal(t, "IAM Certification failed", msg)

	q.Enqueue(Fault{Status: 403, Message: "denied"})
	resp = qf1Post(t, url, tok, qf1Hi)
	assert.Equal(t, 403, resp.StatusCode)
	assert.Equal(t, "AccessDenied", resp.Header.Get("X-Bce-Error-Code"))
	code, msg = qf1ErrorBodyOf(t, resp)
	assert.Equal(t, 6, code)
	assert.Equal(t, "denied", msg)

	for _, tc := range []struct{ status, want, code int }{
		{429, 429, 336501}, {500, 500, 336000}, {503, 503, 336100}, {502, 502, 2}, {200, 500, 336000},
	} {
		q.Enqueue(Fault{Status: tc.status, RetryAfter: "3"})
		resp = qf1Post(t, url, tok, qf1Hi)
		assert.Equal(t, tc.want, resp.StatusCode)
		assert.Empty(t, resp.Header.Get("X-Bce-Error-Code"))
		assert.Equal(t, "3", resp.Header.Get("Retry-After"))
		code, _ = qf1ErrorBodyOf(t, resp)
		assert.Equal(t, tc.code, code, "status %d", tc.status)
	}
	q.Enqueue(Fault{Status: 429, ErrorCode: 336502})
	code, _ = qf1ErrorBodyOf(t, qf1Post(t, url, tok, qf1Hi))
	assert.Equal(t, 336502, code)
}

func TestQianfanV1ConnectionReset(t *testing.T) {
	q, url := qf1NewMock(t, QianfanV1Config{})
	tok := qf1GetToken(t, url)
	q.Enqueue(ConnectionReset())
	req, err := http.NewRequest(http.MethodPost, qf1ChatURL(url, "completions", tok), strings.NewReader(qf1Hi))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		_ = resp.Body.Close()
	}
	require.Error(t, err)
	assert.Equal(t, 200, qf1Post(t, url, tok, qf1Hi).StatusCode)
}

func TestQianfanV1StreamFaults(t *testing.T) {
	// The stream for "one two three" is 7 events, the last with is_end.
	t.Run("truncate", func(t *testing.T) {
		for _, n := range []int{1, 3, 6} {
			q, url := qf1NewMock(t, QianfanV1Config{})
			tok := qf1GetToken(t, url)
			q.Enqueue(TruncatedStream(n))
			evs, _, err := qf1Events(t, qf1Post(t, url, tok, qf1StreamBody))
			require.NoError(t, err, "truncation ends the body cleanly")
			require.Len(t, evs, n)
			for _, ev := range evs {
				assert.Equal(t, false, ev["is_end"])
			}
		}
	})
	t.Run("truncate at end", func(t *testing.T) {
		q, url := qf1NewMock(t, QianfanV1Config{})
		tok := qf1GetToken(t, url)
		q.Enqueue(TruncatedStream(7))
		evs, _, err := qf1Events(t, qf1Post(t, url, tok, qf1StreamBody))
		require.NoError(t, err)
		require.Len(t, evs, 7)
		assert.Equal(t, true, evs[6]["is_end"])
	})
	t.Run("abort", func(t *testing.T) {
		for _, n := range []int{1, 4, 6} {
			q, url := qf1NewMock(t, QianfanV1Config{})
			tok := qf1GetToken(t, url)
			q.Enqueue(AbortedStream(n))
			resp := qf1Post(t, url, tok, qf1StreamBody)
			require.Equal(t, 200, resp.StatusCode)
			s, err := readSSE(t, resp.Body)
			require.ErrorIs(t, err, io.ErrUnexpectedEOF)
			assert.Len(t, s.data, n)
		}
	})
	t.Run("error after", func(t *testing.T) {
		for _, n := range []int{1, 3, 6} {
			q, url := qf1NewMock(t, QianfanV1Config{})
			tok := qf1GetToken(t, url)
			q.Enqueue(QianfanV1StreamError(n))
			evs, _, err := qf1Events(t, qf1Post(t, url, tok, qf1StreamBody))
			require.NoError(t, err)
			require.Len(t, evs, n+1)
			for _, ev := range evs[:n] {
				assert.Equal(t, false, ev["is_end"])
			}
			assert.Equal(t, map[string]any{"error_code": float64(336000), "error_msg": "Internal error"}, evs[n])
		}
	})
	t.Run("error after with message", func(t *testing.T) {
		q, url := qf1NewMock(t, QianfanV1Config{})
		tok := qf1GetToken(t, url)
		q.Enqueue(Fault{ErrorAfter: 2, Message: "boom"})
		evs, _, err := qf1Events(t, qf1Post(t, url, tok, qf1StreamBody))
		require.NoError(t, err)
		require.Len(t, evs, 3)
		assert.Equal(t, "boom", evs[2]["error_msg"])
	})
	t.Run("non-stream ignores stream cuts", func(t *testing.T) {
		q, url := qf1NewMock(t, QianfanV1Config{})
		tok := qf1GetToken(t, url)
		q.Enqueue(TruncatedStream(1), AbortedStream(1), QianfanV1StreamError(1), Fault{})
		for i := 0; i < 4; i++ {
			m := decodeMap(t, readAll(t, qf1Post(t, url, tok, qf1Hi).Body))
			assert.Equal(t, "Hello! You said: hi", m["result"])
		}
		evs, _, err := qf1Events(t, qf1Post(t, url, tok, qf1StreamBody))
		require.NoError(t, err)
		assert.Len(t, evs, 7)
	})
}

func TestQianfanV1Latency(t *testing.T) {
	q, url := qf1NewMock(t, QianfanV1Config{Latency: 20 * time.Millisecond})
	checkLatency(t, q, qf1ChatURL(url, "completions", qf1GetToken(t, url)), qf1Hi)
}

func TestQianfanV1StreamCancel(t *testing.T) {
	_, url := qf1NewMock(t, QianfanV1Config{ChunkDelay: 20 * time.Millisecond})
	checkStreamCancel(t, qf1ChatURL(url, "completions", qf1GetToken(t, url)), qf1StreamBody, "data: ")
}

func TestQianfanV1RecordingAndReset(t *testing.T) {
	q, url := qf1NewMock(t, QianfanV1Config{})
	tok := qf1GetToken(t, url)
	first := decodeMap(t, readAll(t, qf1Post(t, url, tok, qf1Hi, "X-Trace", "abc").Body))["id"]

	reqs := q.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "/oauth/2.0/token", reqs[0].Path)
	assert.Contains(t, reqs[0].RawQuery, "grant_type=client_credentials")
	assert.Equal(t, []byte{}, reqs[0].Body)
	assert.Equal(t, "/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/completions", reqs[1].Path)
	assert.Equal(t, "access_token="+tok, reqs[1].RawQuery)
	assert.Equal(t, "abc", reqs[1].Header.Get("X-Trace"))
	assert.JSONEq(t, qf1Hi, string(reqs[1].Body))
	reqs[1].Body[0] = 'X'
	assert.Equal(t, byte('{'), q.Requests()[1].Body[0], "snapshot is a copy")

	q.SetRecording(false)
	qf1Post(t, url, tok, qf1Hi)
	assert.Len(t, q.Requests(), 2)
	q.SetRecording(true)

	q.Enqueue(QianfanV1Overloaded())
	q.Reset()
	assert.Empty(t, q.Requests())
	assert.Equal(t, 0, q.TokenFetches())
	// Faults are gone, ids restart, and the issued token survives.
	m := decodeMap(t, readAll(t, qf1Post(t, url, tok, qf1Hi).Body))
	assert.Equal(t, first, m["id"])
	assert.Len(t, q.Requests(), 1)
}

func TestQianfanV1Concurrent(t *testing.T) {
	q, url := qf1NewMock(t, QianfanV1Config{APIKey: qf1TestKey, SecretKey: qf1TestSecret})
	const workers, per = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*per*2)
	client := &http.Client{Timeout: 10 * time.Second}
	tokenURL := url + "/oauth/2.0/token?grant_type=client_credentials&client_id=" + qf1TestKey + "&client_secret=" + qf1TestSecret
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := client.Post(tokenURL, "", nil)
			if err != nil {
				errs <- err
				return
			}
			var tr struct {
				AccessToken string `json:"access_token"`
			}
			err = json.NewDecoder(resp.Body).Decode(&tr)
			_ = resp.Body.Close()
			if err != nil {
				errs <- err
				return
			}
			for i := 0; i < per; i++ {
				body := qf1Hi
				if i%2 == 1 {
					body = qf1StreamBody
				}
				resp, err := client.Post(qf1ChatURL(url, "ernie_speed", tr.AccessToken), "application/json", strings.NewReader(body))
				if err != nil {
					errs <- err
					continue
				}
				b, err := io.ReadAll(resp.Body)
				_ = resp.Body.Close()
				switch {
				case err != nil:
					errs <- err
				case resp.StatusCode != 200:
					errs <- fmt.Errorf("status %d: %s", resp.StatusCode, b)
				case strings.Contains(string(b), `"error_code"`) && !strings.Contains(string(b), `"error_code":336100`) &&
					!strings.Contains(string(b), `"error_code":111`):
					errs <- fmt.Errorf("unexpected error: %s", b)
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 20; i++ {
			q.Enqueue(QianfanV1Overloaded())
			_ = q.Requests()
			_ = q.TokenFetches()
			q.SetRecording(i%3 != 0)
			if i%7 == 0 {
				q.Reset()
			}
			if i == 19 {
				q.ExpireTokens()
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestQianfanV1ServeHTTPDirect checks the handler works without a network
// and never panics on odd input.
func TestQianfanV1ServeHTTPDirect(t *testing.T) {
	q := NewQianfanV1(QianfanV1Config{Now: fixedNow})
	rec := httptest.NewRecorder()
	q.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/oauth/2.0/token?grant_type=client_credentials&client_id=a&client_secret=b", nil))
	require.Equal(t, 200, rec.Code)
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &tr))
	for _, body := range []string{qf1Hi, qf1StreamBody, "\x00\xff", `[]`, `null`, `{"messages":null}`, `{"messages":[{}]}`, `{"messages":[null]}`, `{"tool_choice":5,"messages":[{"role":"user","content":"x"}]}`} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, qf1ChatURL("", "completions", tr.AccessToken), strings.NewReader(body))
		assert.NotPanics(t, func() { q.ServeHTTP(rec, req) }, body)
		assert.Equal(t, 200, rec.Code, body)
	}
}

func TestQianfanV1BodyTooLarge(t *testing.T) {
	_, url := qf1NewMock(t, QianfanV1Config{})
	tok := qf1GetToken(t, url)
	big := `{"messages":[{"role":"user","content":"` + strings.Repeat("a", maxBodyBytes) + `"}]}`
	code, _ := qf1ErrorOf(t, qf1Post(t, url, tok, big))
	assert.Equal(t, 336001, code)
}

func BenchmarkQianfanV1Chat(b *testing.B) {
	q := NewQianfanV1(QianfanV1Config{Now: fixedNow})
	q.SetRecording(false)
	rec := httptest.NewRecorder()
	q.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/oauth/2.0/token?grant_type=client_credentials&client_id=a&client_secret=b", nil))
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &tr); err != nil {
		b.Fatal(err)
	}
	target := qf1ChatURL("", "completions", tr.AccessToken)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		rec := httptest.NewRecorder()
		q.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, target, strings.NewReader(qf1StreamBody)))
	}
}

func TestQianfanV1FinishTriggers(t *testing.T) {
	_, url := qf1NewMock(t, QianfanV1Config{})
	tok := qf1GetToken(t, url)
	m := decodeMap(t, readAll(t, qf1Post(t, url, tok, `{"messages":[{"role":"user","content":"x [[content_filter]]"}]}`).Body))
	assert.Equal(t, "content_filter", m["finish_reason"])
	assert.Equal(t, "Hello! You said: x [[content_filter]]", m["result"])
	// DeepSeek's insufficient_system_resource has no v1 counterpart.
	m = decodeMap(t, readAll(t, qf1Post(t, url, tok, `{"messages":[{"role":"user","content":"[[insufficient]]"}]}`).Body))
	assert.Equal(t, "normal", m["finish_reason"])
}

func TestQianfanV1TokenTableBounded(t *testing.T) {
	q := NewQianfanV1(QianfanV1Config{Now: fixedNow})
	for i := 0; i < qf1TokenLimit; i++ {
		q.issue(fmt.Sprintf("24.old%d", i))
	}
	q.ExpireTokens()
	q.issue("24.new")
	assert.Len(t, q.tokens, 1, "expired tokens are dropped when the table is full")
	assert.Equal(t, 0, q.checkToken("24.new"))
	assert.Equal(t, qf1ErrTokenInvalid, q.checkToken("24.old1"))
}
