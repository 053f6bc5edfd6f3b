// Package deepseek adapts DeepSeek's chat API (https://api.deepseek.com) to harbor's
// types, through the client generated from spec/deepseek.yaml. The call itself is
// the shared engine's (internal/engine); this package holds DeepSeek's rules.
//
// How requests are mapped (shared/vendors.md §1):
//   - Retired names deepseek-chat and deepseek-reasoner are rewritten to
//     deepseek-v4-flash with thinking disabled / enabled (Options.LegacyAliases); an
//     explicit ChatRequest.Thinking wins over the alias's mode.
//   - Text parts are joined into one string.
//   - ChatRequest.User is sent as user_id; MaxCompletionTokens as max_tokens.
//   - Streams always ask for include_usage; usage arrives on the finish chunk.
//
// Errors keep the class of their status (DeepSeek's body is OpenAI's shape), but
// for DeepSeek's answers to a model it does not serve: the 400 "The supported API
// model names are …, but you passed <name>." (a retired name sent as it is) and
// the 400 "Model Not Exist" (any other name) are llm.ErrNotFound with Param
// "model", as OpenAI's 404 model_not_found (errors.go).
//
// Rejected before I/O, in this order (rules.go, one rule a bullet):
//   - thinkingMode: thinking other than enabled or disabled.
//   - oneChoice: n > 1 (one choice per request).
//   - noWebSearch: web_search (a Baidu ERNIE option).
//   - noSeed: seed.
//   - noParallelToolCalls: parallel_tool_calls.
//   - stopLimit: more than 16 stop sequences.
//   - toolsLimit: more than 128 tools, or a function name outside [A-Za-z0-9_-]{1,64}.
//   - userID: a user outside [A-Za-z0-9_-]{1,512}.
//   - maxTokensLimit: max_tokens above 393216.
//   - reasoningEffort: reasoning_effort other than low, medium, high, max or xhigh.
//   - responseFormat: a response_format other than text and json_object (so
//     json_schema), or json_object without the word "json" in the prompt, which
//     the vendor would reject anyway.
//   - textOnly: content parts other than text.
//   - reasoningKept: in thinking mode, an assistant turn with tool calls in the
//     current turn (after the last user message) without its reasoning_content.
package deepseek
