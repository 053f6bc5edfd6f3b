package llm

import "strconv"

// Validate checks the vendor-neutral rules of a request and returns an *Error of
// Kind ErrInvalidRequest naming the first problem, before any I/O. The rules, in
// the order they are checked (requestRules, one function each):
//
//   - model: Model is set.
//   - messages: there is at least one; each has a known role (a tool message its
//     tool_call_id), only assistant messages carry tool calls (each with an id and
//     a function name), and every content part has a known type and its payload.
//   - sampling: temperature in [0, 2], top_p in [0, 1], frequency_penalty and
//     presence_penalty in [-2, 2] (NaN is out of every range).
//   - limits: max_tokens, max_completion_tokens and n at least 1; top_logprobs in
//     [0, 20].
//   - tools: every tool is of type "function" with a name.
//   - tool_choice: a mode of none, auto or required, or a function that is in tools.
//   - response_format: text, json_object, or json_schema with a name.
//   - thinking: enabled, disabled or auto.
//
// Vendor-specific rules (DeepSeek's text-only content, Wenxin's odd message
// count…) are checked by each provider on top of these.
func (r *ChatRequest) Validate() error {
	for _, rule := range requestRules {
		if err := rule(r); err != nil {
			return err
		}
	}
	return nil
}

// requestRules are Validate's rules, in the order its doc comment lists them.
var requestRules = [...]func(*ChatRequest) error{
	checkModel,
	checkMessages,
	checkSampling,
	checkLimits,
	checkTools,
	checkToolChoice,
	checkResponseFormat,
	checkThinking,
}

// invalid is the error of a rule that r breaks.
func invalid(r *ChatRequest, param, format string, args ...any) error {
	return InvalidRequest("", r.Model, param, format, args...)
}

func checkModel(r *ChatRequest) error {
	if r.Model == "" {
		return invalid(r, "model", "model is required")
	}
	return nil
}

func checkMessages(r *ChatRequest) error {
	if len(r.Messages) == 0 {
		return invalid(r, "messages", "messages must not be empty")
	}
	for i := range r.Messages {
		if err := checkMessage(r, i); err != nil {
			return err
		}
	}
	return nil
}

func checkMessage(r *ChatRequest, i int) error {
	m := &r.Messages[i]
	switch m.Role {
	case RoleSystem, RoleUser, RoleAssistant:
	case RoleTool:
		if m.ToolCallID == "" {
			return invalid(r, "messages", "messages[%d]: a tool message needs tool_call_id", i)
		}
	case "":
		return invalid(r, "messages", "messages[%d]: role is required", i)
	default:
		return invalid(r, "messages", "messages[%d]: unknown role %q (want system, user, assistant or tool)", i, m.Role)
	}
	for j := range m.ToolCalls {
		tc := &m.ToolCalls[j]
		if m.Role != RoleAssistant {
			return invalid(r, "messages", "messages[%d]: only assistant messages carry tool_calls", i)
		}
		if tc.ID == "" || tc.Function.Name == "" {
			return invalid(r, "messages", "messages[%d].tool_calls[%d]: id and function.name are required", i, j)
		}
	}
	for j := range m.Parts {
		if missing := partPayloadMissing(&m.Parts[j]); missing != "" {
			return invalid(r, "messages", "messages[%d].content[%d]: %s", i, j, missing)
		}
	}
	return nil
}

// partPayloadMissing says what a content part lacks, or "" when it is complete.
func partPayloadMissing(p *ContentPart) string {
	switch p.Type {
	case PartText:
	case PartImageURL:
		if p.ImageURL == nil || p.ImageURL.URL == "" {
			return "image_url.url is required"
		}
	case PartVideoURL:
		if p.VideoURL == nil || p.VideoURL.URL == "" {
			return "video_url.url is required"
		}
	case PartInputAudio:
		if p.InputAudio == nil || p.InputAudio.Data == "" {
			return "input_audio.data is required"
		}
	default:
		return "unknown part type " + quote(p.Type)
	}
	return ""
}

func checkSampling(r *ChatRequest) error {
	for _, c := range [...]struct {
		v      Opt[float64]
		lo, hi float64
		name   string
	}{
		{r.Temperature, 0, 2, "temperature"},
		{r.TopP, 0, 1, "top_p"},
		{r.FrequencyPenalty, -2, 2, "frequency_penalty"},
		{r.PresencePenalty, -2, 2, "presence_penalty"},
	} {
		if v, ok := c.v.Get(); ok && !(v >= c.lo && v <= c.hi) { // also rejects NaN
			return invalid(r, c.name, "%s must be between %g and %g, got %g", c.name, c.lo, c.hi, v)
		}
	}
	return nil
}

func checkLimits(r *ChatRequest) error {
	for _, c := range [...]struct {
		v    Opt[int]
		name string
	}{
		{r.MaxTokens, "max_tokens"},
		{r.MaxCompletionTokens, "max_completion_tokens"},
		{r.N, "n"},
	} {
		if v, ok := c.v.Get(); ok && v < 1 {
			return invalid(r, c.name, "%s must be at least 1, got %d", c.name, v)
		}
	}
	if v, ok := r.TopLogprobs.Get(); ok && (v < 0 || v > 20) {
		return invalid(r, "top_logprobs", "top_logprobs must be between 0 and 20, got %d", v)
	}
	return nil
}

func checkTools(r *ChatRequest) error {
	for i := range r.Tools {
		t := &r.Tools[i]
		if t.Type != "function" {
			return invalid(r, "tools", "tools[%d]: type must be \"function\", got %q", i, t.Type)
		}
		if t.Function.Name == "" {
			return invalid(r, "tools", "tools[%d]: function.name is required", i)
		}
	}
	return nil
}

func checkToolChoice(r *ChatRequest) error {
	tc := r.ToolChoice
	switch {
	case tc == nil:
	case tc.Function != "":
		for i := range r.Tools {
			if r.Tools[i].Function.Name == tc.Function {
				return nil
			}
		}
		return invalid(r, "tool_choice", "tool_choice names function %q, which is not in tools", tc.Function)
	case tc.Mode == ToolChoiceNone || tc.Mode == ToolChoiceAuto || tc.Mode == ToolChoiceRequired:
	default:
		return invalid(r, "tool_choice", "tool_choice mode must be none, auto or required, got %q", tc.Mode)
	}
	return nil
}

func checkResponseFormat(r *ChatRequest) error {
	rf := r.ResponseFormat
	if rf == nil {
		return nil
	}
	switch rf.Type {
	case "text", "json_object":
	case "json_schema":
		if rf.JSONSchema == nil || rf.JSONSchema.Name == "" {
			return invalid(r, "response_format", "response_format json_schema needs json_schema.name")
		}
	default:
		return invalid(r, "response_format", "response_format type must be text, json_object or json_schema, got %q", rf.Type)
	}
	return nil
}

func checkThinking(r *ChatRequest) error {
	if th := r.Thinking; th != nil {
		switch th.Type {
		case ThinkingEnabled, ThinkingDisabled, ThinkingAuto:
		default:
			return invalid(r, "thinking", "thinking.type must be enabled, disabled or auto, got %q", th.Type)
		}
	}
	return nil
}

func quote(s string) string { return strconv.Quote(s) }
