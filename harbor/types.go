package harbor

import "github.com/harborai/harbor-go/llm"

// The request, response, stream and error types are declared in package llm, the
// leaf that providers share without importing harbor (see the package doc). Each
// alias below is the same type as its llm original; its comment here says what a
// caller needs, so that `go doc harbor.X` is enough for ordinary use.

// ChatRequest is an OpenAI-shaped chat completion request, given to Create or
// Stream. Model and Messages are required; every optional scalar is an Opt, so a
// zero you set is sent (Temperature: harbor.Some(0.0)) and an unset one is left out.
// Fields a vendor cannot honour are rejected with an ErrInvalidRequest before any
// I/O, never silently dropped.
//
//   - Model: a model id ("deepseek-v4-flash"), an alias, or "vendor/model".
//   - Messages: the conversation; build turns with SystemMessage, UserMessage,
//     AssistantMessage, ToolMessage or UserParts.
//   - Temperature, TopP, FrequencyPenalty, PresencePenalty: sampling, as Opt[float64]
//     (Wenxin, whose range excludes 0, gets temperature 0 as wenxin.ZeroTemperature).
//   - MaxTokens caps the answer; MaxCompletionTokens caps answer plus reasoning
//     where the vendor tells them apart (Ark, OpenAI).
//   - Stop (up to the vendor's limit of sequences), Seed, N (DeepSeek and Wenxin
//     take only 1).
//   - Tools (FunctionTool) and ToolChoice (mode or one named function);
//     ParallelToolCalls.
//   - ResponseFormat: "text", "json_object", or "json_schema" with a JSONSchema.
//   - Thinking ({Type: ThinkingEnabled/ThinkingDisabled/ThinkingAuto}) and
//     ReasoningEffort ("low"…"max"), where the vendor has them.
//   - Logprobs, TopLogprobs; User (the end user's id, sent to the vendor).
//   - WebSearch: Baidu ERNIE's web search (qianfan, wenxin); others reject it.
//   - ExtraBody: vendor fields sent as-is at the top level of the body; a key here
//     overrides a field harbor sets.
//
// There is no stream flag: Create never streams and Stream always does. Validate
// checks the vendor-neutral rules; Create and Stream call it for you. harbor never
// modifies a request, so one may be reused and shared.
type ChatRequest = llm.ChatRequest

// Message is one conversation turn in OpenAI's shape. Role is RoleSystem,
// RoleUser, RoleAssistant or RoleTool; Content is its text, or Parts its
// multi-part content (text, images… for the vendors that take them; text-only
// vendors join text parts and reject the rest). An assistant turn carries the
// model's ToolCalls and ReasoningContent, which must be sent back unchanged on
// turns with tool calls (DeepSeek's thinking mode requires it); a RoleTool turn
// answers the call named by ToolCallID. Text returns the text of either form.
type Message = llm.Message

// ContentPart is one piece of a multi-part Message: Type is PartText (Text),
// PartImageURL (ImageURL), PartVideoURL (VideoURL) or PartInputAudio (InputAudio).
// Build parts with TextPart and ImagePart.
type ContentPart = llm.ContentPart

// MediaURL points a ContentPart at an image or a video: URL is an http(s) URL or a
// data: URI; Detail ("", "low", "high", "auto") is the image resolution hint.
type MediaURL = llm.MediaURL

// InputAudio is inline audio in a ContentPart: Data (base64) and Format ("wav",
// "mp3"…).
type InputAudio = llm.InputAudio

// Tool is a function the model may call: Type is "function" and Function its
// FunctionDefinition. Build one with FunctionTool.
type Tool = llm.Tool

// FunctionDefinition describes a callable function: Name, Description, Parameters
// (its JSON Schema: any value encoding/json marshals, or a json.RawMessage) and
// Strict (Opt[bool], strict schema adherence where the vendor supports it).
type FunctionDefinition = llm.FunctionDefinition

// ToolCall is a function call the model asked for, in Message.ToolCalls: ID (quote
// it in the ToolMessage that answers), Type ("function") and Function.
type ToolCall = llm.ToolCall

