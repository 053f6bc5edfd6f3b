package harbor

import "github.com/harborai/harbor-go/llm"

// The request, response and stream types live in package llm so that providers can
// share them without importing harbor; these aliases make them harbor's own.
type (
	ChatRequest             = llm.ChatRequest
	Message                 = llm.Message
	ContentPart             = llm.ContentPart
	MediaURL                = llm.MediaURL
	InputAudio              = llm.InputAudio
	Tool                    = llm.Tool
	FunctionDefinition      = llm.FunctionDefinition
	ToolCall                = llm.ToolCall
	FunctionCall            = llm.FunctionCall
	ToolChoice              = llm.ToolChoice
	ResponseFormat          = llm.ResponseFormat
	JSONSchema              = llm.JSONSchema
	Thinking                = llm.Thinking
	WebSearch               = llm.WebSearch
	SearchResult            = llm.SearchResult
	ChatCompletion          = llm.ChatCompletion
	Choice                  = llm.Choice
	Usage                   = llm.Usage
	PromptTokensDetails     = llm.PromptTokensDetails
	CompletionTokensDetails = llm.CompletionTokensDetails
	Logprobs                = llm.Logprobs
	TokenLogprob            = llm.TokenLogprob
	TopLogprob              = llm.TopLogprob
	Chunk                   = llm.Chunk
	ChunkChoice             = llm.ChunkChoice
	Delta                   = llm.Delta
	ToolCallDelta           = llm.ToolCallDelta
	FunctionCallDelta       = llm.FunctionCallDelta
	Model                   = llm.Model
	Stream                  = llm.Stream
	ChunkSource             = llm.ChunkSource
	Error                   = llm.Error

	// Provider, Descriptor and ProviderConfig let users plug in their own vendors.
	Provider       = llm.Provider
	Descriptor     = llm.Descriptor
	ProviderConfig = llm.Config
	CallOptions    = llm.CallOptions
	Doer           = llm.Doer
)

// Opt is an optional value that tells "unset" from zero; see Some.
type Opt[T any] = llm.Opt[T]

// Some returns a set Opt: Temperature: harbor.Some(0.0) sends temperature 0.
func Some[T any](v T) Opt[T] { return llm.Some(v) }

// Roles, finish reasons, thinking types and tool-choice modes.
const (
	RoleSystem    = llm.RoleSystem
	RoleUser      = llm.RoleUser
	RoleAssistant = llm.RoleAssistant
	RoleTool      = llm.RoleTool

	FinishReasonStop                       = llm.FinishReasonStop
	FinishReasonLength                     = llm.FinishReasonLength
	FinishReasonToolCalls                  = llm.FinishReasonToolCalls
	FinishReasonContentFilter              = llm.FinishReasonContentFilter
	FinishReasonInsufficientSystemResource = llm.FinishReasonInsufficientSystemResource

	ThinkingEnabled  = llm.ThinkingEnabled
	ThinkingDisabled = llm.ThinkingDisabled

	ToolChoiceNone     = llm.ToolChoiceNone
	ToolChoiceAuto     = llm.ToolChoiceAuto
	ToolChoiceRequired = llm.ToolChoiceRequired
)

// Message and tool constructors.
var (
	SystemMessage    = llm.SystemMessage
	UserMessage      = llm.UserMessage
	UserParts        = llm.UserParts
	AssistantMessage = llm.AssistantMessage
	ToolMessage      = llm.ToolMessage
	TextPart         = llm.TextPart
	ImagePart        = llm.ImagePart
	FunctionTool     = llm.FunctionTool
	// NewStream and StreamOf build streams, e.g. to fake a provider in tests.
	NewStream = llm.NewStream
	StreamOf  = llm.StreamOf
)
