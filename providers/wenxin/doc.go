// Package wenxin adapts Baidu's legacy Wenxin (Qianfan v1, "wenxinworkshop") chat API
// (https://aip.baidubce.com) to harbor's types, through the client generated from
// spec/qianfan-v1.yaml. Qianfan's OpenAI-style v2 API is another provider; this one
// serves users whose applications still hold v1 API key / secret key pairs.
//
// Vendor quirks (shared/vendors.md §3) and how they are absorbed:
//
//   - Auth is an OAuth access token in the URL query, exchanged for the key pair at
//     /oauth/2.0/token. New does no I/O; the first call fetches the token, and
//     concurrent first calls wait for that one fetch rather than each asking for
//     their own (the endpoint is rate limited and every grant is a new token). The
//     token is reused for 90% of its lifetime (27 of its 30 days) so it is never
//     used in its last hours; a token the vendor rejects early (error 110 or 111) is
//     dropped — only if it is still the cached one, so a burst of failures causes a
//     single refresh — and the call is sent once more with a new token. That one
//     retry is the only one the provider does itself.
//   - The token, the API key and the secret key travel in URLs, which Go's transport
//     errors print; they are scrubbed from messages and from the wrapped *url.Error.
//   - The model is picked by the URL's endpoint, not a body field. Model names map to
//     endpoints through DefaultEndpoints (case-insensitive) plus Options.Endpoints,
//     where users add endpoints they deployed. The router gets the official names ("ERNIE-4.0-8K") and
//     the "ERNIE-" prefix; the lower-case names go to Qianfan v2 by default.
//   - There is no system role: leading system messages become the top-level system
//     field (joined with newlines). A tool result takes a user slot right after the
//     assistant's call and is sent as role function named after the called function.
//   - Content is text only; text parts are joined.
//   - temperature 0 means "as deterministic as possible" to OpenAI users, so it is
//     sent as ZeroTemperature instead of being rejected. max_tokens (or
//     max_completion_tokens) becomes max_output_tokens.
//   - response_format is a plain string on the wire. Tools become functions;
//     tool_choice "none" withholds the functions, "required" names the single tool,
//     a named choice is sent as is. Wenxin has no ids for calls: a stable one is
//     derived from the answer id.
//   - The vendor's own repetition penalty, penalty_score, is set with
//     Options.PenaltyScore or ExtraBody.
//   - WebSearch maps to disable_search (= !Enable), enable_citation and
//     enable_trace; search_info.search_results come back as SearchResults.
//   - Answers have no choices and no model: result becomes choice 0's content,
//     finish_reason "normal" becomes "stop", a function_call becomes a tool call with
//     finish_reason "tool_calls", and need_clear_history (an unsafe input, answered
//     with a canned refusal) becomes "content_filter". The request id is
//     X-Baidu-Request-Id, else the answer id.
//   - Errors arrive with HTTP 200 as {error_code, error_msg} — for plain calls, for
//     streams that cannot start (a JSON body instead of an event stream) and as an
//     event inside a stream. They become *llm.Error with Code set to the number and a
//     Kind from a table; codes the official SDK retries (2, 15, 18, 336100, 336501,
//     336502) are Transient, and the provider's retry rule (Descriptor.Retry,
//     transientOK) has harbor's retry policy cover such 200 answers like any 429
//     or 503. IAM failures are real 401/403 answers whose reason is
//     in X-Bce-Error-Code / X-Bce-Error-Message.
//   - Streams: every event is a whole "chat.completion" object with cumulative
//     usage, and the one with is_end:true is the last (there is no [DONE]). Chunks
//     are rewritten to chat.completion.chunk, the first carries role assistant, and
//     finish_reason and usage appear only on the last one.
//
// Rejected before I/O, in this order (rules.go, one rule a bullet; the call code
// is Wenxin's own, the rule table the shared engine's):
//   - knownModel: a model with no endpoint, with instructions to map one.
//   - oneChoice: n > 1.
//   - noSeed: seed.
//   - noLogprobs: logprobs or top_logprobs.
//   - noPenalties: frequency_penalty or presence_penalty (penalty_score is Wenxin's).
//   - noParallelToolCalls: parallel_tool_calls true.
//   - noThinking: thinking other than disabled.
//   - noReasoningEffort: reasoning_effort.
//   - temperatureRange: temperature above 1 (Wenxin takes (0, 1]).
//   - outputTokensRange: max_output_tokens outside [2, 2048] ([2, 4096] on
//     ERNIE-Speed-128K; only the lower bound on user endpoints, whose limit harbor
//     cannot know).
//   - stopLimit: more than 4 stop sequences, or one longer than 20 characters.
//   - responseFormat: response_format other than text and json_object.
//   - webSearchOptions: web_search enable_status, search_num or reference_num
//     (Qianfan v2 options).
//   - textOnly: content parts other than text.
//   - turnOrder: after the leading system messages, turns that do not alternate
//     user/assistant from a user turn and end on one (an odd count); a system
//     message later on (moving it would change what the model sees); an empty
//     turn; more than one tool call in an assistant turn; a tool result that does
//     not answer the call just before it. Reported with the index of the offending
//     message, since the vendor's own error ("messages length must be odd") does
//     not say which.
//   - requiredChoice: tool_choice "required" with more than one tool (Wenxin can
//     force a named function, not "any of them").
package wenxin