// FunctionCall names the function (Name) and carries its JSON-encoded Arguments
// exactly as the model produced them: they may not be valid JSON, so check the
// error of json.Unmarshal.
type FunctionCall = llm.FunctionCall

// ToolChoice tells the model whether and which tool to call: set Mode to
// ToolChoiceNone, ToolChoiceAuto or ToolChoiceRequired, or Function to the name of
// one tool to force it. It marshals to OpenAI's string or named-function form.
type ToolChoice = llm.ToolChoice

// ResponseFormat asks for the answer's format: Type "text", "json_object" (any JSON
// object; DeepSeek also wants the word "json" in the prompt) or "json_schema" with
// JSONSchema set.
type ResponseFormat = llm.ResponseFormat

// JSONSchema is the schema of a "json_schema" ResponseFormat: Name (required),
// Description, Schema (the JSON Schema as raw JSON) and Strict (Opt[bool]).
type JSONSchema = llm.JSONSchema

// Thinking switches a model's reasoning: Type is ThinkingEnabled, ThinkingDisabled
// or ThinkingAuto (some of Ark's models). Set ChatRequest.Thinking to it; nil keeps the model's
// default. The reasoning comes back in Message.ReasoningContent (Delta's, when
// streaming).
type Thinking = llm.Thinking

// WebSearch configures Baidu ERNIE's web search (qianfan and wenxin; other vendors
// reject it): Enable, EnableCitation, EnableTrace, EnableStatus, SearchNum (Opt,
// 1–28 on Qianfan v2) and ReferenceNum (Opt, how many results the answer may cite).
// The pages used come back in ChatCompletion.SearchResults (Chunk.SearchResults
// when streaming).
type WebSearch = llm.WebSearch

// SearchResult is one web page a searching model consulted: Index (as cited in the
// answer), URL and Title.
type SearchResult = llm.SearchResult

// ChatCompletion is Create's answer, in OpenAI's shape.
//
//   - Choices: the candidate answers (one unless ChatRequest.N asked for more); the
//     answer is Choices[0].Message.Content, tool calls Choices[0].Message.ToolCalls.
//     A Create that returns no error has at least one choice: a vendor answer
//     without any (an error object in a 200, {}, null) is an error.
//   - Usage: token counts.
//   - ID, Model (as the vendor reports it), Created, SystemFingerprint, ServiceTier.
//   - SearchResults: the web pages a WebSearch request used.
//   - Provider: the provider that served the call ("deepseek"); RequestID: the
//     vendor's request id, for support tickets. Neither is sent on the wire.
type ChatCompletion = llm.ChatCompletion

// Choice is one candidate answer of a ChatCompletion: Index, Message (the
// assistant turn: Content, ReasoningContent, ToolCalls), FinishReason (one of the
// FinishReason constants, or a vendor's own reason passed through) and Logprobs
// when requested.
type Choice = llm.Choice

// Usage counts a call's tokens: PromptTokens, CompletionTokens (reasoning
// included), TotalTokens; PromptTokensDetails.CachedTokens and
// CompletionTokensDetails.ReasoningTokens when the vendor reports them; and
// DeepSeek's context-cache split PromptCacheHitTokens + PromptCacheMissTokens =
// PromptTokens.
type Usage = llm.Usage

// PromptTokensDetails breaks down Usage.PromptTokens: CachedTokens were served
// from the vendor's prompt cache.
type PromptTokensDetails = llm.PromptTokensDetails

// CompletionTokensDetails breaks down Usage.CompletionTokens: ReasoningTokens were
// spent on the model's reasoning.
type CompletionTokensDetails = llm.CompletionTokensDetails

// Logprobs carries token log probabilities when ChatRequest.Logprobs asked for
// them: Content for the answer, ReasoningContent for the reasoning, one
// TokenLogprob per token.
type Logprobs = llm.Logprobs

// TokenLogprob is one token's Token, Logprob and Bytes, and its TopLogprobs
// alternatives (as many as ChatRequest.TopLogprobs asked for).
type TokenLogprob = llm.TokenLogprob

