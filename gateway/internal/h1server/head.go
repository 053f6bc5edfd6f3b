package h1server

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// readHead reads the head of the request at the front of br — request line
// and headers, through the blank line — without net/http, when it has the
// common shape; otherwise it reads nothing and returns nil, and the caller
// runs http.ReadRequest on the same bytes.
//
// It exists for speed: http.ReadRequest was measured at a median 7.5 µs per
// request in the running gateway at concurrency 1 (a request line and about
// seven headers, from Go's net/http client and the OpenAI SDKs), the largest
// single piece of the gateway's own work on a request. ReadRequest makes a
// string of the request line and of every header value and of each name it
// does not intern, on top of its map: 31 allocations for openai-go's head.
// readHead makes one string of the whole head and cuts the names, values and
// target out of it (a lower-case name is rewritten, and interned when the
// SDKs send it), and allocates the request, its URL and its body together: 7
// allocations, in about 60% of ReadRequest's time (BenchmarkReadHead). So a
// value a handler keeps past its request keeps the head's string alive with
// it, at most the 4 KiB of the connection's buffer.
//
// It is a fast path, not a parser of its own, as internal/fastreq is for
// JSON: the request it returns is the one http.ReadRequest would return for
// the same bytes, field for field, and it consumes the same bytes from br.
// It reads only:
//
//   - a head wholly in br's buffer, every line ended by CRLF (no bare CR or
//     LF anywhere);
//   - a request line "METHOD /path[?query] HTTP/1.1" with single spaces: a
//     method of GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS; an
//     origin-form target whose path has only the bytes url.ParseRequestURI
//     keeps as they are (no %-escapes, so Path is the path and RawPath empty)
//     and whose query, if any, is not empty and has only visible ASCII but
//     '#';
//   - header lines "Name: value", the name a token (no space before the
//     colon), the value visible ASCII, spaces and tabs (no obs-text);
//   - at most one Host (taken out of Header, as ReadRequest does) and at most
//     one Content-Length, of decimal digits without a leading zero and at
//     most 18 of them; Connection only "close" or "keep-alive".
//
// Everything else goes to http.ReadRequest untouched, whose result and error
// stand: another version (HTTP/1.0's keep-alive rules), any other method, an
// absolute, authority or asterisk form, a %-escape, an obs-fold or any other
// whitespace at a line's start, a bare LF, a control byte or obs-text, any
// Transfer-Encoding (chunked bodies and the Content-Length they override),
// Trailer, Pragma (ReadRequest adds a Cache-Control for it), a repeated Host
// or Content-Length, and a head longer than the buffer or not yet all read.
// FuzzRequestHead holds it to ReadRequest on every head it accepts.
func readHead(br *bufio.Reader) *http.Request {
	buf, _ := br.Peek(br.Buffered())
	end := bytes.Index(buf, headEnd)
	if end < 0 {
		return nil
	}
	n := end + len(headEnd)
	r := parseHead(string(buf[:n]), br)
	if r != nil {
		_, _ = br.Discard(n)
	}
	return r
}

var headEnd = []byte("\r\n\r\n")

// fastRequest holds a request read by readHead with its URL and body: one
// allocation for three.
type fastRequest struct {
	req  http.Request
	url  url.URL
	body lengthBody
}

