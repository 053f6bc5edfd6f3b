// Package doubao adapts Volcengine Ark's v3 chat API
// (https://ark.cn-beijing.volces.com/api/v3), which serves ByteDance's Doubao models,
// to harbor's types, through the client generated from spec/ark.yaml.
//
// Vendor rules it applies (shared/vendors.md §2), and why:
//
//   - Models are addressed by model id ("doubao-seed-1-6-251015") or by endpoint id
//     ("ep-20240607092512-c5wnh"): some accounts may only use endpoint ids, so the
//     provider claims both the "doubao-" and "ep-" prefixes. Options.Endpoints gives
//     endpoints memorable names ("doubao/support-bot"). Third-party models hosted on
//     Ark (deepseek-v3-2-251201, glm-4-7-251222) are reached with the explicit
//     "doubao/<model>" form, since their bare names belong to other providers.
//   - Content may be a string or parts; parts pass through unchanged.
//   - ChatRequest.Thinking (enabled, disabled, auto) and ReasoningEffort map to Ark's
//     thinking and reasoning_effort.
//   - Fields harbor has no typed form for (service_tier, logit_bias, repetition_penalty,
//     stream_options.chunk_include_usage…) go in ChatRequest.ExtraBody; a key there
//     replaces harbor's whole value, so a stream_options given there should keep
//     include_usage true.
//
// Rejected before I/O, in this order (rules.go, one rule a bullet), with errors
// that say what to change — limits Ark enforces, and features it lacks:
//   - noWebSearch: web_search (a Baidu ERNIE option).
//   - noSeed: seed.
//   - stopLimit: more than 4 stop sequences.
//   - oneTokenCap: both max_tokens (answer only) and max_completion_tokens (answer
//     plus chain of thought): refused rather than silently dropping one.
//   - maxCompletionTokensLimit: max_completion_tokens above 65536.
//   - autoThinking: thinking "auto" on a model id other than
//     doubao-seed-1-6-250615, the only model that has it (an endpoint id hides its
//     model, so there Ark decides).
//   - reasoningEffort: reasoning_effort other than minimal, low, medium or high.
//   - contentParts: parts other than text, image_url (detail high, low or auto),
//     video_url (no detail) and input_audio.
//   - noStrictTools: strict on function tools.
//
// Streams are normalised to OpenAI's shape: the request always asks for include_usage,
// so usage arrives in a last chunk with no choices, just before `data: [DONE]` (if
// Ark leaves it out, the stream simply has no usage). Ark repeats "role":"assistant"
// in every delta; it is kept on each candidate's first delta only. Ark omits the
// finish_reason key until the last chunk, which reads as "" meanwhile; reasoning
// chunks carry an empty content, which is just empty. An error inside the stream
// (`data: {"error":…}` or a bare `{"error":…}` line) ends it with an *llm.Error.
//
// Errors keep Ark's dotted code ("RateLimitExceeded.EndpointRPMExceeded") and its
// type (the HTTP reason token, "TooManyRequests"). The request id comes from the
// X-Request-Id or X-Client-Request-Id header, else from the "Request id: <id>" that
// ends Ark's messages. Where the HTTP status misleads, the code decides the Kind
// (errors.go): an overdue account (403 AccountOverdueError) is
// llm.ErrInsufficientBalance, a moderation refusal (400 …SensitiveContentDetected…)
// llm.ErrContentFilter, an unknown or not-activated model (404
// InvalidEndpointOrModel.*, ModelNotOpen) llm.ErrNotFound with a hint on what to do.
// Errors inside a stream have no status, so their type is read back as one.
//
// ListModels calls GET /models, which Ark may not serve; a 404 says so plainly.
package doubao