// TopLogprob is an alternative token: Token, Logprob, Bytes.
type TopLogprob = llm.TopLogprob

// Chunk is one piece of a streamed answer, in OpenAI's chat.completion.chunk
// shape: Choices carry the deltas (Choices[0].Delta.Content,
// .ReasoningContent, .ToolCalls), and the last chunk of every stream carries
// Usage when the vendor reported any, whatever the vendor's own convention. ID,
// Model, Created and SystemFingerprint are as in ChatCompletion; SearchResults
// arrive on the chunk that brought them.
type Chunk = llm.Chunk

// ChunkChoice is one candidate's part of a Chunk: Index, Delta, Logprobs, and
// FinishReason, "" until that candidate ends.
type ChunkChoice = llm.ChunkChoice

// Delta is what a Chunk adds to the answer: Role (first chunk), Content,
// ReasoningContent and ToolCalls (pieces to join by ToolCallDelta.Index).
type Delta = llm.Delta

// ToolCallDelta is a piece of a streamed tool call: pieces with the same Index
// belong to one call; the first carries ID, Type and Function.Name, and the
// Function.Arguments of all of them concatenate to the call's arguments.
type ToolCallDelta = llm.ToolCallDelta

// FunctionCallDelta is the function part of a ToolCallDelta: Name (once) and a
// piece of Arguments.
type FunctionCallDelta = llm.FunctionCallDelta

// Model describes a model a Client can route to, as Client.Models lists it: ID,
// Provider (the provider serving it), OwnedBy, Object ("model"), and AliasOf, set
// when ID is an alias (a retired vendor name, or one made with WithAlias) for the
// model it names. Created (Unix seconds) is the vendor's, from ListRemoteModels
// when the vendor's list has one; Client.Models leaves it 0, having no dates.
type Model = llm.Model

// Stream is a streamed answer, returned by Completions.Stream: a pull-style
// iterator over Chunks.
//
//   - Next advances to the next chunk and reports whether there is one; false at
//     the end or on error.
//   - Current returns the chunk Next advanced to.
//   - Err returns the error that ended the stream (an *Error on harbor's streams),
//     nil after a clean end.
//   - Usage returns the token usage reported so far; after a clean end, the final one.
//   - Close releases the connection; always call it (defer s.Close()). It is
//     idempotent and may be called from any goroutine, also while Next is blocked
//     in another: Next then returns false and Err matches ErrStreamClosed, whatever
//     the timing (unless the stream had already ended).
//   - All returns the stream as an iter.Seq2[Chunk, error] for range-over-func: each
//     chunk with a nil error, then a zero Chunk with the error if the stream failed;
//     leaving the loop closes the stream.
//   - Buffered reports whether Next would return at once (the vendor's next chunk
//     has already arrived, the stream is replayed from the cache, or it has ended),
//     for a relay that writes a burst of chunks at once and flushes when it pauses.
//
// Apart from Close, a Stream is for one goroutine. NewStream and StreamOf build
// one, to fake a stream in tests.
//
//	s, err := client.Chat.Completions.Stream(ctx, req)
//	if err != nil { … }
//	defer s.Close()
//	for s.Next() {
//		fmt.Print(s.Current().Choices[0].Delta.Content)
//	}
//	if err := s.Err(); err != nil { … }
type Stream = llm.Stream

// ChunkSource is what a Stream pulls from: Next returns the next Chunk, io.EOF
// after the last one, or an error; Close releases the connection and is called
// exactly once, possibly while Next is blocked in another goroutine (it must then
// make Next return, without a data race). Implement it to fake a stream with
// NewStream; StreamOf is simpler for a fixed list of chunks. An optional method
// Buffered() bool feeds Stream.Buffered (see `go doc llm.ChunkSource`).
type ChunkSource = llm.ChunkSource