// parseHead reads head, a request line and headers ending in the first
// CRLF CRLF of head, whose body (if any) is read from br; nil: not a head
// readHead reads.
func parseHead(head string, br *bufio.Reader) *http.Request {
	line, rest, _ := strings.Cut(head, "\r\n")
	method := knownMethod(line)
	if method == "" {
		return nil
	}
	target, proto, ok := strings.Cut(line[len(method)+1:], " ")
	if !ok || proto != "HTTP/1.1" {
		return nil
	}
	path, query, ok := splitTarget(target)
	if !ok {
		return nil
	}

	// As textproto.ReadMIMEHeader: the map and one slice of values sized
	// for the lines, each name's first value a one-element piece of it.
	lines := strings.Count(rest, "\n") - 1
	header := make(http.Header, lines)
	values := make([]string, lines)
	var host string
	var hasHost, hasLength, closing bool
	var length int64
	i := len(head) - len(rest) // the start of a header line
	for i < len(head) && head[i] != '\r' {
		name, value, canonical, next := field(head, i)
		if next < 0 {
			return nil
		}
		i = next
		key := name
		if !canonical {
			key = recase(name)
		}
		switch key {
		case "Host":
			if hasHost {
				return nil
			}
			host, hasHost = value, true
			continue // http.ReadRequest keeps it in Host alone
		case "Content-Length":
			if hasLength {
				return nil
			}
			if length, ok = parseLength(value); !ok {
				return nil
			}
			hasLength = true
		case "Connection":
			switch {
			case strings.EqualFold(value, "close"):
				closing = true
			case strings.EqualFold(value, "keep-alive"):
			default:
				return nil
			}
		case "Transfer-Encoding", "Trailer", "Pragma":
			return nil
		}
		if vv := header[key]; vv != nil {
			header[key] = append(vv, value)
		} else {
			if len(values) == 0 {
				return nil // cannot be: values has a place per line
			}
			vv, values = values[:1:1], values[1:]
			vv[0] = value
			header[key] = vv
		}
	}
	if i+len("\r\n") != len(head) {
		return nil // a bare CR at the start of a line
	}

	f := &fastRequest{}
	f.url = url.URL{Path: path, RawQuery: query}
	f.req = http.Request{
		Method:        method,
		URL:           &f.url,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        header,
		Body:          http.NoBody,
		ContentLength: length,
		Close:         closing,
		Host:          host,
		RequestURI:    target,
	}
	if length > 0 {
		f.body.lr = io.LimitedReader{R: br, N: length}
		f.req.Body = &f.body
	}
	return &f.req
}

// knownMethod is the method at the start of a request line, followed by a
// space, when it is one readHead reads (as a constant: no allocation); ""
// for any other, which http.ReadRequest reads.
func knownMethod(line string) string {
	m, _, ok := strings.Cut(line, " ")
	if !ok {
		return ""
	}
	switch m {
	case "GET":
		return http.MethodGet
	case "POST":
		return http.MethodPost
	case "HEAD":
		return http.MethodHead
	case "PUT":
		return http.MethodPut
	case "PATCH":
		return http.MethodPatch
	case "DELETE":
		return http.MethodDelete
	case "OPTIONS":
		return http.MethodOptions
	}
	return ""
}

// splitTarget splits an origin-form target into the Path and RawQuery
// url.ParseRequestURI gives it, when its path has only bytes that parser
// keeps as they are (no '%': Path is the bytes sent and RawPath empty) and
// its query, if any, is not empty (an empty one is ForceQuery) and of visible
// ASCII but '#'.
func splitTarget(target string) (path, query string, ok bool) {
	if target == "" || target[0] != '/' {
		return "", "", false
	}
	i := 0
	for ; i < len(target) && target[i] != '?'; i++ {
		if !pathByte[target[i]] {
			return "", "", false
		}
	}
	path = target[:i]
	if i == len(target) {
		return path, "", true
	}
	query = target[i+1:]
	if query == "" {
		return "", "", false
	}
	for j := 0; j < len(query); j++ {
		if !queryByte[query[j]] {
			return "", "", false
		}
	}
	return path, query, true
}

// field reads the header line at head[i:], which ends in CRLF: its name, a
// token right before the colon, whether the name is in textproto's canonical
// form (upper case first and after each '-', lower case elsewhere: Go's
// clients send that form, the Node and Python SDKs lower case), its value as
// textproto keeps it (leading and trailing spaces and tabs trimmed), and
// where the next line starts; next < 0 for a line readHead does not read,
// its value with a control byte (other than tab: a CR or LF not ending the
// line included), DEL or obs-text.
func field(head string, i int) (name, value string, canonical bool, next int) {
	start := i
	upper := true
	canonical = true
	for ; i < len(head) && tokenByte[head[i]]; i++ {
		c := head[i]
		if upper && 'a' <= c && c <= 'z' || !upper && 'A' <= c && c <= 'Z' {
			canonical = false
		}
		upper = c == '-'
	}
	if i == start || i == len(head) || head[i] != ':' {
		return "", "", false, -1
	}
	name = head[start:i]
	i++
	for i < len(head) && (head[i] == ' ' || head[i] == '\t') {
		i++
	}
	start = i
	for ; i < len(head) && head[i] != '\r'; i++ {
		if c := head[i]; c < ' ' && c != '\t' || c > '~' {
			return "", "", false, -1
		}
	}
	if i+1 >= len(head) || head[i+1] != '\n' {
		return "", "", false, -1
	}
	end := i
	for end > start && (head[end-1] == ' ' || head[end-1] == '\t') {
		end--
	}
	return name, head[start:end], canonical, i + 2
}

