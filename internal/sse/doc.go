// Package sse decodes Server-Sent Events as LLM vendors send them.
//
// It follows the WHATWG event-stream rules where vendors do (data lines joined by
// "\n", comments ignored, CRLF tolerated) and bends where vendors don't: an event is
// delivered at end of input even without its closing blank line, and a bare JSON
// object line outside any field (Ark sends `{"error":…}` that way) is delivered as an
// event with Bare set.
//
// Lines have no length limit, and steady-state decoding allocates nothing: the data of
// an event is kept in a buffer reused from one event to the next.
//
// It knows nothing of JSON, chunks or vendors' end markers: package wire's Stream
// does, on top of Decoder.
package sse