// Error is the one error type of a failed call; find it with errors.As and classify
// it with errors.Is against the sentinels (ErrRateLimited, ErrAuthentication…):
// every *Error harbor returns matches exactly one. Its message never contains an
// API key, an access token or a request body.
//
//   - Provider ("deepseek") and Model (the model asked for).
//   - StatusCode: the HTTP status, 0 when no response arrived.
//   - Code, Type: the vendor's error code ("110", "AuthenticationError") and type
//     ("rate_limit_error").
//   - Param: the offending parameter, when known (also for ErrInvalidRequest
//     raised by harbor itself: "temperature", "WithAlias"…).
//   - Message: human-readable, scrubbed of secrets.
//   - RequestID: the vendor's request id, when sent; quote it to the vendor.
//   - RetryAfter: how long the vendor asked to wait (429/503), 0 when unknown.
//   - Transient: whether the same request may succeed later; harbor has already
//     retried as far as its policy allows.
//   - Kind: the class sentinel, never nil on errors harbor builds.
//   - Err: the underlying cause (a net error, context.Canceled…), if any; errors.Is
//     and errors.As reach it.
//
// Methods: Retryable reports Transient; HTTPStatusCode returns StatusCode; Error
// formats it on one line; Unwrap exposes Kind and Err.
type Error = llm.Error

// Provider adapts one vendor API to harbor's types; implement it to add a vendor
// of your own and register it with WithProvider or Client.Register. Name returns
// its name; Chat answers a request (as Create); ChatStream returns a ChunkSource
// once response headers arrive (as Stream). The contract (concurrency, no
// mutation of the request, every failure an *Error, HTTP only through
// ProviderConfig.HTTP, no retries of its own) is in `go doc llm.Provider`; the
// helpers a provider needs (InvalidRequest, KindForStatus, Redact) are in package
// llm.
type Provider = llm.Provider

// Descriptor tells a Client about a provider without building it: Name (used by
// WithAPIKey and "vendor/model"), Models (listed by Client.Models, routed by exact
// id), Prefixes (model-name prefixes it claims, "deepseek-"), New (builds the
// provider from its ProviderConfig on first use) and Rewrite (optional: the model
// id and thinking mode actually sent for a name, reported by Client.Route) and
// JSONSchema (whether the provider takes ResponseFormat json_schema;
// structured.CreateJSON emulates it with json_object when not). Give one to WithProvider or
// Client.Register.
type Descriptor = llm.Descriptor

// ProviderConfig is what a provider is built from, set per provider with
// WithProviderConfig (or field by field with WithAPIKey, WithSecretKey,
// WithBaseURL, WithAppID): APIKey; SecretKey (Wenxin v1's second credential);
// BaseURL (empty: the vendor's public endpoint); AppID (Qianfan's appid header);
// Options (provider-specific typed options, e.g. deepseek.Options). harbor fills
// in HTTP (the retrying, pooled Doer) and Getenv when it builds the provider;
// unset credentials and URLs fall back to the environment (DEEPSEEK_API_KEY…).
type ProviderConfig = llm.Config

// CallOptions are the per-call settings a Provider receives with each request:
// Header, the headers to add to the vendor request (after the provider's own).
type CallOptions = llm.CallOptions

// Doer sends an HTTP request (Do). Providers get one in ProviderConfig.HTTP: it
// retries over the Client's single pooled transport.
type Doer = llm.Doer

// Opt is an optional value that tells "unset" apart from the zero value, so that
// temperature 0 or max_tokens 0 can be sent on purpose. The zero Opt is unset; Some
// sets one. Get returns the value and whether it is set, IsSet reports the latter,
// Or returns the value or a default. In JSON an unset Opt is omitted.
type Opt[T any] = llm.Opt[T]

// Some returns a set Opt holding v: Temperature: harbor.Some(0.0) sends
// temperature 0.
func Some[T any](v T) Opt[T] { return llm.Some(v) }

// Roles of a Message.
const (
	RoleSystem    = llm.RoleSystem    // instructions for the model
	RoleUser      = llm.RoleUser      // the user's turn
	RoleAssistant = llm.RoleAssistant // the model's turn (send earlier answers back with it)
	RoleTool      = llm.RoleTool      // a tool's result; Message.ToolCallID names the call
)

