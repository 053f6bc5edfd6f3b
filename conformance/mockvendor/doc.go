// Package mockvendor provides in-process mocks of the LLM vendors harbor talks
// to, so that the CLI demo, the conformance suite, the benchmarks and users'
// own tests can exercise real HTTP traffic without network access, API keys or
// money.
//
// A mock is an [http.Handler]. Mount it on [net/http/httptest], or on [Listen]
// when a real loopback address is wanted (the offline demo, benchmarks):
//
//	ds := mockvendor.NewDeepSeek(mockvendor.DeepSeekConfig{APIKey: "sk-test"})
//	srv, err := mockvendor.Listen("127.0.0.1:0", ds)
//	if err != nil { ... }
//	defer srv.Close()
//	// point a client at srv.URL()
//
// # Fidelity
//
// The mocks follow the wire contracts recorded in the project's vendor notes
// (routes, request validation, error bodies, stream framing and the vendors'
// quirks such as DeepSeek's queue blank lines and keep-alive comments). They
// are not language models: answers come from a toy, deterministic model so
// that tests can assert exact output.
//
// # The toy model
//
// Tokens are whitespace-separated words; this is not any vendor's tokenizer,
// but it makes token arithmetic predictable. For DeepSeek:
//
//   - prompt_tokens is the number of words in all message contents plus one
//     per message;
//   - when the request carries tools, tool_choice is not "none" and the last
//     message is from the user, the model calls the first tool (or the one
//     named by tool_choice) with arguments {"query": <last user content>};
//   - when the last message is a tool result, the answer is
//     "Tool result: <its content>";
//   - otherwise the answer is "Hello! You said: <last user content>";
//   - with thinking enabled (DeepSeek's default) the reasoning is
//     `The user said "<last user content>". I will answer briefly.` and its
//     words count toward completion_tokens;
//   - the last user content may carry triggers for the rarer finish reasons:
//     "[[insufficient]]" finishes with insufficient_system_resource and
//     "[[content_filter]]" with content_filter (the answer text is unchanged
//     and no tool is called).
//
// Context caching is simulated: the first request for a given (model, first
// message) pair is a cache miss; later ones report the first message's tokens
// as prompt_cache_hit_tokens.
//
// Response ids are UUIDs derived from a per-mock sequence number and the
// created timestamp comes from [DeepSeekConfig.Now], so a fresh mock with a
// fixed clock produces byte-identical responses run after run.
//
// # Faults
//
// Vendors fail in ways a client must survive: error statuses, dropped
// connections, streams that end early or break mid-body, slow answers.
// [Fault] describes one such failure; Enqueue a few on a mock and each chat
// request consumes the next one in FIFO order. Presets such as
// [RateLimited] and [TruncatedStream] name the common cases.
//
// # Concurrency
//
// Mocks and [Server] are safe for concurrent use. Recording can be switched
// off (SetRecording) so that long benchmarks do not accumulate memory.
package mockvendor
