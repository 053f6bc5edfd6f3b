package main

import (
	"context"
	"github.com/harborai/harbor-go/internal/syncbuf"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// `harbor mock` serves the mocks for other tools and, by default, tells them on
// stderr where their requests break the vendor's spec.
func TestMockCommandChecksTrafficAgainstTheSpec(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out, errs syncbuf.Buffer
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"mock", "--addr", "127.0.0.1:0", "--vendor", "deepseek"}, env{getenv: func(string) string { return "" }, stdin: strings.NewReader(""), stdout: &out, stderr: &errs})
	}()
	var base string
	require.Eventually(t, func() bool {
		m := regexp.MustCompile(`DEEPSEEK_BASE_URL=(\S+)`).FindStringSubmatch(out.String())
		if m != nil {
			base = strings.Trim(m[1], `'"`)
		}
		return base != ""
	}, 5*time.Second, 10*time.Millisecond, "mock did not print its URL: %s", out.String())
	assert.Contains(t, out.String(), "checked against harbor's OpenAPI specs")

	send := func(body string) int {
		req, _ := http.NewRequest(http.MethodPost, base+"/chat/completions", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer sk-mock-harbor")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, 200, send(`{"model":"deepseek-v4-flash","messages":[{"role":"user","content":"hi"}]}`))
	assert.NotContains(t, errs.String(), "spec violation", "a valid request is quiet")

	send(`{"model":"deepseek-v4-flash","messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}`)
	assert.Contains(t, errs.String(), "harbor mock: spec violation: deepseek spec: POST /chat/completions: request:")
	assert.NotContains(t, errs.String(), "sk-mock-harbor", "no key in the report")

	cancel()
	select {
	case code := <-done:
		assert.Equal(t, exitInterrupted, code, "Ctrl-C stops it, with the shell's status for SIGINT")
	case <-time.After(5 * time.Second):
		t.Fatal("harbor mock did not stop")
	}
}

// Issue 10 item 18: the default ports are fixed and documented, and a vendor's port
// does not depend on which others are served, so restarts keep the exports.
func TestMockPortsAreStableAndDocumented(t *testing.T) {
	_, help, _ := runCLI(t, nil, "", "help", "mock")
	assert.Contains(t, help, `-addr string`)
	assert.Contains(t, help, `(default "127.0.0.1:8700")`)
	for i, v := range vendors {
		assert.Equal(t, defaultMockPort+i, mockPort(defaultMockPort, v))
		assert.Regexp(t, `\n  `+v.provider+` +`+strconv.Itoa(8700+i)+`  `+v.baseEnv+`=http://127\.0\.0\.1:`+strconv.Itoa(8700+i), help)
	}
	assert.Zero(t, mockPort(0, vendors[4]), "port 0 asks for free ports")
}

// occupied holds a loopback port for the test and returns it.
func occupied(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().(*net.TCPAddr).Port
}

// stopped is a context already cancelled: `harbor mock` listens, prints and returns
// at once instead of serving until Ctrl-C.
func stopped() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// Issue 10 item 18: a port clash fails (status 1, a message naming the vendor and
// the address) before anything is printed on stdout.
func TestMockPortClashFailsBeforePrinting(t *testing.T) {
	busy := occupied(t)

	// openai is vendor 4: with --addr at busy-4 it takes busy, even served alone.
	code, out, errs := cli{ctx: stopped()}.run(t, "mock", "--addr", "127.0.0.1:"+strconv.Itoa(busy-4), "--vendor", "openai")
	assert.Equal(t, exitFailed, code, errs)
	assert.Empty(t, out)
	assert.Contains(t, errs, "harbor mock: cannot serve openai on 127.0.0.1:"+strconv.Itoa(busy))
	assert.Contains(t, errs, "Another 'harbor mock' may be running")

	// deepseek (busy-1) could listen, doubao (busy) cannot: still nothing printed.
	code, out, errs = cli{ctx: stopped()}.run(t, "mock", "--addr", "127.0.0.1:"+strconv.Itoa(busy-1), "--vendor", "deepseek,doubao")
	assert.Equal(t, exitFailed, code, errs)
	assert.Empty(t, out, "no export line of a half-started set")
}

// Issue 10 item 18: the mocks listen on loopback only, and the URLs printed carry
// the host they listen on.
func TestMockListensOnLoopbackAndPrintsThatHost(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:8700"} {
		code, out, errs := cli{ctx: stopped()}.run(t, "mock", "--addr", addr)
		assert.Equal(t, exitUsage, code, addr)
		assert.Empty(t, out, addr)
		assert.Contains(t, errs, "loopback only", addr)
	}
	code, out, errs := cli{ctx: stopped()}.run(t, "mock", "--addr", "127.0.0.1:0")
	require.Equal(t, exitInterrupted, code, errs)
	urls := regexp.MustCompile(`_BASE_URL=(\S+)`).FindAllStringSubmatch(out, -1)
	require.Len(t, urls, len(vendors))
	for _, u := range urls {
		assert.Regexp(t, `^http://127\.0\.0\.1:[1-9]\d*(/|$)`, u[1])
	}
}
