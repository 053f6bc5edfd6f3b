// Package wire is the HTTP plumbing of a vendor call, the same for every provider:
//
//   - Endpoint builds the chat request from a template the generated client made,
//     without parsing URLs or copying the body, and posts it (request.go);
//   - EncodeBodyWith and SizeHint write the request body, with the generated
//     AppendJSON or encoding/json, and merge the caller's ExtraBody (body.go);
//   - ReadBody, Decode and DecodeJSON read a 2xx answer through pooled, bounded
//     buffers (read.go);
//   - Stream turns an SSE body into chunks with the provider's ChunkDecoder, and
//     handles what OpenAI-style streams share: the [DONE] marker, truncation, an
//     error object in place of a chunk, a JSON answer where a stream was asked for
//     (NotAStream), and giving the connection back on Close (stream.go).
//
// It is not for building errors (package vendorerr, which it calls), for provider
// setup (package setup), nor for the shapes of answers: the fast decoder of
// OpenAI-shaped replies and its glue to ReadBody and Stream are package fastreply.
package wire
