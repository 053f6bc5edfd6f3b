package gateway_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/gateway"
	"github.com/harborai/harbor-go/harbor"
)

// flushCounter is a ResponseRecorder that counts flushes and what each sent.
type flushCounter struct {
	*httptest.ResponseRecorder
	flushed []string
	sent    int
}

func (f *flushCounter) Flush() {
	b := f.Body.String()
	f.flushed = append(f.flushed, b[f.sent:])
	f.sent = len(b)
	f.ResponseRecorder.Flush()
}

// A stream is flushed once per vendor chunk, and once more for the gateway's
// own events: [DONE], with the usage chunk before it when it was asked for.
func TestStreamFlushes(t *testing.T) {
	for _, usage := range []bool{false, true} {
		fake := newFake(5, 4, 0)
		srv, err := gateway.New(gateway.Config{
			Getenv:        func(string) string { return "" },
			ClientOptions: []harbor.Option{fake.option()},
			AccessLog:     slog.New(slog.NewJSONHandler(io.Discard, nil)),
		})
		require.NoError(t, err)
		body := `{"model":"fake-1","stream":true,"messages":[{"role":"user","content":"hi"}]}`
		if usage {
			body = strings.Replace(body, `"stream":true`, `"stream":true,"stream_options":{"include_usage":true}`, 1)
		}
		w := &flushCounter{ResponseRecorder: httptest.NewRecorder()}
		srv.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/v1/chat/completions", strings.NewReader(body)))
		require.NoError(t, srv.Close())
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		require.Len(t, w.flushed, 6, "usage %v: %q", usage, w.flushed)
		for _, f := range w.flushed[:5] {
			assert.Equal(t, 1, strings.Count(f, "data: "), "one vendor chunk a flush: %q", f)
		}
		last := w.flushed[5]
		assert.True(t, strings.HasSuffix(last, "data: [DONE]\n\n"), last)
		if usage {
			assert.Equal(t, 2, strings.Count(last, "data: "), "the usage chunk and [DONE] in one flush: %q", last)
			assert.Contains(t, last, `"usage":{`)
		} else {
			assert.Equal(t, "data: [DONE]\n\n", last)
		}
	}
}
