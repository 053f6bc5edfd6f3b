package h1server

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// chatBody is the body the SDK heads below announce (67 bytes).
const chatBody = `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}`

// sdkHeads are request heads as the gateway's callers send them, captured
// byte for byte from each client against a listener (the Host's port and the
// Content-Length set to chatBody's), but openai-python's: no Python package
// could be installed where they were captured, so it is put together from
// httpx's and the SDK's default headers.
var sdkHeads = []struct{ name, head string }{
	{"go-net-http", "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:8098\r\nUser-Agent: Go-http-client/1.1\r\nContent-Length: 67\r\nContent-Type: application/json\r\nAccept-Encoding: gzip\r\n\r\n"},
	{"openai-go-1.12", "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:8098\r\nUser-Agent: OpenAI/Go 1.12.0\r\nContent-Length: 67\r\nAccept: application/json\r\nAuthorization: Bearer sk-test\r\nContent-Type: application/json\r\nX-Stainless-Arch: x64\r\nX-Stainless-Lang: go\r\nX-Stainless-Os: Linux\r\nX-Stainless-Package-Version: 1.12.0\r\nX-Stainless-Retry-Count: 0\r\nX-Stainless-Runtime: go\r\nX-Stainless-Runtime-Version: go1.26.8\r\nAccept-Encoding: gzip\r\n\r\n"},
	{"openai-node-4", "POST /v1/chat/completions HTTP/1.1\r\ncontent-length: 67\r\naccept: application/json\r\ncontent-type: application/json\r\nuser-agent: OpenAI/JS 4.104.0\r\nx-stainless-lang: js\r\nx-stainless-package-version: 4.104.0\r\nx-stainless-os: Linux\r\nx-stainless-arch: x64\r\nx-stainless-runtime: node\r\nx-stainless-runtime-version: v20.20.2\r\nauthorization: Bearer sk-test\r\nx-stainless-retry-count: 0\r\nx-stainless-timeout: 600\r\nAccept-Encoding: gzip,deflate\r\nHost: 127.0.0.1:8098\r\nConnection: keep-alive\r\n\r\n"},
	{"openai-node-5", "POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1:8098\r\nconnection: keep-alive\r\nAccept: application/json\r\nUser-Agent: OpenAI/JS 5.23.2\r\nX-Stainless-Retry-Count: 0\r\nX-Stainless-Lang: js\r\nX-Stainless-Package-Version: 5.23.2\r\nX-Stainless-OS: Linux\r\nX-Stainless-Arch: x64\r\nX-Stainless-Runtime: node\r\nX-Stainless-Runtime-Version: v20.20.2\r\nauthorization: Bearer sk-test\r\ncontent-type: application/json\r\naccept-language: *\r\nsec-fetch-mode: cors\r\naccept-encoding: gzip, deflate\r\ncontent-length: 67\r\n\r\n"},
	{"openai-python", "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:8098\r\nAccept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\nAccept: application/json\r\nContent-Type: application/json\r\nUser-Agent: OpenAI/Python 1.82.0\r\nX-Stainless-Lang: python\r\nX-Stainless-Package-Version: 1.82.0\r\nX-Stainless-OS: Linux\r\nX-Stainless-Arch: x64\r\nX-Stainless-Runtime: CPython\r\nX-Stainless-Runtime-Version: 3.12.3\r\nAuthorization: Bearer sk-test\r\nX-Stainless-Async: false\r\nx-stainless-retry-count: 0\r\nx-stainless-read-timeout: 600\r\nContent-Length: 67\r\n\r\n"},
	{"curl-post", "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:8098\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\nContent-Type: application/json\r\nAuthorization: Bearer sk-test\r\nContent-Length: 67\r\n\r\n"},
	{"curl-get", "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1:8098\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n"},
	{"go-get-health", "GET /health HTTP/1.1\r\nHost: 127.0.0.1:8098\r\nUser-Agent: Go-http-client/1.1\r\nAccept-Encoding: gzip\r\n\r\n"},
}

// sdkRequest is an SDK head with its body, if it announces one.
func sdkRequest(head string) string {
	if strings.HasPrefix(head, "POST") {
		return head + chatBody
	}
	return head
}

