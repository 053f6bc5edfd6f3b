// Package qianfan adapts Baidu Qianfan's OpenAI-style v2 API
// (https://qianfan.baidubce.com/v2) to harbor's types, through the client generated
// from spec/qianfan-v2.yaml.
//
// # Why a package of its own
//
// Qianfan v2 is a separate provider from wenxin (the legacy v1 API) because the two
// share nothing on the wire: v2 takes a console key as a Bearer token where v1
// exchanges a key pair for a 30-day access token; v2 speaks OpenAI's request,
// response and stream shapes where v1 has `result`, `is_end` and a top-level
// `system`; v2 reports errors with real HTTP statuses where v1 answers 200 with an
// error_code. Both serve ERNIE, so routing splits on the name: the lower-case
// `ernie-*` names (Qianfan v2's own spelling) route here by default; v1 is reached
// with the upper-case official names (ERNIE-4.0-8K) or "wenxin/…". Other models
// Baidu hosts (deepseek-v3, deepseek-r1…) are reached as "qianfan/<model>", so that
// bare deepseek-* names keep going to DeepSeek itself.
//
// # Vendor rules it applies (shared/vendors.md §4)
//
//   - Auth is `Authorization: Bearer bce-v3/…`; Config.AppID (else QIANFAN_APPID)
//     is sent as the `appid` header, which picks the Qianfan application.
//   - Content is text; a message with image parts is sent as OpenAI-style parts
//     (for the multimodal models, unconfirmed).
//   - MaxTokens is sent as max_completion_tokens: v2 dropped v1's
//     max_output_tokens, and whether it takes max_tokens is unconfirmed.
//   - ChatRequest.WebSearch becomes `web_search`; the pages used come back in
//     ChatCompletion.SearchResults. (llm.Chunk has no such field, so a stream's
//     search results are not passed on.)
//   - finish_reason "normal", ERNIE's word for a natural end, becomes "stop", so
//     callers test one value whatever the vendor.
//   - Streams always ask for include_usage, so the real usage arrives on the last
//     chunk; zero placeholders on other chunks are dropped. Chunks whose object
//     says chat.completion are normalised to chat.completion.chunk. `: keep-alive`
//     comments and `event:` lines are noise the SSE decoder skips.
//   - Errors keep the vendor's code and type. The request id comes from the
//     X-Request-Id header or, failing that, the body's top-level "id" (also the
//     completion id on success, the "as-…" id Baidu support asks for).
//     invalid_model (a 400) is ErrNotFound with Param "model" and a hint that the
//     name is unknown or not enabled: the vendor does not know the model, as in
//     OpenAI's 404 model_not_found; no_parameter_permission is ErrPermission,
//     since the key itself is valid; rpm/tpm_rate_limit_exceeded are
//     ErrRateLimited.
//
// # Rejected before I/O, in this order (rules.go, one rule a bullet)
//
// Checked locally because the vendor's answer would not say what is wrong (its
// 400 invalid_messages, its "Invalid Argument"), or because Qianfan v2 as recorded
// has no such field and harbor never drops a field silently (vendor fields harbor
// has no type for go through ExtraBody):
//   - oneChoice: n > 1.
//   - noLogprobs: logprobs or top_logprobs.
//   - noThinking: thinking.
//   - noReasoningEffort: reasoning_effort.
//   - seedRange: a seed outside (0, 2147483647).
//   - stopLimit: more than 4 stop strings, or one longer than 20 characters.
//   - webSearchRange: web_search.search_num or reference_num outside 1–28.
//   - penaltyRange: penalty_score (sent through ExtraBody) outside [1, 2].
//   - metadataLimit: ExtraBody metadata of more than 16 entries, or with a value
//     that is not a string (Options.Metadata is checked by New).
//   - messageOrder: the first message is user or system, the system message only
//     comes first, user and assistant turns alternate, and the last message is
//     user or tool — user only for ERNIE 4.5 and X1 Turbo, which refuse a trailing
//     tool result. An assistant turn that calls tools, followed by the tool results
//     (and possibly the assistant's answer), counts as one assistant turn, so
//     ordinary tool loops pass. Options.LooseMessageOrder turns this rule off
//     should Baidu relax it.
//   - nonBlankContent: a user, system or tool message without text (and no image).
//   - contentParts: parts other than text and image_url in a message with images.
package qianfan
