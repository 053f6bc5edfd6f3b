package speccheck

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	harborspec "github.com/harborai/harbor-go/spec"
)

func TestEverySpecLoads(t *testing.T) {
	names := harborspec.Names()
	require.ElementsMatch(t, []string{"ark", "deepseek", "harbor", "openai", "qianfan-v1", "qianfan-v2"}, names)
	for _, n := range names {
		_, err := Load(n)
		assert.NoError(t, err, n)
	}
	_, err := Load("nope")
	assert.ErrorContains(t, err, "have ark, deepseek")
}

func chatReq(t *testing.T, path, body string) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:1"+path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer sk-secret-0123456789")
	return r
}

func details(vs []Violation) string {
	var b strings.Builder
	for _, v := range vs {
		b.WriteString(v.Error())
		b.WriteString("\n")
	}
	return b.String()
}

func TestRequests(t *testing.T) {
	ds := MustLoad("deepseek")
	ok := `{"model":"deepseek-v4-flash","messages":[{"role":"user","content":"hi"}]}`
	assert.Empty(t, ds.CheckRequest(chatReq(t, "/chat/completions", ok), []byte(ok)))
	// a base path in front of the spec's paths is fine
	assert.Empty(t, ds.CheckRequest(chatReq(t, "/v1/chat/completions", ok), []byte(ok)))

	bad := `{"model":"deepseek-v4-flash","messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}`
	vs := ds.CheckRequest(chatReq(t, "/chat/completions", bad), []byte(bad))
	require.NotEmpty(t, vs, "DeepSeek content is a string only")
	assert.Equal(t, "request", vs[0].Part)

	noAuth := chatReq(t, "/chat/completions", ok)
	noAuth.Header.Del("Authorization")
	assert.Contains(t, details(ds.CheckRequest(noAuth, []byte(ok))), "Authorization")

	assert.Contains(t, details(ds.CheckRequest(chatReq(t, "/chat/complete", ok), []byte(ok))), "no operation")
	get := httptest.NewRequest(http.MethodGet, "http://x/chat/completions", nil)
	assert.Contains(t, details(ds.CheckRequest(get, nil)), "not the method")
}

// The Harbor API's model id may hold "/", sent raw or as %2F: a parameter
// marked x-harbor-slashes takes the rest of the path, and the answer is
// checked against that operation. Without the mark the path matches nothing.
func TestSlashedPathParameter(t *testing.T) {
	hb := MustLoad("harbor")
	h := http.Header{"Content-Type": {"application/json"}}
	model := []byte(`{"id":"deepseek/deepseek-v4-pro","object":"model","created":1,"owned_by":"deepseek","provider":"deepseek"}`)
	for _, path := range []string{"/v1/models/deepseek/deepseek-v4-pro", "/v1/models/deepseek%2Fdeepseek-v4-pro"} {
		r := httptest.NewRequest(http.MethodGet, "http://gw"+path, nil)
		r.Header.Set("Authorization", "Bearer hk-test")
		route, params, err := hb.route(r)
		require.NoError(t, err, path)
		assert.Equal(t, "retrieveModel", route.Operation.OperationID, path)
		assert.Equal(t, "deepseek/deepseek-v4-pro", params["model"], path)
		assert.Empty(t, details(hb.CheckRequest(r, nil)), path)
		assert.Empty(t, details(hb.CheckResponse(r, 200, h, model, true)), path)
		assert.Contains(t, details(hb.CheckResponse(r, 200, h, []byte(`{"id":1}`), true)), "response 200", path)
	}
	for _, path := range []string{"/v1/other/a/b", "/v1/model/a/b"} {
		r := httptest.NewRequest(http.MethodGet, "http://gw"+path, nil)
		_, _, err := hb.route(r)
		assert.Error(t, err, path)
	}

	plain, err := Parse("plain", []byte(strings.ReplaceAll(string(mustRead(t, "harbor")), "x-harbor-slashes: true", "")))
	require.NoError(t, err)
	_, _, err = plain.route(httptest.NewRequest(http.MethodGet, "http://gw/v1/models/deepseek/deepseek-v4-pro", nil))
	assert.ErrorContains(t, err, "no operation")

	_, err = Parse("bad", []byte(strings.ReplaceAll(string(mustRead(t, "harbor")), "x-harbor-slashes: true", "x-harbor-slashes: yes please")))
	assert.ErrorContains(t, err, "x-harbor-slashes must be true")
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := harborspec.Read(name)
	require.NoError(t, err)
	return b
}

func TestResponses(t *testing.T) {
	ds := MustLoad("deepseek")
	req := chatReq(t, "/chat/completions", "{}")
	h := http.Header{"Content-Type": {"application/json"}}
	assert.Contains(t, details(ds.CheckResponse(req, 200, h, []byte(`{"id":1}`), true)), "response 200")
	assert.Contains(t, details(ds.CheckResponse(req, 418, h, []byte(`{}`), true)), "status is not supported")
}

func TestStreams(t *testing.T) {
	sse := http.Header{"Content-Type": {"text/event-stream; charset=utf-8"}}
	chunk := `{"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}`
	ark := MustLoad("ark")
	req := chatReq(t, "/api/v3/chat/completions", "{}")

	good := ": keep-alive\n\ndata: " + chunk + "\n\nnoise line\ndata: [DONE]\n\n"
	assert.Empty(t, details(ark.CheckResponse(req, 200, sse, []byte(good), true)))

	errLine := "data: " + chunk + "\n\n{\"error\":{\"code\":\"InternalServiceError\",\"message\":\"boom\",\"type\":\"InternalServiceError\"}}\n"
	assert.Empty(t, details(ark.CheckResponse(req, 200, sse, []byte(errLine), true)), "Ark sends bare error lines")

	wrong := "data: {\"id\":\"x\",\"choices\":\"no\"}\n\ndata: [DONE]\n\n"
	assert.Contains(t, details(ark.CheckResponse(req, 200, sse, []byte(wrong), true)), "stream event 1")

	after := "data: [DONE]\n\ndata: " + chunk + "\n\n"
	assert.Contains(t, details(ark.CheckResponse(req, 200, sse, []byte(after), true)), "after the end marker")

	// a cut-off body: the partial last event is not judged
	cut := "data: " + chunk + "\n\ndata: {\"id\":\"x\",\"obj"
	assert.Empty(t, details(ark.CheckResponse(req, 200, sse, []byte(cut), false)))

	// Wenxin v1 streams have no [DONE]
	wx := MustLoad("qianfan-v1")
	wreq := chatReq(t, "/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/completions_pro?access_token=tok-secret", "{}")
	assert.Contains(t, details(wx.CheckResponse(wreq, 200, sse, []byte("data: [DONE]\n\n"), true)), "have none")
}

func TestViolationsAreRedacted(t *testing.T) {
	wx := MustLoad("qianfan-v1")
	r := httptest.NewRequest(http.MethodPost, "http://x/oauth/2.0/token?grant_type=password&client_id=my-client-id-123&client_secret=my-secret-456", nil)
	vs := wx.CheckRequest(r, nil)
	require.NotEmpty(t, vs, "grant_type must be client_credentials")
	out := details(vs)
	assert.NotContains(t, out, "my-secret-456")
	assert.NotContains(t, out, "my-client-id-123")
}
