package deepseek

import (
	"strings"

	"github.com/harborai/harbor-go/internal/engine"
	"github.com/harborai/harbor-go/llm"
)

// rules are DeepSeek's rejections before I/O, in the order doc.go lists them.
var rules = [...]engine.Rule[*Provider]{
	thinkingMode,
	oneChoice,
	noWebSearch,
	noSeed,
	noParallelToolCalls,
	stopLimit,
	toolsLimit,
	userID,
	maxTokensLimit,
	reasoningEffort,
	responseFormat,
	textOnly,
	reasoningKept,
}

// Limits from vendors.md §1.
const (
	maxStop      = 16
	maxTools     = 128
	maxToolName  = 64
	maxUserID    = 512
	maxMaxTokens = 393216
)

// invalid is the error of a rule that r breaks.
func invalid(r *llm.ChatRequest, param, format string, args ...any) error {
	return llm.InvalidRequest(Name, r.Model, param, format, args...)
}

func thinkingMode(_ *Provider, r *llm.ChatRequest) error {
	if t := r.Thinking; t != nil && t.Type != llm.ThinkingEnabled && t.Type != llm.ThinkingDisabled {
		return invalid(r, "thinking", "DeepSeek supports thinking enabled or disabled, not %q", t.Type)
	}
	return nil
}

func oneChoice(_ *Provider, r *llm.ChatRequest) error {
	if v, ok := r.N.Get(); ok && v != 1 {
		return invalid(r, "n", "DeepSeek returns one choice per request; n=%d is not supported", v)
	}
	return nil
}

func noWebSearch(_ *Provider, r *llm.ChatRequest) error {
	if r.WebSearch != nil {
		return invalid(r, "web_search", "DeepSeek's API has no web search (web_search is a Baidu ERNIE option)")
	}
	return nil
}

func noSeed(_ *Provider, r *llm.ChatRequest) error {
	if r.Seed.IsSet() {
		return invalid(r, "seed", "DeepSeek does not support seed")
	}
	return nil
}

func noParallelToolCalls(_ *Provider, r *llm.ChatRequest) error {
	if r.ParallelToolCalls.IsSet() {
		return invalid(r, "parallel_tool_calls", "DeepSeek does not support parallel_tool_calls")
	}
	return nil
}

func stopLimit(_ *Provider, r *llm.ChatRequest) error {
	if len(r.Stop) > maxStop {
		return invalid(r, "stop", "DeepSeek accepts at most 16 stop sequences, got %d", len(r.Stop))
	}
	return nil
}

func toolsLimit(_ *Provider, r *llm.ChatRequest) error {
	if len(r.Tools) > maxTools {
		return invalid(r, "tools", "DeepSeek accepts at most 128 tools, got %d", len(r.Tools))
	}
	for i := range r.Tools {
		if name := r.Tools[i].Function.Name; !identifier(name, maxToolName) {
			return invalid(r, "tools", "tools[%d]: DeepSeek function names must match [A-Za-z0-9_-]{1,64}, got %q", i, name)
		}
	}
	return nil
}

func userID(_ *Provider, r *llm.ChatRequest) error {
	if r.User != "" && !identifier(r.User, maxUserID) {
		return invalid(r, "user", "DeepSeek's user_id must match [a-zA-Z0-9_-]{1,512}")
	}
	return nil
}

func maxTokensLimit(_ *Provider, r *llm.ChatRequest) error {
	if v, ok := r.MaxTokens.Get(); ok && v > maxMaxTokens {
		return invalid(r, "max_tokens", "DeepSeek allows max_tokens up to 393216, got %d", v)
	}
	return nil
}

func reasoningEffort(_ *Provider, r *llm.ChatRequest) error {
	switch e := r.ReasoningEffort; e {
	case "", "low", "medium", "high", "max", "xhigh":
		return nil
	default:
		return invalid(r, "reasoning_effort", "DeepSeek accepts reasoning_effort low, medium, high, max or xhigh, not %q", e)
	}
}

func responseFormat(_ *Provider, r *llm.ChatRequest) error {
	rf := r.ResponseFormat
	if rf == nil {
		return nil
	}
	switch rf.Type {
	case "text":
	case "json_object":
		if !mentionsJSON(r.Messages) {
			return invalid(r, "response_format", `DeepSeek's json_object mode needs the word "json" in the prompt (say what JSON you want)`)
		}
	default:
		return invalid(r, "response_format", "DeepSeek supports response_format text and json_object only, not %q", rf.Type)
	}
	return nil
}

func textOnly(_ *Provider, r *llm.ChatRequest) error {
	if i, j, ok := engine.FindPart(r, engine.NonText); ok {
		return invalid(r, "messages", "messages[%d]: DeepSeek accepts text only, not %s parts", i, r.Messages[i].Parts[j].Type)
	}
	return nil
}

// reasoningKept: in thinking mode (the default on v4), an assistant turn with tool
// calls in the current turn — everything after the last user message — must carry
// its reasoning_content.
func reasoningKept(p *Provider, r *llm.ChatRequest) error {
	lastUser := -1
	for i := range r.Messages {
		if r.Messages[i].Role == llm.RoleUser {
			lastUser = i
		}
	}
	for i := lastUser + 1; i < len(r.Messages); i++ {
		m := &r.Messages[i]
		if len(m.ToolCalls) == 0 || m.ReasoningContent != "" {
			continue
		}
		if _, thinking := p.resolve(r); thinking == llm.ThinkingDisabled {
			return nil
		}
		return invalid(r, "messages", "messages[%d]: in thinking mode DeepSeek needs the assistant turn's reasoning_content sent back with its tool_calls; pass the assistant message from the previous response unchanged", i)
	}
	return nil
}

// identifier reports whether s is 1 to max characters of [A-Za-z0-9_-], the
// shape DeepSeek requires of tool names (max 64) and user_id (max 512). A loop,
// not a regexp: a package-level regexp is compiled at init in every program
// that imports harbor (about 7 ms and 1,500 allocations of cold start).
func identifier(s string, max int) bool {
	if len(s) == 0 || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// mentionsJSON reports whether any message mentions "json", which DeepSeek's
// json_object mode requires of the prompt.
func mentionsJSON(msgs []llm.Message) bool {
	for i := range msgs {
		if strings.Contains(strings.ToLower(msgs[i].Text()), "json") {
			return true
		}
	}
	return false
}
