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
