package h1server

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// FuzzRequestHead holds the fast path to http.ReadRequest on any bytes:
// whenever readHead reads a head, ReadRequest reads the same bytes without
// error into an equal request (every field, Header, URL and Host included),
// both leave the same bytes buffered, their bodies give the same bytes and
// errors read for read, and the same bytes are left after them; whenever
// readHead gives up, it has consumed nothing. It never panics.
//
// The connection is played by a reader that hands over at most split bytes
// a read (0: all), so that heads arrive in pieces; scan says whether the
// head is first buffered as conn.next does (scanHeaders), or readHead looks
// at whatever one read brought; size is the size of the body reads.
func FuzzRequestHead(f *testing.F) {
	for _, tc := range sdkHeads {
		f.Add(sdkRequest(tc.head), uint16(0), true, uint8(7))
		f.Add(sdkRequest(tc.head)+sdkRequest(tc.head), uint16(13), true, uint8(64))
	}
	for _, in := range []string{
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET / HTTP/1.1\r\n\r\n",
		"GET /v1/models?limit=10&after=a%2Fb HTTP/1.1\r\nHost: x\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc",
		"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\nGET / HTTP/1.1\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na",
		"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 01\r\n\r\na",
		"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nX-A : b\r\n\r\n",
		"GET / HTTP/1.1\nHost: x\n\n",
		"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n",
		"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
		"GET http://x/ HTTP/1.1\r\n\r\n",
		"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /a? HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /a?b? HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET //x/y HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nPragma: no-cache\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nConnection: Close\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nX-A: \t a  b \t \r\nx-a:c\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nx-a-: 1\r\n-x: 2\r\n1abc: 3\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi",
		"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
		"\r\n\r\n",
	} {
		f.Add(in, uint16(0), true, uint8(3))
		f.Add(in, uint16(5), false, uint8(0))
	}
	f.Fuzz(func(t *testing.T, in string, split uint16, scan bool, size uint8) {
		compareHead(t, in, int(split), int(size), scan)
	})
}

// compareHead checks readHead against http.ReadRequest on in (see
// FuzzRequestHead for split, size and scan).
func compareHead(t *testing.T, in string, split, size int, scan bool) {
	t.Helper()
	fill := func() *bufio.Reader {
		br := bufio.NewReaderSize(&pieces{s: in, n: split}, 4<<10)
		if scan {
			_ = scanHeaders(br)
		} else {
			_, _ = br.Peek(1)
		}
		return br
	}
	br := fill()
	before := br.Buffered()
	got := readHead(br)
	if got == nil {
		if br.Buffered() != before {
			t.Fatalf("gave up on %q after consuming %d bytes", in, before-br.Buffered())
		}
		return
	}
	std := fill()
	want, err := http.ReadRequest(std)
	if err != nil {
		t.Fatalf("read %q, which http.ReadRequest refuses: %v", in, err)
	}
	if br.Buffered() != std.Buffered() {
		t.Fatalf("%q: %d bytes left buffered, http.ReadRequest leaves %d", in, br.Buffered(), std.Buffered())
	}
	if (got.Body == http.NoBody) != (want.Body == http.NoBody) {
		t.Fatalf("%q: body %T, http.ReadRequest's %T", in, got.Body, want.Body)
	}
	gb, wb := got.Body, want.Body
	g, w := *got, *want
	g.Body, w.Body = nil, nil
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("%q read as\n%s\nhttp.ReadRequest reads\n%s", in, describe(&g), describe(&w))
	}
	if gr, wr := reads(gb, size), reads(wb, size); gr != wr {
		t.Fatalf("%q: body reads\n%s\nhttp.ReadRequest's\n%s", in, gr, wr)
	}
	gr, gerr := io.ReadAll(br)
	wr, werr := io.ReadAll(std)
	if string(gr) != string(wr) || gerr != werr {
		t.Fatalf("%q: left %q, %v; http.ReadRequest leaves %q, %v", in, gr, gerr, wr, werr)
	}
}

// reads reads b to its end, size bytes a read (0 for the first read, then
// 1), and then once more, and tells each read's bytes and error.
func reads(b io.Reader, size int) string {
	var out strings.Builder
	p := make([]byte, size)
	for i := 0; i < 1<<16; i++ {
		n, err := b.Read(p)
		fmt.Fprintf(&out, "%q %v\n", p[:n], err)
		if err != nil {
			n, err = b.Read(make([]byte, 8))
			fmt.Fprintf(&out, "then %d %v\n", n, err)
			break
		}
		if len(p) == 0 {
			p = make([]byte, 1)
		}
	}
	return out.String()
}

// describe prints a request's fields for a failure message.
func describe(r *http.Request) string {
	return fmt.Sprintf("Method %q URL %#v RequestURI %q Proto %q %d.%d Header %q Host %q ContentLength %d TransferEncoding %q Close %v Trailer %q",
		r.Method, r.URL, r.RequestURI, r.Proto, r.ProtoMajor, r.ProtoMinor, r.Header, r.Host, r.ContentLength, r.TransferEncoding, r.Close, r.Trailer)
}

// pieces reads s at most n bytes a read (0: all that fits).
type pieces struct {
	s string
	n int
}

func (p *pieces) Read(b []byte) (int, error) {
	if p.s == "" {
		return 0, io.EOF
	}
	if p.n > 0 && len(b) > p.n {
		b = b[:p.n]
	}
	n := copy(b, p.s)
	p.s = p.s[n:]
	return n, nil
}
