package mockvendor

import "encoding/json"

// Qianfan v2 wire types. As for DeepSeek, request types decode only what the
// mock checks or uses, and response types are shaped so that encoding/json
// emits Qianfan's key set.

// --- request ---

type qf2ChatRequest struct {
	Model               *string            `json:"model"`
	Messages            []oaiMessage       `json:"messages"`
	Stream              bool               `json:"stream"`
	StreamOptions       *dsStreamOptions   `json:"stream_options"`
	Temperature         *float64           `json:"temperature"`
	TopP                *float64           `json:"top_p"`
	PenaltyScore        *float64           `json:"penalty_score"`
	FrequencyPenalty    *float64           `json:"frequency_penalty"`
	PresencePenalty     *float64           `json:"presence_penalty"`
	MaxCompletionTokens *int               `json:"max_completion_tokens"`
	MaxTokens           *int               `json:"max_tokens"`
	Seed                *int64             `json:"seed"`
	Stop                dsStop             `json:"stop"`
	User                *string            `json:"user"`
	Tools               []dsTool           `json:"tools"`
	ToolChoice          dsToolChoice       `json:"tool_choice"`
	ParallelToolCalls   *bool              `json:"parallel_tool_calls"`
	ResponseFormat      *qf2ResponseFormat `json:"response_format"`
	WebSearch           *qf2WebSearch      `json:"web_search"`
	Metadata            map[string]string  `json:"metadata"`
}

type qf2ResponseFormat struct {
	Type       string          `json:"type"`
	JSONSchema json.RawMessage `json:"json_schema"`
}

// qf2WebSearch takes both spellings of the counts: vendors.md records
// search_num/reference_num, Baidu's 2025-12 reference page search_number/
// reference_number.
type qf2WebSearch struct {
	Enable          bool `json:"enable"`
	EnableTrace     bool `json:"enable_trace"`
	EnableStatus    bool `json:"enable_status"`
	EnableCitation  bool `json:"enable_citation"`
	SearchNum       *int `json:"search_num"`
	SearchNumber    *int `json:"search_number"`
	ReferenceNum    *int `json:"reference_num"`
	ReferenceNumber *int `json:"reference_number"`
}

// --- response ---

type qf2Completion struct {
	ID            string            `json:"id"`
	Object        string            `json:"object"`
	Created       int64             `json:"created"`
	Model         string            `json:"model"`
	Choices       [1]qf2Choice      `json:"choices"`
	Usage         *qf2Usage         `json:"usage"`
	SearchResults []qf2SearchResult `json:"search_results,omitempty"`
}

type qf2Choice struct {
	Index        int       `json:"index"`
	Message      qf2OutMsg `json:"message"`
	FinishReason string    `json:"finish_reason"`
	Flag         int       `json:"flag"`
	BanRound     *int      `json:"ban_round,omitempty"`
}

type qf2OutMsg struct {
	Role             string          `json:"role"`
	Content          string          `json:"content"`
	ReasoningContent *string         `json:"reasoning_content,omitempty"`
	ToolCalls        []dsOutToolCall `json:"tool_calls,omitempty"`
}

// qf2Usage: prompt_tokens_details appears only when a web search inflated
// the prompt (its search_tokens are part of prompt_tokens).
type qf2Usage struct {
	PromptTokens        int               `json:"prompt_tokens"`
	CompletionTokens    int               `json:"completion_tokens"`
	TotalTokens         int               `json:"total_tokens"`
	PromptTokensDetails *qf2PromptDetails `json:"prompt_tokens_details,omitempty"`
}

type qf2PromptDetails struct {
	SearchTokens int `json:"search_tokens"`
}

type qf2SearchResult struct {
	Index int    `json:"index"`
	URL   string `json:"url"`
	Title string `json:"title"`
}

// qf2Chunk is one stream event. Usage is absent without include_usage, null
// on every chunk but the last with it (Baidu's documented behaviour).
type qf2Chunk struct {
	ID            string            `json:"id"`
	Object        string            `json:"object"`
	Created       int64             `json:"created"`
	Model         string            `json:"model"`
	Choices       [1]qf2ChunkChoice `json:"choices"`
	Usage         any               `json:"usage,omitzero"`
	SearchResults []qf2SearchResult `json:"search_results,omitempty"`
}

type qf2ChunkChoice struct {
	Index        int     `json:"index"`
	Delta        any     `json:"delta"`
	FinishReason *string `json:"finish_reason"`
	Flag         int     `json:"flag"`
	BanRound     *int    `json:"ban_round,omitempty"`
}

// qf2ErrorBody is Qianfan v2's error envelope: OpenAI-like, with the
// request id at the top level.
type qf2ErrorBody struct {
	Error qf2ErrorDetail `json:"error"`
	ID    string         `json:"id"`
}

type qf2ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Type    string `json:"type"`
}

// qf2ModelList is GET /v2/models; its shape is the OpenAI list (a guess:
// vendors.md records no models route for Qianfan v2).
type qf2ModelList struct {
	Object string     `json:"object"`
	Data   []qf2Model `json:"data"`
}

type qf2Model struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	OwnedBy string `json:"owned_by"`
}
