// Package h1 is harbor's default HTTP transport: HTTP/1.1 over pooled
// keep-alive connections, with each request written, and its answer read, on
// the caller's own goroutine.
//
// Why not net/http's Transport: it gives every connection a reader and a writer
// goroutine, so one call wakes three goroutines, and on a machine with idle
// cores each hand-off is a futex wake-up and a scheduler pass. For a vendor call
// on loopback that was about half of harbor's CPU per call (64 µs instead of
// 128 µs for a DeepSeek Create on a 2-core VM, measured by the benchmarks'
// StagesCost and Create scenarios). Here the caller writes the request and
// reads the answer itself; nothing else runs per call.
//
// What it keeps from net/http: the request is written by http.Request.Write and
// the answer read by http.ReadResponse, so framing (Content-Length, chunked,
// trailers, Connection: close, HTTP/1.0 answers) is net/http's own code. What
// it does itself: the pool (idle connections per host, most recently used
// first, closed after IdleConnTimeout; an optional cap per host that callers
// wait on, context-aware), dialling and the TLS handshake (ALPN http/1.1),
// cancellation (a done context sets the connection's deadline, so blocked I/O
// returns at once, and the error is the context's), the response header
// timeout, httptrace's hooks, and a check that an idle connection is still
// open before it is reused (a non-blocking peek at the socket: a server that
// closed it, or sent anything unasked, makes it unusable).
//
// What it does not do: HTTP/2 (vendors all speak HTTP/1.1, and a call holds
// its connection for the whole answer anyway), proxies (a request for which
// Proxy names one goes to Fallback, a net/http Transport), Expect:
// 100-continue, or retries (harbor's retry layer decides; like net/http it
// never re-sends a request on its own once bytes of it may have left).
package h1
