package vendorerr

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/harborai/harbor-go/llm"
)

func resp(status int, body string, h map[string]string) *http.Response {
	r := &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body))}
	for k, v := range h {
		r.Header.Set(k, v)
	}
	return r
}

func TestRetryAfter(t *testing.T) {
	assert.Equal(t, 2*time.Second, RetryAfter(http.Header{"Retry-After": {"2"}}))
	assert.Equal(t, 1500*time.Millisecond, RetryAfter(http.Header{"Retry-After": {"1.5"}}))
	assert.Zero(t, RetryAfter(http.Header{"Retry-After": {"soon"}}))
	assert.Zero(t, RetryAfter(http.Header{}))
	synctest.Test(t, func(t *testing.T) { // the bubble's clock stands still on a whole second: exact
		at := func(d time.Duration) http.Header {
			return http.Header{"Retry-After": {time.Now().Add(d).UTC().Format(http.TimeFormat)}}
		}
		assert.Equal(t, time.Minute, RetryAfter(at(time.Minute)), "an HTTP date is the wait until then")
		assert.Zero(t, RetryAfter(at(-time.Minute)), "a date in the past is no wait")
	})
}

func TestStatus(t *testing.T) {
	r := resp(429, `{"error":{"message":"slow down","type":"rate_limit_error","param":null,"code":42}}`, map[string]string{"Retry-After": "3", "X-Request-Id": "abc"})
	e := Status("deepseek", "m", r, []byte(`{"error":{"message":"slow down","type":"rate_limit_error","param":null,"code":42}}`))
	assert.Equal(t, "slow down", e.Message)
	assert.Equal(t, "42", e.Code, "numeric codes become strings")
	assert.Equal(t, "", e.Param)
	assert.Equal(t, 3*time.Second, e.RetryAfter)
	assert.Equal(t, "abc", e.RequestID)
	assert.True(t, errors.Is(e, llm.ErrRateLimited))
	assert.True(t, e.Transient)

	html := "<html><body>502 Bad Gateway " + strings.Repeat("x", 500) + " sk-leakedkey12345678</body></html>"
	e = Status("deepseek", "m", resp(502, html, nil), []byte(html))
	assert.True(t, errors.Is(e, llm.ErrServer))
	assert.LessOrEqual(t, len(e.Message), 210, "never the whole body")
	assert.Contains(t, e.Message, "502 Bad Gateway")

	e = Status("deepseek", "m", resp(401, `{"error":{"message":"key sk-leakedkey12345678 bad"}}`, nil), []byte(`{"error":{"message":"key sk-leakedkey12345678 bad"}}`))
	assert.NotContains(t, e.Error(), "sk-leakedkey12345678")
}

func TestTransportClassification(t *testing.T) {
	assert.True(t, errors.Is(Transport("p", "m", io.ErrUnexpectedEOF), llm.ErrStreamTruncated))
	assert.True(t, errors.Is(Transport("p", "m", errors.New("connection refused")), llm.ErrConnection))
	e := Transport("p", "m", errors.New("dial http://x?access_token=secret failed"))
	assert.NotContains(t, e.Error(), "secret")
}
