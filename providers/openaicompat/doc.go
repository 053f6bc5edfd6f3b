// Package openaicompat adapts any server that speaks OpenAI's chat-completions API to
// harbor's types, through the client generated from spec/openai.yaml: OpenAI itself
// (the OpenAI preset, built into harbor as "openai"), and presets for DashScope's
// compatible mode (Qwen), Moonshot (Kimi), Zhipu (GLM) and local servers (vLLM,
// Ollama, llama.cpp). Describe any other such server with an Endpoint and register
// its Descriptor.
//
// How the differences between those servers are handled, and why:
//   - Only the generic subset is sent. reasoning_effort is passed through unchanged:
//     each server and model accepts its own values, and only the server knows them.
//   - reasoning_content is output in OpenAI's API, and OpenAI rejects it on input, so it
//     is dropped from assistant turns unless PassThinking is set; servers that serve
//     reasoning models (Kimi's thinking models) want it back on tool-call turns.
//   - max_tokens and max_completion_tokens are sent as set, never converted: OpenAI's
//     reasoning models reject max_tokens, while many compatible servers only read it.
//   - stop is always sent as an array, which every server accepts.
//   - Streams always ask for stream_options.include_usage, so OpenAI sends the usage on
//     a last chunk with no choices, before [DONE]. Moonshot puts the usage on the
//     finish choice instead (choices[].usage); it is lifted to Chunk.Usage. A server
//     that rejects stream_options can be given ExtraBody {"stream_options": nil}.
//   - Compatible servers send reasoning_content in messages and deltas; it is mapped
//     to ReasoningContent. Chunk objects are normalised to chat.completion.chunk.
//   - Errors are OpenAI-shaped on all these servers; a numeric error code (llama.cpp)
//     becomes a string. OpenAI's 429 insufficient_quota is reported as
//     llm.ErrInsufficientBalance and not retryable (waiting will not refill the
//     account), and a content_filter code (Azure OpenAI) as llm.ErrContentFilter. An
//     error without a telling status — an error event inside a stream, an error
//     object in a 200 answer — is classified by its code, else its type (a numeric
//     code that is an HTTP error status counts as that status), as the same error
//     is with its status; inside a stream it is never retryable, as part of the
//     answer is out. The key, and any header value whose name suggests a
//     credential, are redacted from every error.
//   - Aliases let users pick their own model names; the request carries the server's.
//   - KeyOptional endpoints (Local) send no Authorization header when no key is set.
//   - response_format json_schema is sent as given. Endpoints whose servers take
//     json_object only set NoJSONSchema (the Moonshot and Zhipu presets do), so
//     that their Descriptor says so and structured.CreateJSON emulates schemas there.
//
// Rejected before I/O, in this order (rules.go, one rule a bullet):
//   - noWebSearch: web_search, a Baidu ERNIE option with no OpenAI counterpart.
//   - thinkingPassed: ChatRequest.Thinking, unless the Endpoint sets PassThinking,
//     for servers that accept {"thinking":{"type":…}}: thinking is not part of
//     OpenAI's API, and OpenAI rejects unknown fields.
//   - contentParts: parts other than what OpenAI defines (text, image_url,
//     input_audio; so video parts), and non-text parts outside user turns.
//
// Not verified here (written without network access, from the vendors' documentation
// as remembered): the presets' base URLs and environment variable names other than
// OpenAI's OPENAI_API_KEY / OPENAI_BASE_URL — DASHSCOPE_API_KEY, MOONSHOT_API_KEY and
// ZHIPUAI_API_KEY are the vendors' documented conventions; the *_BASE_URL names are
// harbor's own. Also unverified: that Zhipu and Moonshot accept the thinking object
// (their presets set PassThinking), that DashScope's thinking switch is the
// enable_thinking field (send it with ExtraBody), and the presets' model lists.
package openaicompat
