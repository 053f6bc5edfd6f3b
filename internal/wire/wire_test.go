package wire

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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

func TestStatusError(t *testing.T) {
	r := resp(429, `{"error":{"message":"slow down","type":"rate_limit_error","param":null,"code":42}}`, map[string]string{"Retry-After": "3", "X-Request-Id": "abc"})
	e := StatusError("deepseek", "m", r, []byte(`{"error":{"message":"slow down","type":"rate_limit_error","param":null,"code":42}}`))
	assert.Equal(t, "slow down", e.Message)
	assert.Equal(t, "42", e.Code, "numeric codes become strings")
	assert.Equal(t, "", e.Param)
	assert.Equal(t, 3*time.Second, e.RetryAfter)
	assert.Equal(t, "abc", e.RequestID)
	assert.True(t, errors.Is(e, llm.ErrRateLimited))
	assert.True(t, e.Transient)

	html := "<html><body>502 Bad Gateway " + strings.Repeat("x", 500) + " sk-leakedkey12345678</body></html>"
	e = StatusError("deepseek", "m", resp(502, html, nil), []byte(html))
	assert.True(t, errors.Is(e, llm.ErrServer))
	assert.LessOrEqual(t, len(e.Message), 210, "never the whole body")
	assert.Contains(t, e.Message, "502 Bad Gateway")

	e = StatusError("deepseek", "m", resp(401, `{"error":{"message":"key sk-leakedkey12345678 bad"}}`, nil), []byte(`{"error":{"message":"key sk-leakedkey12345678 bad"}}`))
	assert.NotContains(t, e.Error(), "sk-leakedkey12345678")
}

func TestDecodeJSONSkipsLeadingBlankLines(t *testing.T) {
	var v struct{ A int }
	require.NoError(t, DecodeJSON(resp(200, "\n\n\n{\"A\":1}", nil), &v))
	assert.Equal(t, 1, v.A)
}

func TestTransportErrorClassification(t *testing.T) {
	assert.True(t, errors.Is(TransportError("p", "m", io.ErrUnexpectedEOF), llm.ErrStreamTruncated))
	assert.True(t, errors.Is(TransportError("p", "m", errors.New("connection refused")), llm.ErrConnection))
	e := TransportError("p", "m", errors.New("dial http://x?access_token=secret failed"))
	assert.NotContains(t, e.Error(), "secret")
}

type failingReader struct {
	r   io.Reader
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

func TestPeekBody(t *testing.T) {
	// A body within the limit is read whole, and ReadBody uses those bytes.
	r := resp(200, `{"error_code":18}`, nil)
	b, err := llm.PeekBody(r, 64)
	require.NoError(t, err)
	assert.Equal(t, `{"error_code":18}`, string(b))
	w, ok := r.Body.(llm.Whole)
	require.True(t, ok)
	_, whole := w.Whole()
	assert.True(t, whole)
	require.NoError(t, ReadBody(r, func(got []byte) error {
		assert.Equal(t, `{"error_code":18}`, string(got))
		return nil
	}))

	// A longer body: the peeked bytes, then the rest.
	long := strings.Repeat("x", 100)
	r = resp(200, long, nil)
	b, err = llm.PeekBody(r, 10)
	require.NoError(t, err)
	assert.Equal(t, long[:10], string(b))
	_, whole = r.Body.(llm.Whole).Whole()
	assert.False(t, whole)
	all, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	assert.Equal(t, long, string(all))

	// A read error comes back after the bytes read before it, every time.
	boom := errors.New("connection reset")
	r = &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(&failingReader{strings.NewReader("abc"), boom})}
	b, err = llm.PeekBody(r, 64)
	require.ErrorIs(t, err, boom)
	assert.Equal(t, "abc", string(b))
	all, err = io.ReadAll(r.Body)
	require.ErrorIs(t, err, boom)
	assert.Equal(t, "abc", string(all))
	_, whole = r.Body.(llm.Whole).Whole()
	assert.False(t, whole)

	// A declared length sizes the buffer; the body is still read to its end.
	r = resp(200, `{"result":"ok"}`, nil)
	r.ContentLength = 15
	b, err = llm.PeekBody(r, 64<<10)
	require.NoError(t, err)
	assert.Equal(t, `{"result":"ok"}`, string(b))
	_, whole = r.Body.(llm.Whole).Whole()
	assert.True(t, whole)
}
