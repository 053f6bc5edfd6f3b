package mockvendor

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Volcengine Ark wire types. As for DeepSeek, request types decode only what
// the mock validates or uses (unknown top-level fields are ignored, as Ark
// does), and response types are shaped so that encoding/json emits exactly
// Ark's key set, in Ark's key order: which keys are present, absent or null
// is part of the contract being mocked.

// --- request ---

type arkChatRequest struct {
	Model               *string            `json:"model"`
	Messages            []arkMessage       `json:"messages"`
	Thinking            *arkThinking       `json:"thinking"`
	ReasoningEffort     *string            `json:"reasoning_effort"`
	MaxTokens           *int               `json:"max_tokens"`
	MaxCompletionTokens *int               `json:"max_completion_tokens"`
	Temperature         *float64           `json:"temperature"`
	TopP                *float64           `json:"top_p"`
	FrequencyPenalty    *float64           `json:"frequency_penalty"`
	PresencePenalty     *float64           `json:"presence_penalty"`
	Stop                dsStop             `json:"stop"`
	Stream              bool               `json:"stream"`
	StreamOptions       *arkStreamOptions  `json:"stream_options"`
	ResponseFormat      *arkResponseFormat `json:"response_format"`
	Tools               []dsTool           `json:"tools"`
	ToolChoice          dsToolChoice       `json:"tool_choice"`
	ServiceTier         *string            `json:"service_tier"`
	Logprobs            bool               `json:"logprobs"`
	TopLogprobs         *int               `json:"top_logprobs"`
}

type arkMessage struct {
	Role             string      `json:"role"`
	Content          arkContent  `json:"content"`
	ReasoningContent *string     `json:"reasoning_content"`
	ToolCalls        []skipValue `json:"tool_calls"`
	ToolCallID       *string     `json:"tool_call_id"`
}

type arkThinking struct {
	Type *string `json:"type"`
}

type arkStreamOptions struct {
	IncludeUsage      bool `json:"include_usage"`
	ChunkIncludeUsage bool `json:"chunk_include_usage"`
}

type arkResponseFormat struct {
	Type       string         `json:"type"`
	JSONSchema *arkJSONSchema `json:"json_schema"`
}

// arkJSONSchema keeps the schema raw for the toy model, which builds an
// instance of it.
type arkJSONSchema struct {
	Name   string          `json:"name"`
	Schema json.RawMessage `json:"schema"`
}

// arkContent is a message's content: Ark accepts a string or an array of
// typed parts. Anything else is remembered as arkContentBad rather than
// failing the whole decode, so validation can name the offending message.
type arkContent struct {
	kind  arkContentKind
	text  string // the string, or the text parts joined by "\n"
	parts []arkPart
}

type arkContentKind uint8

const (
	arkContentMissing arkContentKind = iota
	arkContentNull
	arkContentString
	arkContentParts
	arkContentBad
)

func (c *arkContent) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case 'n':
		c.kind = arkContentNull
	case '"':
		c.kind = arkContentString
		if bytes.IndexByte(b, '\\') < 0 && len(b) >= 2 {
			c.text = string(b[1 : len(b)-1]) // fast path: nothing to unescape
			return nil
		}
		return json.Unmarshal(b, &c.text)
	case '[':
		if err := json.Unmarshal(b, &c.parts); err != nil {
			c.kind, c.parts = arkContentBad, nil
			return nil
		}
		c.kind = arkContentParts
		var sb strings.Builder
		for i := range c.parts {
			if p := &c.parts[i]; p.Type == "text" && p.Text != nil {
				if sb.Len() > 0 {
					sb.WriteByte('\n')
				}
				sb.WriteString(*p.Text)
			}
		}
		c.text = sb.String()
	default:
		c.kind = arkContentBad
	}
	return nil
}

// arkPart is one element of a parts array.
type arkPart struct {
	Type       string         `json:"type"`
	Text       *string        `json:"text"`
	ImageURL   *arkImageURL   `json:"image_url"`
	VideoURL   *arkMediaURL   `json:"video_url"`
	InputAudio *arkInputAudio `json:"input_audio"`
}

