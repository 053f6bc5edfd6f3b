package mockvendor

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/speccheck"
)

// Helpers shared by the vendor mocks' tests.

var fixedNow = func() time.Time { return time.Unix(1766977481, 0) }

// specOf names the spec a mock implements; "" for other handlers.
func specOf(h http.Handler) string {
	switch h.(type) {
	case *DeepSeek:
		return "deepseek"
	case *Ark:
		return "ark"
	case *QianfanV1:
		return "qianfan-v1"
	case *QianfanV2:
		return "qianfan-v2"
	case *OpenAI:
		return "openai"
	}
	return ""
}

// vendorMock is what every mock in the package offers besides its routes.
type vendorMock interface {
	http.Handler
	Enqueue(f ...Fault)
	Requests() []RecordedRequest
	SetRecording(on bool)
	Reset()
}

// serve starts h on a test server closed at cleanup and returns its URL. A
// vendor mock is served behind its spec's checker: every response it writes
// (error bodies for the invalid requests these tests send on purpose too) must
// match spec/<vendor>.yaml.
func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	if name := specOf(h); name != "" {
		h = speccheck.MustLoad(name).Handler(h, false, func(v speccheck.Violation) {
			t.Errorf("the mock's response breaks its spec: %v", v)
		})
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// serveUnchecked is serve without the spec check, for tests that make a mock
// answer off-spec on purpose (scripted replies, statuses the vendor never
// sends); each caller says why.
func serveUnchecked(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func do(t *testing.T, method, url, body string, hdr ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

func post(t *testing.T, url, body string, hdr ...string) *http.Response {
	t.Helper()
	return do(t, http.MethodPost, url+"/chat/completions", body, hdr...)
}

func readAll(t *testing.T, r io.Reader) []byte {
	t.Helper()
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	return b
}

func decodeMap(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(bytes.TrimLeft(b, "\n"), &m), string(b))
	return m
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// errorEnvelope checks that resp is JSON with an "error" object and returns
// the whole body and that object.
func errorEnvelope(t *testing.T, resp *http.Response) (body, e map[string]any) {
	t.Helper()
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	body = decodeMap(t, readAll(t, resp.Body))
	e, ok := body["error"].(map[string]any)
	require.True(t, ok, "error envelope: %v", body)
	return body, e
}

// chunks decodes stream payloads, skipping [DONE].
func chunks(t *testing.T, data []string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, d := range data {
		if d != "[DONE]" {
			out = append(out, decodeMap(t, []byte(d)))
		}
	}
	return out
}

func firstChoice(m map[string]any) map[string]any {
	return m["choices"].([]any)[0].(map[string]any)
}

func delta(c map[string]any) map[string]any { return firstChoice(c)["delta"].(map[string]any) }

func finishOf(c map[string]any) any { return firstChoice(c)["finish_reason"] }

// checkLatency checks a mock configured with a 20ms Latency: a fault's
// Latency adds to it, and cancelling the request cuts the wait short.
func checkLatency(t *testing.T, m vendorMock, chatURL, body string) {
	t.Helper()
	m.Enqueue(Fault{Latency: 30 * time.Millisecond})
	start := time.Now()
	assert.Equal(t, 200, do(t, http.MethodPost, chatURL, body).StatusCode)
	assert.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond)

	m.Enqueue(Fault{Latency: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, chatURL, strings.NewReader(body))
	require.NoError(t, err)
	start = time.Now()
	_, err = http.DefaultClient.Do(req)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 5*time.Second)
}

// checkStreamCancel starts a slow stream, reads its first line (which must
// start with firstLine) and checks that cancelling the request ends it.
func checkStreamCancel(t *testing.T, chatURL, body, firstLine string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, chatURL, strings.NewReader(body))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	line, err := br.ReadString('\n')
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(line, firstLine), "first line %q", line)
	cancel()
	_, err = io.ReadAll(br)
	assert.Error(t, err)
}

// stressChats sends 8 workers × per chat requests to chatURL (body picks
// each one's body) while another goroutine enqueues faults, reads the
// recording, toggles it and resets the mock. Any status other than 200 and
// faultStatus is an error.
func stressChats(t *testing.T, m vendorMock, chatURL string, per int, body func(w, i int) string, faultStatus int, faults ...Fault) {
	t.Helper()
	const workers = 8
	var wg sync.WaitGroup
	errs := make(chan error, workers*per)
	client := &http.Client{Timeout: 10 * time.Second}
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				resp, err := client.Post(chatURL, "application/json", strings.NewReader(body(w, i)))
				if err != nil {
					errs <- err
					continue
				}
				b, err := io.ReadAll(resp.Body)
				_ = resp.Body.Close()
				if err != nil {
					errs <- err
				} else if resp.StatusCode != 200 && resp.StatusCode != faultStatus {
					errs <- fmt.Errorf("status %d: %s", resp.StatusCode, b)
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 20 {
			m.Enqueue(faults...)
			_ = m.Requests()
			m.SetRecording(i%3 != 0)
			if i%7 == 0 {
				m.Reset()
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// serveEach calls h.ServeHTTP directly (no network) with each body POSTed
// to path, checking it never panics and answers some status; check, if not
// nil, inspects each response further.
func serveEach(t *testing.T, h http.Handler, path string, bodies []string, check func(t *testing.T, body string, rec *httptest.ResponseRecorder)) {
	t.Helper()
	for _, body := range bodies {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		assert.NotPanics(t, func() { h.ServeHTTP(rec, req) }, body)
		assert.NotZero(t, rec.Code)
		if check != nil {
			check(t, body, rec)
		}
	}
}

// benchChat measures a fresh mock (recording off) answering a short
// conversation with model, streamed and not, POSTed to path.
func benchChat(b *testing.B, newMock func() vendorMock, path, model string) {
	for _, stream := range []bool{false, true} {
		b.Run(fmt.Sprintf("stream=%v", stream), func(b *testing.B) {
			m := newMock()
			m.SetRecording(false)
			body := `{"model":"` + model + `","stream":` + fmt.Sprint(stream) + `,"messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hello there, how are you today?"}]}`
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				m.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, strings.NewReader(body)))
				if rec.Code != 200 {
					b.Fatal(rec.Code)
				}
			}
		})
	}
}

// assertErrorBody checks that a failed response carries an "error" object.
func assertErrorBody(t *testing.T, body string, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code != 200 {
		var m map[string]any
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &m), body)
		assert.Contains(t, m, "error")
	}
}
