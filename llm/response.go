package llm

// Finish reasons, normalised across vendors to OpenAI's vocabulary. Vendor-specific
// reasons with no OpenAI equivalent pass through (DeepSeek's
// FinishReasonInsufficientSystemResource).
const (
	FinishReasonStop                       = "stop"
	FinishReasonLength                     = "length"
	FinishReasonToolCalls                  = "tool_calls"
	FinishReasonContentFilter              = "content_filter"
	FinishReasonInsufficientSystemResource = "insufficient_system_resource"
)

// ChatCompletion is a complete (non-streamed) answer.
type ChatCompletion struct {
	ID                string   `json:"id"`
	Object            string   `json:"object"`
	Created           int64    `json:"created"`
	Model             string   `json:"model"`
	SystemFingerprint string   `json:"system_fingerprint,omitempty"`
	ServiceTier       string   `json:"service_tier,omitempty"`
	Choices           []Choice `json:"choices"`
	Usage             Usage    `json:"usage"`
	// SearchResults lists the pages a web-searching model used (Baidu's web_search).
	SearchResults []SearchResult `json:"search_results,omitempty"`

	// Provider names the provider that served the call ("deepseek"); not sent on the wire.
	Provider string `json:"-"`
	// RequestID is the vendor's request id when it sends one, for support tickets.
	RequestID string `json:"-"`
	// TraceID is the call's trace id: the caller's (harbor.ContextWithTraceID,
	// ContextWithTraceparent) or one harbor generated; sent to the vendor in the
	// W3C traceparent header.
	TraceID string `json:"-"`
	// Fallback is set when the call went through a fallback chain: which model
	// answered and which failed first. nil otherwise.
	Fallback *Fallback `json:"-"`
	// Cached reports that the answer was served by harbor's response cache, not by
	// a vendor call of its own; Usage is then the original call's, kept for
	// reporting, and Cost is zero.
	Cached bool `json:"-"`
	// Cost is what this call cost by the Client's price table (zero for cache hits
	// and for models the table does not price).
	Cost Cost `json:"-"`
}

// SearchResult is one web page a model consulted.
type SearchResult struct {
	Index int    `json:"index"`
	URL   string `json:"url"`
	Title string `json:"title"`
}

// Choice is one candidate answer.
type Choice struct {
	Index        int       `json:"index"`
	Message      Message   `json:"message"`
	FinishReason string    `json:"finish_reason"`
	Logprobs     *Logprobs `json:"logprobs,omitempty"`
}

// Usage counts tokens. Reasoning tokens are included in CompletionTokens.
type Usage struct {
	PromptTokens            int                      `json:"prompt_tokens"`
	CompletionTokens        int                      `json:"completion_tokens"`
	TotalTokens             int                      `json:"total_tokens"`
	PromptTokensDetails     *PromptTokensDetails     `json:"prompt_tokens_details,omitempty"`
	CompletionTokensDetails *CompletionTokensDetails `json:"completion_tokens_details,omitempty"`

	// PromptCacheHitTokens and PromptCacheMissTokens are DeepSeek's context-cache
	// split of PromptTokens (hit + miss = prompt).
	PromptCacheHitTokens  int `json:"prompt_cache_hit_tokens,omitempty"`
	PromptCacheMissTokens int `json:"prompt_cache_miss_tokens,omitempty"`
}

// PromptTokensDetails breaks down prompt tokens.
type PromptTokensDetails struct {
	CachedTokens int `json:"cached_tokens"`
}

// CompletionTokensDetails breaks down completion tokens.
type CompletionTokensDetails struct {
	ReasoningTokens int `json:"reasoning_tokens"`
}

// Logprobs carries token log probabilities when requested.
type Logprobs struct {
	Content          []TokenLogprob `json:"content,omitempty"`
	ReasoningContent []TokenLogprob `json:"reasoning_content,omitempty"`
}

// TokenLogprob is one token's log probability and its top alternatives.
type TokenLogprob struct {
	Token       string       `json:"token"`
	Logprob     float64      `json:"logprob"`
	Bytes       []int        `json:"bytes,omitempty"`
	TopLogprobs []TopLogprob `json:"top_logprobs,omitempty"`
}

// TopLogprob is an alternative token.
type TopLogprob struct {
	Token   string  `json:"token"`
	Logprob float64 `json:"logprob"`
	Bytes   []int   `json:"bytes,omitempty"`
}

// Model describes a model harbor can route to.
type Model struct {
	ID     string `json:"id"`
	Object string `json:"object"`
	// Created is OpenAI's "created", in Unix seconds: the vendor's date when
	// its model list gives one (ListRemoteModels), else 0 and left out —
	// harbor's local table (Client.Models) has no dates, and a made-up one
	// would be read as a fact. The gateway's /v1/models, where OpenAI's
	// clients expect it, sets it to when the gateway started.
	Created  int64  `json:"created,omitzero"`
	OwnedBy  string `json:"owned_by"`
	Provider string `json:"provider"`
	// AliasOf is set when ID is an alias harbor rewrites (a retired vendor name, say).
	AliasOf string `json:"alias_of,omitempty"`
}
