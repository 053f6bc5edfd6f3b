package gatewaytest_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/harbortest"
	"github.com/harborai/harbor-go/gateway"
	"github.com/harborai/harbor-go/gateway/gatewaytest"
)

// The README's snippet ("Embedding and testing") does what its comments say:
// without retries, the scripted 429 reaches the caller with its Retry-After.
func TestREADMESnippet(t *testing.T) {
	zero := 0
	g := gatewaytest.Start(t, gateway.Config{Upstream: gateway.UpstreamConfig{MaxRetries: &zero}})
	g.Mock(harbortest.DeepSeek).Enqueue(harbortest.RateLimited("2"))

	call := func() *http.Response {
		req, err := http.NewRequest(http.MethodPost, g.BaseURL()+"/chat/completions",
			strings.NewReader(`{"model":"deepseek-v4-flash","messages":[{"role":"user","content":"hi"}]}`))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+g.Key)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		t.Cleanup(func() { res.Body.Close() })
		return res
	}
	res := call()
	body, _ := io.ReadAll(res.Body)
	assert.Equal(t, http.StatusTooManyRequests, res.StatusCode, "%s", body)
	assert.Contains(t, string(body), `"code":"upstream_rate_limited"`)
	assert.Equal(t, "2", res.Header.Get("Retry-After"))
	assert.Equal(t, http.StatusOK, call().StatusCode, "the fault was for one answer")
}