// recase is the canonical form of a header name not in it, interned when it
// is a header the SDKs send.
func recase(name string) string {
	var a [64]byte
	b := a[:0]
	upper := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		if upper && 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		} else if !upper && 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
		upper = c == '-'
	}
	if k, ok := commonKeys[string(b)]; ok {
		return k
	}
	return string(b)
}

// commonKeys interns the canonical names of the headers the OpenAI SDKs
// and common HTTP clients send in lower case.
var commonKeys = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{
		"Accept", "Accept-Encoding", "Accept-Language", "Anthropic-Beta", "Anthropic-Version",
		"Authorization", "Cache-Control", "Connection", "Content-Length", "Content-Type", "Cookie",
		"Expect", "Host", "Idempotency-Key", "Openai-Beta", "Openai-Organization", "Openai-Project",
		"Origin", "Referer", "Sec-Fetch-Mode", "Traceparent", "Tracestate", "User-Agent",
		"X-Api-Key", "X-Forwarded-For", "X-Forwarded-Proto", "X-Real-Ip", "X-Request-Id",
		"X-Stainless-Arch", "X-Stainless-Async", "X-Stainless-Helper-Method", "X-Stainless-Lang",
		"X-Stainless-Os", "X-Stainless-Package-Version", "X-Stainless-Read-Timeout",
		"X-Stainless-Retry-Count", "X-Stainless-Runtime", "X-Stainless-Runtime-Version", "X-Stainless-Timeout", "X-Trace-Id",
	} {
		m[k] = k
	}
	return m
}()

// parseLength reads a Content-Length as http.ReadRequest does
// (strconv.ParseUint(v, 10, 63)), for the values readHead takes: 1 to 18
// decimal digits, without a leading zero (which ReadRequest reads, and some
// other parsers may read otherwise).
func parseLength(v string) (int64, bool) {
	if v == "" || len(v) > 18 || len(v) > 1 && v[0] == '0' {
		return 0, false
	}
	var n int64
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// lengthBody is a Content-Length body as net/http's request body reads it:
// exactly the declared bytes, io.EOF with the last of them, and
// io.ErrUnexpectedEOF if the connection ends first (then io.EOF).
//
// Close only marks it closed, for later reads to fail as net/http's do; the
// server never closes it (what the handler leaves is drained by body.drain).
type lengthBody struct {
	lr     io.LimitedReader
	sawEOF bool
	closed bool
}

func (b *lengthBody) Read(p []byte) (int, error) {
	if b.closed {
		return 0, http.ErrBodyReadAfterClose
	}
	if b.sawEOF {
		return 0, io.EOF
	}
	n, err := b.lr.Read(p)
	if err == io.EOF {
		b.sawEOF = true
		if b.lr.N > 0 {
			err = io.ErrUnexpectedEOF
		}
	}
	if err == nil && n > 0 && b.lr.N == 0 {
		err = io.EOF
		b.sawEOF = true
	}
	return n, err
}

func (b *lengthBody) Close() error {
	b.closed = true
	return nil
}

// byteSet is the set of the bytes of s.
func byteSet(s string) (set [256]bool) {
	for i := 0; i < len(s); i++ {
		set[s[i]] = true
	}
	return set
}

const alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

var (
	// tokenByte: RFC 9110's tchar, what textproto takes in a header name.
	tokenByte = byteSet(alnum + "!#$%&'*+-.^_`|~")
	// pathByte: what url.ParseRequestURI keeps unescaped in a path
	// (TestPathBytes checks it against net/url).
	pathByte = byteSet(alnum + "$&+,-./:;=@_~")
	// queryByte: visible ASCII but '#'.
	queryByte = func() (set [256]bool) {
		for c := '!'; c <= '~'; c++ {
			set[c] = c != '#'
		}
		return set
	}()
)
