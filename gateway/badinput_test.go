package gateway_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/harbortest"
	"github.com/harborai/harbor-go/gateway"
	"github.com/harborai/harbor-go/gateway/gatewaytest"
	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/llm"
	"github.com/harborai/harbor-go/spec"
)

// The bad-input and fault cases of issue 14: each gets a clear OpenAI-shaped
// error or a bounded wait; none crashes the gateway, leaks a goroutine (goleak
// in TestMain) or leaks a key.

func TestMalformedRequests(t *testing.T) {
	g := gatewaytest.Start(t, gateway.Config{})
	c := newBadCaller(t, g)
	for _, tc := range []struct {
		name, body string
		code       string
		param      string // "" for none
		message    string
	}{
		{"empty", ``, "invalid_json", "", "empty"},
		{"blank", "  \n", "invalid_json", "", "empty"},
		{"not JSON", `model=deepseek`, "invalid_json", "", "not valid JSON"},
		{"cut short", `{"model":"deepseek-v4-flash","messages":[`, "invalid_json", "", "unexpected end of JSON input"},
		{"trailing garbage", `{"model":"deepseek-v4-flash"} x`, "invalid_json", "", "not valid JSON"},
		{"an array", `[]`, "invalid_type", "", "must be a JSON object"},
		{"a string", `"hi"`, "invalid_type", "", "must be a JSON object"},
		{"temperature a string", `{"model":"deepseek-v4-flash","temperature":"hot","messages":[{"role":"user","content":"hi"}]}`, "invalid_type", "temperature", "temperature must be a number, not string"},
		{"max_tokens a fraction", `{"model":"deepseek-v4-flash","max_tokens":1.5,"messages":[{"role":"user","content":"hi"}]}`, "invalid_type", "max_tokens", "must be an integer"},
		{"messages a string", `{"model":"deepseek-v4-flash","messages":"hi"}`, "invalid_type", "messages", "messages must be an array"},
		{"stream a string", `{"model":"deepseek-v4-flash","stream":"yes","messages":[{"role":"user","content":"hi"}]}`, "invalid_type", "stream", "must be a boolean"},
		{"model a number", `{"model":5,"messages":[{"role":"user","content":"hi"}]}`, "invalid_type", "model", "must be a string"},
		{"content a number", `{"model":"deepseek-v4-flash","messages":[{"role":"user","content":5}]}`, "invalid_type", "messages.content", "messages.content must be a string, an array of content parts or null, not number"},
		{"content an object", `{"model":"deepseek-v4-flash","messages":[{"role":"user","content":{"text":"hi"}}]}`, "invalid_type", "messages.content", "not object"},
		{"role a number", `{"model":"deepseek-v4-flash","messages":[{"role":1,"content":"hi"}]}`, "invalid_type", "messages.role", "messages.role must be a string, not number"},
		{"tool_choice nonsense", `{"model":"deepseek-v4-flash","tool_choice":{"type":"function"},"messages":[{"role":"user","content":"hi"}]}`, "invalid_value", "", "tool_choice"},
		{"unknown role", `{"model":"deepseek-v4-flash","messages":[{"role":"robot","content":"hi"}]}`, "invalid_value", "messages", "unknown role"},
		{"invalid UTF-8 is replaced, not refused", "{\"model\":\"deepseek-v4-flash\",\"messages\":[{\"role\":\"user\",\"content\":\"\xff\"}]}", "", "", ""},
		{"deeply nested", `{"model":"deepseek-v4-flash","x":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `,"messages":[{"role":"user","content":"hi"}]}`, "invalid_json", "", "exceeded max depth"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body := c.chat(tc.body)
			if tc.code == "" {
				assert.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
				return
			}
			require.Equal(t, http.StatusBadRequest, res.StatusCode, "%s", body)
			e := decodeError(t, body)
			assert.Equal(t, "invalid_request_error", e.Error.Type)
			assert.Equal(t, tc.code, *e.Error.Code, "%s", body)
			assert.Contains(t, e.Error.Message, tc.message)
			if tc.param == "" {
				assert.Nil(t, e.Error.Param, "%s", body)
			} else if assert.NotNil(t, e.Error.Param, "%s", body) {
				assert.Equal(t, tc.param, *e.Error.Param)
			}
		})
	}
}

// A path no route has is 404 unknown_url; a route asked with a method it
// does not take is 405 method_not_allowed, whose Allow header and message name
// the methods it does take.
//
// Regression (found by a new-user trial): a GET that reached no route under
// /v1/models/ ("/v1/models/a/b") was answered 405 "GET …: this route takes
// GET"; so was GET /metrics with metrics off, which is documented as a 404.
func TestUnknownRoutes(t *testing.T) {
	g := gatewaytest.Start(t, gateway.Config{})
	off := gatewaytest.Start(t, gateway.Config{Management: gateway.ManagementConfig{NoMetrics: true}})
	for _, tc := range []struct {
		g            *gatewaytest.Gateway
		method, path string
		status       int
		code, allow  string
	}{
		{g, http.MethodGet, "/v1/chat/completions", 405, "method_not_allowed", "POST"},
		{g, http.MethodHead, "/v1/chat/completions", 405, "method_not_allowed", "POST"},
		{g, http.MethodPost, "/v1/models", 405, "method_not_allowed", "GET, HEAD"},
		{g, http.MethodPut, "/v1/models/deepseek-v4-pro", 405, "method_not_allowed", "GET, HEAD"},
		{g, http.MethodGet, "/v1/completions", 404, "unknown_url", ""},
		{g, http.MethodGet, "/", 404, "unknown_url", ""},
		{g, http.MethodGet, "/v1/models/", 404, "unknown_url", ""},
		{off, http.MethodGet, "/metrics", 404, "unknown_url", ""},
		{off, http.MethodPost, "/metrics", 404, "unknown_url", ""},
	} {
		req, _ := http.NewRequest(tc.method, tc.g.URL+tc.path, nil)
		req.Header.Set("Authorization", "Bearer "+tc.g.Key)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		assert.Equal(t, tc.status, res.StatusCode, "%s %s: %s", tc.method, tc.path, body)
		assert.Equal(t, tc.allow, res.Header.Get("Allow"), "%s %s", tc.method, tc.path)
		if tc.method == http.MethodHead {
			continue // no body
		}
		e := decodeError(t, body)
		assert.Equal(t, tc.code, *e.Error.Code, "%s %s", tc.method, tc.path)
		if tc.status == http.StatusMethodNotAllowed {
			takes, _, _ := strings.Cut(tc.allow, ",")
			assert.Equal(t, tc.method+" "+tc.path+": this route takes "+takes, e.Error.Message)
		} else {
			assert.NotContains(t, e.Error.Message, "this route takes", "%s %s", tc.method, tc.path)
		}
	}
	http.DefaultClient.CloseIdleConnections()
}

// Every route of spec/harbor.yaml asked with a method it does not take is a
// 405 whose Allow header lists the spec's methods (with HEAD beside GET, which
// the gateway answers as GET without the body): the gateway's table of routes
// cannot drift from the spec.
func TestWrongMethodAllowsTheSpecsMethods(t *testing.T) {
	data, err := spec.Read("harbor")
	require.NoError(t, err)
	doc, err := openapi3.NewLoader().LoadFromData(data)
	require.NoError(t, err)
	g := gatewaytest.Start(t, gateway.Config{})
	for path, item := range doc.Paths.Map() {
		var methods []string
		for m := range item.Operations() {
			methods = append(methods, m)
			if m == http.MethodGet {
				methods = append(methods, http.MethodHead)
			}
		}
		slices.Sort(methods)
		url := g.URL + strings.ReplaceAll(path, "{model}", "deepseek%2Fdeepseek-v4-pro")
		req, _ := http.NewRequest(http.MethodPatch, url, nil)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		require.Equal(t, http.StatusMethodNotAllowed, res.StatusCode, "PATCH %s: %s", path, body)
		allow := strings.Split(res.Header.Get("Allow"), ", ")
		slices.Sort(allow)
		assert.Equal(t, methods, allow, "PATCH %s: Allow", path)
	}
	http.DefaultClient.CloseIdleConnections()
}

// dial opens a raw connection to the gateway.
func dial(t *testing.T, g *gatewaytest.Gateway) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(g.URL, "http://"))
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	return conn
}

func readResponse(t *testing.T, conn net.Conn) (*http.Response, string) {
	t.Helper()
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// A 100 MB body is refused with 413 without being read: at once when its
// Content-Length says so, and at the limit when it comes chunked.
func TestHugeBody(t *testing.T) {
	g := gatewaytest.Start(t, gateway.Config{})
	const size = 100 << 20
	for _, chunked := range []bool{false, true} {
		t.Run(fmt.Sprintf("chunked=%t", chunked), func(t *testing.T) {
			conn := dial(t, g)
			head := "POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nAuthorization: Bearer " + g.Key + "\r\n"
			if chunked {
				head += "Transfer-Encoding: chunked\r\n\r\n"
			} else {
				head += fmt.Sprintf("Content-Length: %d\r\n\r\n", size)
			}
			_, err := io.WriteString(conn, head)
			require.NoError(t, err)
			var sent atomic.Int64
			done := make(chan struct{})
			go func() {
				defer close(done)
				piece := make([]byte, 64<<10)
				for i := range piece {
					piece[i] = ' '
				}
				frame := piece
				if chunked {
					frame = append([]byte(fmt.Sprintf("%x\r\n", len(piece))), append(piece, "\r\n"...)...)
				}
				_ = conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
				for sent.Load() < size {
					if _, err := conn.Write(frame); err != nil {
						return // the gateway closed the connection
					}
					sent.Add(int64(len(piece)))
				}
			}()
			res, body := readResponse(t, conn)
			assert.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode, body)
			assert.Contains(t, body, `"code":"request_too_large"`)
			conn.Close()
			<-done
			assert.Less(t, sent.Load(), int64(size/2), "the gateway did not read the whole body")
		})
	}
}

// A body that never finishes is bounded by ReadTimeout: a 408, then the
// connection is closed.
func TestBodyNeverFinishes(t *testing.T) {
	g := gatewaytest.Start(t, gateway.Config{Server: gateway.ServerConfig{ReadTimeout: 300 * time.Millisecond}})
	conn := dial(t, g)
	start := time.Now()
	_, err := io.WriteString(conn, "POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Length: 1000\r\nAuthorization: Bearer "+
		g.Key+"\r\n\r\n{\"model\":")
	require.NoError(t, err)
	res, body := readResponse(t, conn)
	assert.Equal(t, http.StatusRequestTimeout, res.StatusCode, body)
	assert.Contains(t, body, `"code":"request_timeout"`)
	assert.Less(t, time.Since(start), 3*time.Second)
	_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, err = conn.Read(make([]byte, 1))
	assert.ErrorIs(t, err, io.EOF, "the connection is closed")
}

// Headers that never finish (slowloris) are bounded by ReadHeaderTimeout.
func TestHeadersNeverFinish(t *testing.T) {
	g := gatewaytest.Start(t, gateway.Config{Server: gateway.ServerConfig{ReadHeaderTimeout: 200 * time.Millisecond}})
	conn := dial(t, g)
	start := time.Now()
	_, err := io.WriteString(conn, "POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nX-Slow: ")
	require.NoError(t, err)
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = io.ReadAll(conn) // whatever net/http says, then EOF
	assert.NoError(t, err)
	assert.Less(t, time.Since(start), 2*time.Second, "the gateway hung up")
}

// 10 000 idle connections: at most MaxConnections are accepted at once, each
// for at most ReadHeaderTimeout; the gateway's goroutines stay bounded, and it
// serves again once they are gone.
func TestManyIdleConnections(t *testing.T) {
	n := 10000
	if testing.Short() {
		n = 1000
	}
	const maxConns = 256
	g := gatewaytest.Start(t, gateway.Config{Server: gateway.ServerConfig{
		MaxConnections: maxConns, ReadHeaderTimeout: 300 * time.Millisecond, IdleTimeout: 300 * time.Millisecond,
	}})
	addr := strings.TrimPrefix(g.URL, "http://")
	base := runtime.NumGoroutine()
	var (
		mu    sync.Mutex
		conns []net.Conn
		peak  atomic.Int64
	)
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() { // sample the goroutine count while the connections pile up
		defer close(sampled)
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				if n := int64(runtime.NumGoroutine()); n > peak.Load() {
					peak.Store(n)
				}
			}
		}
	}()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	var opened atomic.Int64
	for range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
			if err != nil {
				return // the kernel's backlog is full: refused, not held
			}
			opened.Add(1)
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}()
	}
	wg.Wait()
	time.Sleep(500 * time.Millisecond)
	close(stop)
	<-sampled
	t.Logf("%d of %d connections opened; goroutines: %d before, peak %d (64 dialers included)", opened.Load(), n, base, peak.Load())
	assert.Less(t, peak.Load()-int64(base), int64(maxConns+64+100), "goroutines bounded by max_connections")
	for _, c := range conns {
		c.Close()
	}
	// Served again, promptly.
	cl := newCaller(t, g)
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, _ := cl.do(http.MethodGet, "/health", "")
		if res.StatusCode == http.StatusOK || time.Now().After(deadline) {
			assert.Equal(t, http.StatusOK, res.StatusCode)
			break
		}
	}
}

// A caller that stops reading a stream is cut off after WriteTimeout: the
// handler returns, the vendor stream is closed and no goroutine is left. So
// it is when the vendor never pauses and the gateway holds its chunks back
// (up to 64 KiB a write).
func TestStreamReaderStops(t *testing.T) {
	t.Run("64 KiB chunks", func(t *testing.T) { streamReaderStops(t, newFake(0, 64<<10, 0)) })
	t.Run("a burst that never ends", func(t *testing.T) {
		fake := newFake(0, 1<<10, 0)
		fake.buffered = func(int) bool { return true }
		streamReaderStops(t, fake)
	})
}

func streamReaderStops(t *testing.T, fake *fakeProvider) {
	g := gatewaytest.Start(t, gateway.Config{
		Server:        gateway.ServerConfig{WriteTimeout: 200 * time.Millisecond},
		ClientOptions: []harbor.Option{fake.option()},
	})
	conn := dial(t, g)
	require.NoError(t, conn.(*net.TCPConn).SetReadBuffer(4096))
	body := `{"model":"fake-1","stream":true,"messages":[{"role":"user","content":"hi"}]}`
	_, err := fmt.Fprintf(conn, "POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: %d\r\nAuthorization: Bearer %s\r\n\r\n%s",
		len(body), g.Key, body)
	require.NoError(t, err)
	// Read nothing. The gateway's writes fill the socket buffers, then time out.
	select {
	case <-fake.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the vendor stream of a caller that stopped reading was not closed")
	}
	require.Eventually(t, func() bool { return !strings.Contains(metrics(t, g), "harbor_gateway_streams_open 1") },
		5*time.Second, 20*time.Millisecond)
	assert.Eventually(t, func() bool { return strings.Contains(g.AccessLog(), `"error_type":"write_timeout"`) },
		5*time.Second, 20*time.Millisecond)
}

func metrics(t *testing.T, g *gatewaytest.Gateway) string {
	res, err := http.Get(g.URL + "/metrics")
	require.NoError(t, err)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

// A caller that goes away mid-stream cancels the vendor call at once.
func TestStreamCallerGoesAway(t *testing.T) {
	fake := newFake(0, 10, 10*time.Millisecond)
	g := gatewaytest.Start(t, gateway.Config{ClientOptions: []harbor.Option{fake.option()}})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, g.URL+"/v1/chat/completions",
		strings.NewReader(`{"model":"fake-1","stream":true,"messages":[{"role":"user","content":"hi"}]}`))
	req.Header.Set("Authorization", "Bearer "+g.Key)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_, err = bufio.NewReader(res.Body).ReadString('\n')
	require.NoError(t, err)
	cancel()
	res.Body.Close()
	select {
	case <-fake.closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the vendor stream was not closed")
	}
	// The status was 200 when the caller left; the log line says why it ended,
	// the same whichever saw it first: the hang-up watch (which starts 50 ms
	// into the call) or a chunk written to the closed connection.
	require.Eventually(t, func() bool { return strings.Contains(g.AccessLog(), `"error_type":"canceled"`) },
		5*time.Second, 10*time.Millisecond, "%s", g.AccessLog())
	http.DefaultClient.CloseIdleConnections()
}

// A vendor that stops mid-stream is bounded by harbor's idle timeout: the
// stream ends with an upstream_timeout event.
func TestVendorStallsMidStream(t *testing.T) {
	g := gatewaytest.Start(t, gateway.Config{Upstream: gateway.UpstreamConfig{IdleTimeout: 300 * time.Millisecond}})
	c := newCaller(t, g)
	g.Mock(harbortest.DeepSeek).Enqueue(harbortest.StalledStream(2))
	start := time.Now()
	res, body := c.chat(`{"model":"deepseek-v4-flash","stream":true,"messages":[{"role":"user","content":"hi"}]}`)
	require.Equal(t, http.StatusOK, res.StatusCode)
	ev := events(t, body)
	require.NotEmpty(t, ev)
	assert.Contains(t, ev[len(ev)-1], `"code":"upstream_timeout"`)
	assert.Less(t, time.Since(start), 3*time.Second)
}

// A Redis that is gone: calls succeed (the shared tier is a miss), and /ready
// says so — 503, or 200 with ready_ignores_redis.
func TestRedisGone(t *testing.T) {
	// Port 1: nothing listens there (a port freed by closing a listener can be
	// taken by another test's server first).
	const gone = "127.0.0.1:1"
	for _, ignore := range []bool{false, true} {
		t.Run(fmt.Sprintf("ready_ignores_redis=%t", ignore), func(t *testing.T) {
			g := gatewaytest.Start(t, gateway.Config{
				Cache:      &gateway.CacheConfig{MaxBytes: 1 << 20, TTL: time.Minute, RedisURL: "redis://" + gone + "/0"},
				Management: gateway.ManagementConfig{ReadyIgnoresRedis: ignore},
			})
			c := newCaller(t, g)
			start := time.Now()
			for range 2 {
				res, body := c.chat(hi)
				require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
			}
			assert.Less(t, time.Since(start), 3*time.Second)
			res, body := c.do(http.MethodGet, "/ready", "")
			assert.Contains(t, string(body), `"redis":`)
			if ignore {
				assert.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
			} else {
				assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode, "%s", body)
				assert.Contains(t, string(body), `"status":"not_ready"`)
				assert.Contains(t, string(body), `"redis":"unreachable (connection refused)"`)
				// Redis's address is for the access log, not for whoever reaches /ready.
				assert.NotContains(t, string(body), gone)
				var line map[string]any
				require.Eventually(t, func() bool { line = logLine(t, g, res.Header.Get("X-Trace-Id")); return line != nil },
					5*time.Second, 5*time.Millisecond)
				assert.Contains(t, line["error"], gone)
			}
			assert.Contains(t, g.AccessLog(), `"cache":"hit"`, "the in-process tier still works")
			// What the alert "Redis down" reads.
			res, body = c.do(http.MethodGet, "/metrics", "")
			require.Equal(t, http.StatusOK, res.StatusCode)
			assert.Contains(t, string(body), "\nharbor_gateway_redis_up 0\n")
			assert.Regexp(t, `\nharbor_shared_cache_errors_total [1-9]`, string(body))
		})
	}
}

// No vendor key and no virtual key appears in any answer, log line, metric or
// the stats — successes, vendor errors that quote the key, streams.
func TestNoKeyLeaks(t *testing.T) {
	g := gatewaytest.Start(t, gateway.Config{Upstream: noRetries()})
	c := newBadCaller(t, g)
	var seen strings.Builder
	record := func(res *http.Response, body []byte) {
		for k, v := range res.Header {
			fmt.Fprintf(&seen, "%s: %s\n", k, strings.Join(v, ","))
		}
		seen.Write(body)
	}
	for _, v := range harbortest.Vendors() {
		g.Mock(v).Enqueue(harbortest.Unauthorized())
	}
	for _, model := range []string{"deepseek-v4-flash", "doubao-seed-1-6-251015", "ERNIE-Speed-8K", "ernie-speed-8k", "gpt-4o"} {
		for _, stream := range []bool{false, true} {
			record(c.chat(fmt.Sprintf(`{"model":%q,"stream":%t,"messages":[{"role":"user","content":"hi"}]}`, model, stream)))
		}
	}
	g.Mock(harbortest.DeepSeek).Enqueue(harbortest.Fault{Status: 400, Message: "bad key sk-harbortest-deepseek"})
	record(c.chat(hi))
	record(c.chat(hi, "Authorization", "Bearer sk-harbortest-deepseek"))
	record(c.do(http.MethodGet, "/stats", ""))
	record(c.do(http.MethodGet, "/metrics", ""))
	record(c.do(http.MethodGet, "/v1/models", ""))
	record(c.do(http.MethodGet, "/ready", ""))
	all := seen.String() + g.AccessLog()
	assert.Contains(t, all, "upstream_authentication", "the vendor refusals happened")
	for _, v := range harbortest.Vendors() {
		m := g.Mock(v)
		assert.NotContains(t, all, m.APIKey(), v)
		if m.SecretKey() != "" {
			assert.NotContains(t, all, m.SecretKey(), v)
		}
	}
	assert.NotContains(t, all, g.Key)
	assert.NotContains(t, all, g.Key[len(g.Key)-8:], "not even the key's end")
}

// A kept-alive connection whose last write was longer ago than WriteTimeout
// still serves its next request, 100-continue included.
func TestKeptAliveConnectionOutlivesWriteTimeout(t *testing.T) {
	g := gatewaytest.Start(t, gateway.Config{Server: gateway.ServerConfig{WriteTimeout: 200 * time.Millisecond}})
	tr := &http.Transport{ExpectContinueTimeout: 5 * time.Second, MaxConnsPerHost: 1}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	for i := range 2 {
		if i > 0 {
			time.Sleep(500 * time.Millisecond)
		}
		req, _ := http.NewRequest(http.MethodPost, g.URL+"/v1/chat/completions", strings.NewReader(hi))
		req.Header.Set("Authorization", "Bearer "+g.Key)
		req.Header.Set("Expect", "100-continue")
		res, err := client.Do(req)
		require.NoError(t, err, "request %d", i)
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode, "request %d: %s", i, body)
	}
	assert.Equal(t, 2, strings.Count(g.AccessLog(), `"status":200`))
}

// More streams than MaxStreams at once: the extra one is a 503 with
// Retry-After, and the count goes back down.
func TestTooManyStreams(t *testing.T) {
	fake := newFake(5, 10, 100*time.Millisecond)
	g := gatewaytest.Start(t, gateway.Config{
		Server:        gateway.ServerConfig{MaxStreams: 1},
		ClientOptions: []harbor.Option{fake.option()},
	})
	r, done := startStream(t, g)
	defer done()
	c := newCaller(t, g)
	res, body := c.chat(`{"model":"fake-1","stream":true,"messages":[{"role":"user","content":"hi"}]}`)
	require.Equal(t, http.StatusServiceUnavailable, res.StatusCode, "%s", body)
	assert.Equal(t, "too_many_streams", *decodeError(t, body).Error.Code)
	assert.Equal(t, "1", res.Header.Get("Retry-After"))
	res, _ = c.chat(`{"model":"fake-1","messages":[{"role":"user","content":"hi"}]}`)
	assert.Equal(t, http.StatusOK, res.StatusCode, "plain calls are not streams")
	_, _ = io.ReadAll(r)
	res, body = c.chat(`{"model":"fake-1","stream":true,"messages":[{"role":"user","content":"hi"}]}`)
	assert.Equal(t, http.StatusOK, res.StatusCode, "the first stream ended: %s", body)
}

// Without keys, on loopback, anyone may call; the Server also works mounted
// as a plain http.Handler.
func TestAnonymousOnLoopback(t *testing.T) {
	fake := newFake(3, 5, 0)
	srv, err := gateway.New(gateway.Config{
		Getenv:        func(string) string { return "" },
		ClientOptions: []harbor.Option{fake.option()},
		Log:           gateway.LogConfig{Access: "off"},
	})
	require.NoError(t, err)
	ts := httptest.NewServer(srv)
	defer func() { ts.Close(); srv.Close() }()
	res, err := http.Post(ts.URL+"/v1/chat/completions", "application/json",
		strings.NewReader(`{"model":"fake-1","messages":[{"role":"user","content":"hi"}]}`))
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	http.DefaultClient.CloseIdleConnections()
}

// Requests the HTTP server refuses before the gateway's routes see them get
// the same answer as every other error — OpenAI's body, the trace headers —
// and an access log line.
func TestMalformedHTTPRequests(t *testing.T) {
	g := gatewaytest.Start(t, gateway.Config{Server: gateway.ServerConfig{MaxHeaderBytes: 1024}})
	for _, tc := range []struct {
		name, req string
		status    int
		code      string
	}{
		{"space before the colon", "POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nX-A : b\r\n\r\n", 400, "malformed_request"},
		{"not HTTP", "HELLO THERE\r\n\r\n", 400, "malformed_request"},
		{"an expectation", "POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nExpect: magic\r\nContent-Length: 2\r\n\r\n{}", 417, "expectation_failed"},
		{"headers too large", "GET /health HTTP/1.1\r\nHost: gw\r\nX-Big: " + strings.Repeat("a", 8000) + "\r\n\r\n", 431, "headers_too_large"},
		{"HTTP/2 request line", "GET /health HTTP/2.0\r\nHost: gw\r\n\r\n", 505, "http_version_not_supported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn := dial(t, g)
			_, err := io.WriteString(conn, tc.req)
			require.NoError(t, err)
			res, body := readResponse(t, conn)
			require.Equal(t, tc.status, res.StatusCode, body)
			assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
			assert.Len(t, res.Header.Get("X-Trace-Id"), 32)
			assert.True(t, res.Close, "the connection closes after a refusal")
			e := decodeError(t, []byte(body))
			assert.Equal(t, tc.code, *e.Error.Code, body)
			if tc.status >= 500 { // the same request gets the same answer: the SDKs must not retry it
				assert.Equal(t, "false", res.Header.Get("X-Should-Retry"))
			}
			assert.Contains(t, g.AccessLog(), `"status":`+strconv.Itoa(tc.status)+`,`)
			assert.Contains(t, g.AccessLog(), res.Header.Get("X-Trace-Id"), "the refusal has its access log line")
		})
	}
}

// An unknown model is a 404 whose message speaks to an HTTP caller (harbor's
// own points a Go caller to Client.Models()).
func TestUnknownModelMessage(t *testing.T) {
	g := gatewaytest.Start(t, gateway.Config{})
	res, body := newCaller(t, g).chat(`{"model":"nope-1","messages":[{"role":"user","content":"hi"}]}`)
	require.Equal(t, http.StatusNotFound, res.StatusCode, "%s", body)
	e := decodeError(t, body)
	assert.Equal(t, "model_not_found", *e.Error.Code)
	assert.Contains(t, e.Error.Message, `"nope-1"`)
	assert.Contains(t, e.Error.Message, "GET /v1/models")
	assert.NotContains(t, e.Error.Message, "Client.Models")
}

// hangingProvider answers no call until the call's context ends, and says
// when it did and why.
type hangingProvider struct{ ended chan error }

func (h *hangingProvider) Name() string { return "hang" }

func (h *hangingProvider) Chat(ctx context.Context, req *llm.ChatRequest, _ *llm.CallOptions) (*llm.ChatCompletion, error) {
	<-ctx.Done()
	h.ended <- ctx.Err()
	// As llm.Provider's contract asks: an *Error, ErrCanceled for a cancelled context.
	return nil, &llm.Error{Provider: "hang", Model: req.Model, Kind: llm.ErrCanceled, Err: ctx.Err(), Message: "canceled"}
}

func (h *hangingProvider) ChatStream(ctx context.Context, req *llm.ChatRequest, call *llm.CallOptions) (llm.ChunkSource, error) {
	_, err := h.Chat(ctx, req, call)
	return nil, err
}

// A caller that hangs up while its plain call waits on the vendor cancels
// the call: the server's watch (from 50 ms into the call) sees the connection
// close, the vendor call's context ends, and the access log says 499.
func TestPlainCallerHangsUp(t *testing.T) {
	h := &hangingProvider{ended: make(chan error, 1)}
	g := gatewaytest.Start(t, gateway.Config{ClientOptions: []harbor.Option{harbor.WithProvider(llm.Descriptor{
		Name: "hang", Prefixes: []string{"hang-"}, Models: []llm.Model{{ID: "hang-1", Object: "model", OwnedBy: "hang"}},
		New: func(llm.Config) (llm.Provider, error) { return h, nil },
	})}})
	c, err := net.Dial("tcp", strings.TrimPrefix(g.URL, "http://"))
	require.NoError(t, err)
	body := `{"model":"hang-1","messages":[{"role":"user","content":"hi"}]}`
	_, err = fmt.Fprintf(c, "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		g.Key, len(body), body)
	require.NoError(t, err)
	time.Sleep(20 * time.Millisecond) // the call is under way
	select {
	case err := <-h.ended:
		t.Fatalf("the vendor call ended (%v) before the caller left", err)
	default:
	}
	require.NoError(t, c.Close())
	select {
	case err := <-h.ended:
		assert.ErrorIs(t, err, context.Canceled)
	case <-time.After(5 * time.Second):
		t.Fatal("the vendor call went on after its caller hung up")
	}
	require.Eventually(t, func() bool { return strings.Contains(g.AccessLog(), `"status":499`) }, 5*time.Second, 10*time.Millisecond, g.AccessLog())
}

// releasedProvider answers once the test lets it, whatever its context says.
type releasedProvider struct{ entered, release chan struct{} }

func (p *releasedProvider) Name() string { return "late" }

func (p *releasedProvider) Chat(_ context.Context, req *llm.ChatRequest, _ *llm.CallOptions) (*llm.ChatCompletion, error) {
	p.entered <- struct{}{}
	<-p.release
	return &llm.ChatCompletion{ID: "late", Object: "chat.completion", Created: 1, Model: req.Model,
		Choices: []llm.Choice{{Message: llm.AssistantMessage("too late"), FinishReason: "stop"}},
		Usage:   llm.Usage{PromptTokens: 1, CompletionTokens: 2, TotalTokens: 3}}, nil
}

func (p *releasedProvider) ChatStream(context.Context, *llm.ChatRequest, *llm.CallOptions) (llm.ChunkSource, error) {
	return nil, &llm.Error{Provider: "late", Kind: llm.ErrInvalidRequest, Message: "no streams"}
}

// A plain answer written to a caller who already hung up (reset its
// connection before the hang-up watch starts) is logged as canceled, as when
// the watch sees it. Regression: a failed answer write was logged as a
// success.
func TestPlainAnswerToAGoneCaller(t *testing.T) {
	p := &releasedProvider{entered: make(chan struct{}, 1), release: make(chan struct{})}
	g := gatewaytest.Start(t, gateway.Config{ClientOptions: []harbor.Option{harbor.WithProvider(llm.Descriptor{
		Name: "late", Prefixes: []string{"late-"}, Models: []llm.Model{{ID: "late-1", Object: "model", OwnedBy: "late"}},
		New: func(llm.Config) (llm.Provider, error) { return p, nil },
	})}})
	c, err := net.Dial("tcp", strings.TrimPrefix(g.URL, "http://"))
	require.NoError(t, err)
	body := `{"model":"late-1","messages":[{"role":"user","content":"hi"}]}`
	_, err = fmt.Fprintf(c, "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		g.Key, len(body), body)
	require.NoError(t, err)
	<-p.entered
	require.NoError(t, c.(*net.TCPConn).SetLinger(0)) // close with a reset: the next write fails
	require.NoError(t, c.Close())
	time.Sleep(5 * time.Millisecond) // the reset arrives (loopback)
	close(p.release)
	require.Eventually(t, func() bool { return strings.Contains(g.AccessLog(), `"error_type":"canceled"`) },
		5*time.Second, 10*time.Millisecond, "%s", g.AccessLog())
}