// Finish reasons of a Choice or ChunkChoice, normalised across vendors to OpenAI's
// vocabulary. A vendor's own reason with no OpenAI equivalent is passed through as
// the vendor sends it.
const (
	FinishReasonStop          = llm.FinishReasonStop          // the model finished, or hit a Stop sequence
	FinishReasonLength        = llm.FinishReasonLength        // MaxTokens or the context window was reached
	FinishReasonToolCalls     = llm.FinishReasonToolCalls     // the model called tools (Wenxin's function_call too)
	FinishReasonContentFilter = llm.FinishReasonContentFilter // the vendor's content filter cut or replaced the answer
	// FinishReasonInsufficientSystemResource: DeepSeek ended the answer early for
	// lack of resources on its side.
	FinishReasonInsufficientSystemResource = llm.FinishReasonInsufficientSystemResource
)

// Thinking types, for Thinking.Type.
const (
	ThinkingEnabled  = llm.ThinkingEnabled  // the model reasons before answering
	ThinkingDisabled = llm.ThinkingDisabled // it answers at once
	ThinkingAuto     = llm.ThinkingAuto     // the model decides (some of Ark's models)
)

// Tool-choice modes, for ToolChoice.Mode.
const (
	ToolChoiceNone     = llm.ToolChoiceNone     // call no tool
	ToolChoiceAuto     = llm.ToolChoiceAuto     // the model decides
	ToolChoiceRequired = llm.ToolChoiceRequired // call at least one tool
)

// Content part types, for ContentPart.Type.
const (
	PartText       = llm.PartText       // Text
	PartImageURL   = llm.PartImageURL   // ImageURL
	PartVideoURL   = llm.PartVideoURL   // VideoURL
	PartInputAudio = llm.PartInputAudio // InputAudio
)

// SystemMessage returns a system turn: instructions for the model.
func SystemMessage(text string) Message { return llm.SystemMessage(text) }

// UserMessage returns a user turn with text content.
func UserMessage(text string) Message { return llm.UserMessage(text) }

// UserParts returns a user turn with multi-part content (TextPart, ImagePart…).
func UserParts(parts ...ContentPart) Message { return llm.UserParts(parts...) }

// AssistantMessage returns an assistant turn with text content, e.g. an earlier
// answer sent back as history. To send back an answer with tool calls, use its
// Choice.Message as it came.
func AssistantMessage(text string) Message { return llm.AssistantMessage(text) }

// ToolMessage returns the result (content) of the tool call with the given id
// (ToolCall.ID).
func ToolMessage(toolCallID, content string) Message { return llm.ToolMessage(toolCallID, content) }

// TextPart returns a text ContentPart.
func TextPart(text string) ContentPart { return llm.TextPart(text) }

// ImagePart returns an image ContentPart: url is an http(s) URL or a data: URI;
// detail is "", "low", "high" or "auto".
func ImagePart(url, detail string) ContentPart { return llm.ImagePart(url, detail) }

// FunctionTool returns a function Tool; parameters is its JSON Schema (any value
// encoding/json can marshal, or a json.RawMessage).
func FunctionTool(name, description string, parameters any) Tool {
	return llm.FunctionTool(name, description, parameters)
}

// NewStream wraps a ChunkSource in a Stream, e.g. to return a fake stream from a
// test double. A nil src gives a stream that ends at once with an
// ErrInvalidRequest.
func NewStream(src ChunkSource) *Stream { return llm.NewStream(src) }

// StreamOf returns a Stream that yields chunks and then ends with err (nil for a
// clean end): a fake stream for tests.
func StreamOf(err error, chunks ...Chunk) *Stream { return llm.StreamOf(err, chunks...) }

// Price is what a model costs, in CNY per million tokens (see PriceTable).
type Price = llm.Price

// Cost is what one call cost, in CNY (ChatCompletion.Cost, CallEvent.Cost).
type Cost = llm.Cost

// Fallback reports a call that went through a fallback chain (ChatCompletion.Fallback,
// Stream.Fallback).
type Fallback = llm.Fallback

// FallbackAttempt is one model of a chain that failed.
type FallbackAttempt = llm.FallbackAttempt
