package gateway_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/harborai/harbor-go/gateway"
	"github.com/harborai/harbor-go/harbor"
)

// The gateway's own cost per request, without network: ServeHTTP on a recorder,
// harbor calling a fake provider in process. The access log is formatted (to
// io.Discard) as in production. The whole path through real sockets and a mock
// vendor is benchmarks/' job.

func benchServer(b *testing.B, fake *fakeProvider) *gateway.Server {
	key, sum, _ := gateway.NewKey()
	srv, err := gateway.New(gateway.Config{
		Getenv:        func(string) string { return "" },
		Keys:          []gateway.KeyConfig{{ID: "bench", SHA256: sum, RPM: 1 << 30}},
		ClientOptions: []harbor.Option{fake.option()},
		AccessLog:     slog.New(slog.NewJSONHandler(io.Discard, nil)),
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	benchKey = key
	return srv
}

var benchKey string

func benchRequest(body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+benchKey)
	r.Header.Set("Content-Type", "application/json")
	return r
}

const benchBody = `{"model":"fake-1","temperature":0.2,"max_tokens":100,"messages":[{"role":"system","content":"You are brief."},{"role":"user","content":"Why is the sky blue?"}]}`

func runBench(b *testing.B, h http.Handler, body string) {
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, benchRequest(body))
		if w.Code != http.StatusOK {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
}

func BenchmarkChatJSON(b *testing.B) {
	srv := benchServer(b, newFake(1, 20, 0))
	runBench(b, srv, benchBody)
}

// The same request through the generated router (harborapi.Handler), which
// ServeHTTP bypasses for this route.
func BenchmarkChatJSONGeneratedRouter(b *testing.B) {
	srv := benchServer(b, newFake(1, 20, 0))
	runBench(b, srv.GeneratedRouter(), benchBody)
}

func BenchmarkChatStream20Chunks(b *testing.B) {
	srv := benchServer(b, newFake(20, 8, 0))
	runBench(b, srv, strings.Replace(benchBody, `"model"`, `"stream":true,"stream_options":{"include_usage":true},"model"`, 1))
}