// bufferedReader is a connection's reader of in with the request head
// buffered, as conn.next has it when it reads the head.
func bufferedReader(in string) *bufio.Reader {
	br := bufio.NewReaderSize(strings.NewReader(in), 4<<10)
	_ = scanHeaders(br)
	return br
}

// TestReadHeadTakesSDKHeads proves that the fast path reads the heads the
// gateway's callers send, and reads them as http.ReadRequest does; were it
// to give up on one, the speedup would silently be gone for that caller.
func TestReadHeadTakesSDKHeads(t *testing.T) {
	for _, tc := range sdkHeads {
		t.Run(tc.name, func(t *testing.T) {
			in := sdkRequest(tc.head)
			r := readHead(bufferedReader(in))
			if r == nil {
				t.Fatalf("the fast path gave up on %q", tc.head)
			}
			if r.Host != "127.0.0.1:8098" || r.URL.Path == "" {
				t.Errorf("Host %q, URL %v", r.Host, r.URL)
			}
			compareHead(t, in, 0, 7, true)
		})
	}
}

// TestReadHeadRefuses proves that the fast path leaves to http.ReadRequest
// every head it does not read for sure as ReadRequest would — framing it
// does not handle, anything a smuggler plays on, anything unusual — and
// that it consumes nothing when it does.
func TestReadHeadRefuses(t *testing.T) {
	const ok = "GET / HTTP/1.1\r\nHost: x\r\n"
	for _, tc := range []struct{ name, in string }{
		{"chunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
		{"chunked and Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
		{"Transfer-Encoding identity", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\nContent-Length: 1\r\n\r\na"},
		{"transfer-encoding in lower case", "POST / HTTP/1.1\r\nHost: x\r\ntransfer-encoding: gzip\r\n\r\n"},
		{"obs-fold", ok + "X-A: a\r\n b\r\n\r\n"},
		{"obs-fold with a tab", ok + "X-A: a\r\n\tb\r\n\r\n"},
		{"space before the first header", "GET / HTTP/1.1\r\n Host: x\r\n\r\n"},
		{"two Hosts", ok + "Host: y\r\n\r\n"},
		{"two Hosts, another case", ok + "HOST: x\r\n\r\n"},
		{"two equal Content-Lengths", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na"},
		{"two Content-Lengths", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\ncontent-length: 2\r\n\r\nab"},
		{"Content-Length list", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 1\r\n\r\na"},
		{"Content-Length with a leading zero", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 01\r\n\r\na"},
		{"Content-Length with a sign", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +1\r\n\r\na"},
		{"negative Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n"},
		{"empty Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n\r\n"},
		{"Content-Length of 19 digits", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000000000000\r\n\r\n"},
		{"Content-Length in hex", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0x1\r\n\r\na"},
		{"space before the colon", ok + "X-A : b\r\n\r\n"},
		{"Transfer-Encoding with space before the colon", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n"},
		{"empty name", ok + ": b\r\n\r\n"},
		{"no colon", ok + "NoColon\r\n\r\n"},
		{"name not a token", ok + "X(A): b\r\n\r\n"},
		{"control byte in a value", ok + "X-A: a\x01b\r\n\r\n"},
		{"NUL in a value", ok + "X-A: a\x00b\r\n\r\n"},
		{"DEL in a value", ok + "X-A: a\x7fb\r\n\r\n"},
		{"obs-text in a value", ok + "X-A: caf\xc3\xa9\r\n\r\n"},
		{"bare CR in a value", ok + "X-A: a\rb\r\n\r\n"},
		{"bare LF line ends", "GET / HTTP/1.1\nHost: x\n\n"},
		{"bare LF in the headers", ok + "X-A: a\nX-B: b\r\n\r\n"},
		{"bare LF ending the head", ok + "\n"},
		{"HTTP/1.0", "GET / HTTP/1.0\r\nHost: x\r\n\r\n"},
		{"HTTP/1.0 keep-alive", "GET / HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n"},
		{"HTTP/2.0", "GET / HTTP/2.0\r\nHost: x\r\n\r\n"},
		{"HTTP/1.2", "GET / HTTP/1.2\r\nHost: x\r\n\r\n"},
		{"lower-case version", "GET / http/1.1\r\nHost: x\r\n\r\n"},
		{"HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"},
		{"absolute form", "GET http://x/ HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"absolute form without Host", "GET http://x/ HTTP/1.1\r\n\r\n"},
		{"asterisk form", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"authority form", "CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n"},
		{"CONNECT with a path", "CONNECT /x HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"TRACE", "TRACE / HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"extension method", "PROPFIND / HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"lower-case method", "get / HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"two spaces after the method", "GET  / HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"two spaces before the version", "GET /  HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"tab in the request line", "GET\t/ HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"no version", "GET /\r\nHost: x\r\n\r\n"},
		{"method alone", "POST\r\n\r\n0"}, // found by FuzzRequestHead: readHead panicked
		{"empty request line", "\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"percent-escape in the path", "GET /a%20b HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"bad percent-escape", "GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"path byte net/url escapes", "GET /a!b HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"obs-text in the path", "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"empty query", "GET /a? HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"fragment", "GET /a#b HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"fragment in the query", "GET /a?b#c HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"no leading slash", "GET a HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"Pragma", ok + "Pragma: no-cache\r\n\r\n"},
		{"Trailer", "POST / HTTP/1.1\r\nHost: x\r\nTrailer: X-A\r\nContent-Length: 1\r\n\r\na"},
		{"Connection: Upgrade", ok + "Connection: Upgrade\r\nUpgrade: h2c\r\n\r\n"},
		{"Connection list", ok + "Connection: keep-alive, close\r\n\r\n"},
		{"head not all read", ok + "X-A: b\r\n"},
		{"head cut in a line", ok + "X-A: b"},
		{"head past the buffer", ok + "X-Big: " + strings.Repeat("a", 5000) + "\r\n\r\n"},
		{"nothing", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			br := bufferedReader(tc.in)
			before := br.Buffered()
			if r := readHead(br); r != nil {
				t.Fatalf("the fast path read %q", tc.in)
			}
			if br.Buffered() != before {
				t.Fatalf("the fast path gave up on %q but consumed %d bytes", tc.in, before-br.Buffered())
			}
			rest, _ := io.ReadAll(br)
			if string(rest) != tc.in {
				t.Fatalf("left %q of %q", rest, tc.in)
			}
		})
	}
}

// TestReadHeadTakesVariants proves that the fast path reads the variants of
// the common head it claims to, each as http.ReadRequest does.
func TestReadHeadTakesVariants(t *testing.T) {
	const ok = "GET / HTTP/1.1\r\nHost: x\r\n"
	for _, tc := range []struct{ name, in string }{
		{"no headers", "GET / HTTP/1.1\r\n\r\n"},
		{"no Host", "GET /a HTTP/1.1\r\nAccept: */*\r\n\r\n"},
		{"empty Host", "GET / HTTP/1.1\r\nHost:\r\n\r\n"},
		{"invalid Host (check refuses it)", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"},
		{"query", "GET /v1/models?limit=10&after=a%2Fb HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"query with a question mark", "GET /a?b? HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"path of two slashes", "GET //x/y HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"dot segments", "GET /a/../b/./c HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"HEAD", "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"DELETE", "DELETE /v1/files/f HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"OPTIONS", "OPTIONS /v1 HTTP/1.1\r\nHost: x\r\nOrigin: http://y\r\n\r\n"},
		{"PUT", "PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi"},
		{"PATCH", "PATCH /a HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi"},
		{"GET with a body", "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"},
		{"Content-Length 0", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"},
		{"body cut short", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"},
		{"pipelined", ok + "\r\n" + ok + "\r\n"},
		{"Connection: close", ok + "Connection: close\r\n\r\n"},
		{"Connection: CLOSE", ok + "Connection: CLOSE\r\n\r\n"},
		{"two Connections", ok + "Connection: keep-alive\r\nConnection: close\r\n\r\n"},
		{"Expect", "POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi"},
		{"odd Expect (check refuses it)", ok + "Expect: 200-ok\r\n\r\n"},
		{"repeated header", ok + "Accept: a\r\naccept: b\r\nACCEPT: c\r\n\r\n"},
		{"value whitespace", ok + "X-A: \t a  b \t \r\nX-B:c\r\nX-C:   \r\n\r\n"},
		{"odd names", ok + "x-a-: 1\r\n-x: 2\r\n1abc: 3\r\nA--B: 4\r\n!#$%&'*+-.^_`|~: 5\r\n\r\n"},
		{"long lower-case name", ok + strings.Repeat("x", 100) + ": y\r\n\r\n"},
		{"Cache-Control without Pragma", ok + "Cache-Control: no-cache\r\n\r\n"},
		{"Upgrade without Connection", ok + "Upgrade: websocket\r\n\r\n"},
		{"quoted-string value", ok + `X-A: "a, b" (c)` + "\r\n\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if readHead(bufferedReader(tc.in)) == nil {
				t.Fatalf("the fast path gave up on %q", tc.in)
			}
			for size := 0; size <= 8; size += 4 {
				compareHead(t, tc.in, 0, size, true)
			}
		})
	}
}

// TestPathBytes proves that every byte pathByte lets into a path is kept
// as it is by url.ParseRequestURI, so that the URL the fast path makes is
// net/url's (and that the query bytes reach RawQuery as they are).
func TestPathBytes(t *testing.T) {
	for c := 0; c < 256; c++ {
		if pathByte[c] {
			p := "/a" + string(byte(c)) + "b"
			u, err := url.ParseRequestURI(p)
			if err != nil || u.Path != p || u.RawPath != "" || u.RawQuery != "" || u.ForceQuery {
				t.Errorf("path byte %q: ParseRequestURI(%q) = %#v, %v", c, p, u, err)
			}
		}
		if queryByte[c] {
			q := "/a?b" + string(byte(c)) + "c"
			u, err := url.ParseRequestURI(q)
			if err != nil || u.Path != "/a" || u.RawQuery != q[3:] || u.Fragment != "" {
				t.Errorf("query byte %q: ParseRequestURI(%q) = %#v, %v", c, q, u, err)
			}
		}
	}
}

// TestServerReadsHeadFast proves that the server reads the SDKs' heads with
// the fast path and hands its requests (with their bodies) to the handler,
// and that it leaves the rest to http.ReadRequest on the same connection.
func TestServerReadsHeadFast(t *testing.T) {
	heads := make(chan bool, 100)
	got := make(chan string, 100)
	s := &Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, err := io.ReadAll(r.Body)
			got <- fmt.Sprintf("%s %s %s %q %v", r.Method, r.URL, r.Host, b, err)
		}),
		onHead: func(fast bool) { heads <- fast },
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(l) }()
	defer func() {
		_ = s.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
		<-served
	}()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(c)
	send := func(in string, fast bool, want string) {
		t.Helper()
		if _, err := io.WriteString(c, in); err != nil {
			t.Fatal(err)
		}
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%d to %q", res.StatusCode, in)
		}
		if f := <-heads; f != fast {
			t.Errorf("fast path %v for %q, want %v", f, in, fast)
		}
		if g := <-got; g != want {
			t.Errorf("the handler saw %s, want %s", g, want)
		}
	}
	for _, tc := range sdkHeads {
		want := fmt.Sprintf("GET %s 127.0.0.1:8098 \"\" <nil>", tc.head[4:strings.Index(tc.head, " HTTP")])
		if strings.HasPrefix(tc.head, "POST") {
			want = fmt.Sprintf("POST /v1/chat/completions 127.0.0.1:8098 %q <nil>", chatBody)
		}
		send(sdkRequest(tc.head), true, want)
	}
	send("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n", false, `POST /c x "hi" <nil>`)
	send("GET /a%20b HTTP/1.1\r\nHost: x\r\n\r\n", false, `GET /a%20b x "" <nil>`)
}

// BenchmarkReadHead measures the fast path against http.ReadRequest on the
// SDKs' heads (the head only: neither reads the body).
func BenchmarkReadHead(b *testing.B) {
	for _, tc := range sdkHeads {
		if tc.name != "openai-go-1.12" && tc.name != "openai-node-5" && tc.name != "go-net-http" {
			continue
		}
		in := sdkRequest(tc.head)
		rd := strings.NewReader(in)
		br := bufio.NewReaderSize(rd, 4<<10)
		for _, p := range []struct {
			name string
			read func() *http.Request
		}{
			{"fast", func() *http.Request { return readHead(br) }},
			{"ReadRequest", func() *http.Request { r, _ := http.ReadRequest(br); return r }},
		} {
			b.Run(tc.name+"/"+p.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					rd.Reset(in)
					br.Reset(rd)
					_, _ = br.Peek(1)
					if p.read() == nil {
						b.Fatal("not read")
					}
				}
			})
		}
	}
}
