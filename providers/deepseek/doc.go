// Package deepseek adapts DeepSeek's chat API (https://api.deepseek.com) to harbor's
// types, through the client generated from spec/deepseek.yaml.
//
// Vendor rules it applies (shared/vendors.md §1):
//   - Retired names deepseek-chat and deepseek-reasoner are rewritten to
//     deepseek-v4-flash with thinking disabled / enabled (Options.LegacyAliases); an
//     explicit ChatRequest.Thinking wins over the alias's mode.
//   - Content is text only: text parts are joined, other parts are rejected before I/O.
//   - response_format json_schema, n > 1, seed and parallel_tool_calls are rejected
//     before I/O (the vendor has no such feature); so is json_object without the word
//     "json" in the prompt, which the vendor would reject anyway.
//   - In thinking mode, an assistant turn with tool calls in the current turn must
//     carry its reasoning_content; a missing one is reported before I/O.
//   - ChatRequest.User is sent as user_id; MaxCompletionTokens as max_tokens.
//   - Streams always ask for include_usage; usage arrives on the finish chunk.
package deepseek
