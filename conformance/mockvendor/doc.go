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
//     named by tool_choice) with arguments valid for the tool's parameter
//     schema, built from it and the last user content (compact JSON): every
//     declared property, strings set to that content, so
//     {"type":"object","properties":{"query":{"type":"string"}}} gives
//     {"query": <last user content>}, as does a tool naming no property
//     (no parameters, {"type":"object"}); enums, formats, bounds, patterns,
//     arrays, nested objects, $refs and anyOf/oneOf are honoured (see
//     "JSON answers" below);
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
// # JSON answers
//
// response_format is honoured as far as each vendor supports it (DeepSeek
// and Qianfan v1: text and json_object; Ark, Qianfan v2 and OpenAI: also
// json_schema), after the vendor's own checks (DeepSeek's and OpenAI's
// json_object need the word "json" in the prompt). With json_object the
// answer is {"answer": "<the answer above>"}; with json_schema it is an
// instance of the request's schema, built from the schema and the last user
// content — the same schema and prompt always give the same instance (a
// schema naming no property, such as {"type":"object"}, gets the
// json_object answer, which is valid for it). JSON
// answers are spaced ({"a": 1, "b": 2}) so that streams split them into
// several chunks like any answer, and count as tokens like any text;
// max_tokens cuts them short as it cuts text, leaving invalid JSON and
// finish_reason length, as real models do. The instance builder honours
// type (and type lists), properties, required, additionalProperties,
// patternProperties, min/maxProperties, dependentRequired, items,
// prefixItems, min/maxItems, uniqueItems, contains, enum, const, min/maxLength,
// pattern (when Go's regexp parses it), common formats (date, date-time, time,
// email, uri, uuid, hostname, ipv4, ipv6…), minimum, maximum, their exclusive
// forms and multipleOf (exactly, on decimals), $ref into the schema's own
// $defs/definitions, allOf, anyOf/oneOf (the first branch that fits) and
// if/then; not, else, propertyNames, dependentSchemas and external $refs are
// ignored. To test what a client does with an answer that is not valid —
// a repair turn — script it with [Fault.Content].
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
// [RateLimited] and [TruncatedStream] name the common cases. A Fault can
// also script an answer: [Fault.Reply] byte for byte, or [Fault.Content]
// only the text, inside the vendor's own framing.
//
// # Qianfan v1
//
// [QianfanV1] mocks Baidu's legacy Wenxin API: an OAuth token endpoint
// ([QianfanV1.TokenFetches] counts grants, [QianfanV1.ExpireTokens] forces
// error_code 111) and chat by endpoint path with ?access_token=. It uses the
// same toy model; prompt_tokens also counts the top-level system string (its
// words plus one), a "function" message plays the part of a tool result, and
// the first of "functions" (or the one named by tool_choice) is called when
// the last message is from the user. Errors, validation included, are HTTP
// 200 bodies with error_code; streams end with an is_end event, no [DONE].
//
// # Ark
//
// [Ark] mocks Volcengine Ark (Doubao) with the same toy model and [Fault]
// queue. Models may be named by endpoint id ([ArkConfig.Endpoints]); the
// thinking default is per model, max_tokens bounds the answer only and
// max_completion_tokens the answer plus reasoning. Presets such as
// [ArkRateLimited] and [ArkMidStreamError] name Ark's own failures.
//
// # Qianfan v2
//
// [QianfanV2] mocks Baidu's OpenAI-style v2 API with the same toy model:
// "as-" ids (also at the top level of error bodies), finish_reason "normal"
// for plain ERNIE answers ("stop" on deepseek-*), reasoning_content on the
// thinking models, search_results with web_search.enable (their titles' words
// are added to prompt_tokens as search_tokens), strict user/assistant
// alternation, and streams with "event:" lines on the first and finish
// chunks. Presets: [QianfanV2RateLimited], [QianfanV2TPMLimited],
// [QianfanV2StreamError].
//
// # OpenAI-compatible
//
// [OpenAI] mocks a generic OpenAI-compatible endpoint (OpenAI, DashScope,
// Moonshot, Zhipu, local servers) with OpenAI's validation wording, "chatcmpl-"
// ids, n, logprobs and the include_usage usage chunk; it never reasons. It
// serves [OpenAIModels] (gpt-4o, gpt-4o-mini, gpt-4.1, gpt-5, o3, o4-mini…)
// unless [OpenAIConfig.Models] names others: GET /v1/models lists them and
// any other model gets OpenAI's 404 model_not_found, as typed clients
// expect. Both it and [QianfanV2] treat "[[insufficient]]" as plain text.
//
// # Concurrency
//
// Mocks and [Server] are safe for concurrent use. Recording can be switched
// off (SetRecording) so that long benchmarks do not accumulate memory.
package mockvendor
