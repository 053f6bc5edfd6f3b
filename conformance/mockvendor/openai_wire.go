package mockvendor

import "encoding/json"

// OpenAI chat wire types (the common subset OpenAI-compatible servers
// share). Request types decode what the mock checks or uses; response types
// emit OpenAI's key set.

// --- request ---

type oaiChatRequest struct {
	Model               *string            `json:"model"`
	Messages            []oaiMessage       `json:"messages"`
	Temperature         *float64           `json:"temperature"`
	TopP                *float64           `json:"top_p"`
	N                   *int               `json:"n"`
	Stop                dsStop             `json:"stop"`
	MaxTokens           *int               `json:"max_tokens"`
	MaxCompletionTokens *int               `json:"max_completion_tokens"`
	FrequencyPenalty    *float64           `json:"frequency_penalty"`
	PresencePenalty     *float64           `json:"presence_penalty"`
	Stream              bool               `json:"stream"`
	StreamOptions       *dsStreamOptions   `json:"stream_options"`
	Tools               []dsTool           `json:"tools"`
	ToolChoice          dsToolChoice       `json:"tool_choice"`
	ParallelToolCalls   *bool              `json:"parallel_tool_calls"`
	ResponseFormat      *oaiResponseFormat `json:"response_format"`
	Seed                *int64             `json:"seed"`
	User                *string            `json:"user"`
	Logprobs            bool               `json:"logprobs"`
	TopLogprobs         *int               `json:"top_logprobs"`
}

type oaiResponseFormat struct {
	Type       string          `json:"type"`
	JSONSchema json.RawMessage `json:"json_schema"`
}

// --- response ---

type oaiCompletion struct {
	ID                string      `json:"id"`
	Object            string      `json:"object"`
	Created           int64       `json:"created"`
	Model             string      `json:"model"`
	Choices           []oaiChoice `json:"choices"`
	Usage             *oaiUsage   `json:"usage"`
	SystemFingerprint string      `json:"system_fingerprint"`
}

type oaiChoice struct {
	Index        int         `json:"index"`
	Message      oaiOutMsg   `json:"message"`
	Logprobs     *dsLogprobs `json:"logprobs"`
	FinishReason string      `json:"finish_reason"`
}

// oaiOutMsg: content is null when the model calls a tool; refusal is always
// present (null) as in OpenAI's responses.
type oaiOutMsg struct {
	Role      string          `json:"role"`
	Content   *string         `json:"content"`
	Refusal   *string         `json:"refusal"`
	ToolCalls []dsOutToolCall `json:"tool_calls,omitempty"`
}

type oaiUsage struct {
	PromptTokens            int                 `json:"prompt_tokens"`
	CompletionTokens        int                 `json:"completion_tokens"`
	TotalTokens             int                 `json:"total_tokens"`
	PromptTokensDetails     dsPromptDetails     `json:"prompt_tokens_details"`
	CompletionTokensDetails dsCompletionDetails `json:"completion_tokens_details"`
}

// oaiChunk is one stream event. With include_usage every chunk carries
// "usage":null and a last chunk with "choices":[] carries the usage;
// without it there is no usage key at all.
type oaiChunk struct {
	ID                string           `json:"id"`
	Object            string           `json:"object"`
	Created           int64            `json:"created"`
	Model             string           `json:"model"`
	SystemFingerprint string           `json:"system_fingerprint"`
	Choices           []oaiChunkChoice `json:"choices"`
	Usage             any              `json:"usage,omitzero"`
}

type oaiChunkChoice struct {
	Index        int         `json:"index"`
	Delta        any         `json:"delta"`
	Logprobs     *dsLogprobs `json:"logprobs"`
	FinishReason *string     `json:"finish_reason"`
}

// oaiRoleDelta is the first delta of a choice.
type oaiRoleDelta struct {
	Role    string  `json:"role"`
	Content string  `json:"content"`
	Refusal *string `json:"refusal"`
}

// oaiEmptyDelta is the finish chunk's delta, {}.
type oaiEmptyDelta struct{}

// oaiErrorBody is OpenAI's error envelope; param and code are null when
// OpenAI sends null.
type oaiErrorBody struct {
	Error oaiErrorDetail `json:"error"`
}

type oaiErrorDetail struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

type oaiModelList struct {
	Object string     `json:"object"`
	Data   []oaiModel `json:"data"`
}

type oaiModel struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}
