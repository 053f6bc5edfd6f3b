package wiretest

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/harborai/harbor-go/internal/sse"
)

// Answer posts body to h at path and returns the response body, which must be a 200.
func Answer(tb testing.TB, h http.Handler, path string, header http.Header, body string) []byte {
	tb.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, vs := range header {
		req.Header[k] = vs
	}
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		tb.Fatalf("POST %s: %d %s", path, rec.Code, rec.Body.String())
	}
	return rec.Body.Bytes()
}

// Events posts body (a streaming request) to h at path and returns the data of
// every event of the answer but the end marker [DONE].
func Events(tb testing.TB, h http.Handler, path string, header http.Header, body string) [][]byte {
	tb.Helper()
	d := sse.NewDecoder(bytes.NewReader(Answer(tb, h, path, header, body)))
	var out [][]byte
	for {
		ev, err := d.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			tb.Fatal(err)
		}
		if string(ev.Data) != "[DONE]" {
			out = append(out, bytes.Clone(ev.Data))
		}
	}
}
