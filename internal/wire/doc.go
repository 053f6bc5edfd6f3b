// Package wire holds the HTTP-level pieces of a vendor call: Endpoint builds the
// chat request without parsing URLs or copying the body (request.go), the body
// helpers encode vendor requests (body.go), ReadBody and Decode read 2xx answers
// through pooled buffers (read.go), and Stream turns an SSE body into chunks
// (stream.go).
//
// It also holds, for now, the glue between HTTP answers and the fast decoder of
// OpenAI-shaped replies (fast.go, reply.go, lazy.go).
//
// Errors are built by package vendorerr.
package wire
