package fastreply_test

// The types of the reply tests, read by internal/cmd/fastgen as it reads the
// generated vendor types: it writes their ReadReply in reply_gen_test.go (see
// generate.go).

// testChunk mirrors a generated chunk type: optional fields are pointers, and it
// has fields the fast path does not read (tool_calls, logprobs, flag, refusal).
type testChunk struct {
	Id                string  `json:"id"`
	Object            string  `json:"object"`
	Created           *int64  `json:"created,omitempty"`
	Model             *string `json:"model,omitempty"`
	SystemFingerprint *string `json:"system_fingerprint,omitempty"`
	Choices           []struct {
		Index int `json:"index"`
		Delta struct {
			Role             *string `json:"role,omitempty"`
			Content          *string `json:"content,omitempty"`
			ReasoningContent *string `json:"reasoning_content,omitempty"`
			Refusal          *string `json:"refusal,omitempty"`
			ToolCalls        []struct {
				Index int `json:"index"`
			} `json:"tool_calls,omitempty"`
		} `json:"delta"`
		FinishReason *string   `json:"finish_reason,omitempty"`
		Logprobs     *struct{} `json:"logprobs,omitempty"`
		Flag         *int      `json:"flag,omitempty"`
	} `json:"choices"`
	Usage *struct {
		PromptTokens          int  `json:"prompt_tokens"`
		CompletionTokens      int  `json:"completion_tokens"`
		TotalTokens           int  `json:"total_tokens"`
		PromptCacheHitTokens  *int `json:"prompt_cache_hit_tokens,omitempty"`
		PromptCacheMissTokens *int `json:"prompt_cache_miss_tokens,omitempty"`
		PromptTokensDetails   *struct {
			CachedTokens *int `json:"cached_tokens,omitempty"`
			AudioTokens  *int `json:"audio_tokens,omitempty"`
		} `json:"prompt_tokens_details,omitempty"`
		CompletionTokensDetails *struct {
			ReasoningTokens *int `json:"reasoning_tokens,omitempty"`
		} `json:"completion_tokens_details,omitempty"`
	} `json:"usage,omitempty"`
}

// special, quoted and embedded are fields encoding/json handles specially: an
// Unmarshaler, the ,string option, an embedded struct.
type special struct{ s string }

func (s *special) UnmarshalJSON(b []byte) error { s.s = "custom"; return nil }

type quoted struct {
	ID      string `json:"id"`
	Created int64  `json:"created,string"`
	Model   special
	Choices []struct {
		Index int `json:"index"`
	} `json:"choices"`
}

type embedded struct{ quoted }