type arkImageURL struct {
	URL    string  `json:"url"`
	Detail *string `json:"detail"`
}

type arkMediaURL struct {
	URL string `json:"url"`
}

type arkInputAudio struct {
	Data   string `json:"data"`
	Format string `json:"format"`
}

// --- response ---

type arkCompletion struct {
	Choices     [1]arkChoice `json:"choices"`
	Created     int64        `json:"created"`
	ID          string       `json:"id"`
	Model       string       `json:"model"`
	ServiceTier string       `json:"service_tier"`
	Object      string       `json:"object"`
	Usage       *arkUsage    `json:"usage"`
}

type arkChoice struct {
	FinishReason      string      `json:"finish_reason"`
	Index             int         `json:"index"`
	Logprobs          *dsLogprobs `json:"logprobs"`
	Message           arkOutMsg   `json:"message"`
	ModerationHitType string      `json:"moderation_hit_type,omitempty"`
}

// arkOutMsg: content is always a string, "" on tool-call turns (never null).
type arkOutMsg struct {
	Content          string           `json:"content"`
	ReasoningContent *string          `json:"reasoning_content,omitempty"`
	Role             string           `json:"role"`
	ToolCalls        []arkOutToolCall `json:"tool_calls,omitempty"`
}

type arkOutToolCall struct {
	Function dsOutFunction `json:"function"`
	ID       string        `json:"id"`
	Type     string        `json:"type"`
}

type arkUsage struct {
	CompletionTokens        int                 `json:"completion_tokens"`
	PromptTokens            int                 `json:"prompt_tokens"`
	TotalTokens             int                 `json:"total_tokens"`
	PromptTokensDetails     dsPromptDetails     `json:"prompt_tokens_details"`
	CompletionTokensDetails dsCompletionDetails `json:"completion_tokens_details"`
}

// arkChunk is one streaming event. Usage is a pointer without omitempty:
// Ark sends "usage":null on every chunk unless chunk_include_usage asks for
// cumulative usage. Choices is a slice so that the include_usage chunk can
// carry "choices":[].
type arkChunk struct {
	Choices     []arkChunkChoice `json:"choices"`
	Created     int64            `json:"created"`
	ID          string           `json:"id"`
	Model       string           `json:"model"`
	ServiceTier string           `json:"service_tier"`
	Object      string           `json:"object"`
	Usage       *arkUsage        `json:"usage"`
}

// arkChunkChoice omits finish_reason entirely (not null) until the last
// chunk, which is the Ark quirk clients must absorb. Ark stream choices carry
// no logprobs key.
type arkChunkChoice struct {
	Delta             arkDelta `json:"delta"`
	FinishReason      string   `json:"finish_reason,omitempty"`
	Index             int      `json:"index"`
	ModerationHitType string   `json:"moderation_hit_type,omitempty"`
}

// arkDelta repeats role on every chunk and always has a string content.
type arkDelta struct {
	Content          string             `json:"content"`
	ReasoningContent *string            `json:"reasoning_content,omitempty"`
	Role             string             `json:"role"`
	ToolCalls        []arkToolCallDelta `json:"tool_calls,omitempty"`
}

type arkToolCallDelta struct {
	Function dsFunctionDelta `json:"function"`
	ID       string          `json:"id,omitempty"`
	Index    int             `json:"index"`
	Type     string          `json:"type,omitempty"`
}

// arkModelList is GET /models. The route's very existence on Ark is
// unconfirmed; the shape is the OpenAI one.
type arkModelList struct {
	Object string     `json:"object"`
	Data   []arkModel `json:"data"`
}

type arkModel struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	OwnedBy string `json:"owned_by"`
}

// arkErrorBody is {"error":{"code","message","param","type"}}; param is a
// string ("" when no parameter is at fault), never null.
type arkErrorBody struct {
	Error arkErrorDetail `json:"error"`
}

type arkErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Param   string `json:"param"`
	Type    string `json:"type"`
}
