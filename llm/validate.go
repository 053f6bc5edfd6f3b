package llm

// Validate checks the vendor-neutral rules of a request and returns an *Error of
// Kind ErrInvalidRequest naming the first problem, before any I/O. Vendor-specific
// rules (DeepSeek's text-only content, Wenxin's odd message count…) are checked by
// each provider on top of these.
func (r *ChatRequest) Validate() error {
	bad := func(param, format string, args ...any) error {
		return InvalidRequest("", r.Model, param, format, args...)
	}
	if r.Model == "" {
		return bad("model", "model is required")
	}
	if len(r.Messages) == 0 {
		return bad("messages", "messages must not be empty")
	}
	for i := range r.Messages {
		m := &r.Messages[i]
		switch m.Role {
		case RoleSystem, RoleUser, RoleAssistant:
		case RoleTool:
			if m.ToolCallID == "" {
				return bad("messages", "messages[%d]: a tool message needs tool_call_id", i)
			}
		case "":
			return bad("messages", "messages[%d]: role is required", i)
		default:
			return bad("messages", "messages[%d]: unknown role %q (want system, user, assistant or tool)", i, m.Role)
		}
		for j := range m.ToolCalls {
			tc := &m.ToolCalls[j]
			if m.Role != RoleAssistant {
				return bad("messages", "messages[%d]: only assistant messages carry tool_calls", i)
			}
			if tc.ID == "" || tc.Function.Name == "" {
				return bad("messages", "messages[%d].tool_calls[%d]: id and function.name are required", i, j)
			}
		}
		for j := range m.Parts {
			switch p := &m.Parts[j]; p.Type {
			case PartText:
			case PartImageURL:
				if p.ImageURL == nil || p.ImageURL.URL == "" {
					return bad("messages", "messages[%d].content[%d]: image_url.url is required", i, j)
				}
			case PartVideoURL:
				if p.VideoURL == nil || p.VideoURL.URL == "" {
					return bad("messages", "messages[%d].content[%d]: video_url.url is required", i, j)
				}
			case PartInputAudio:
				if p.InputAudio == nil || p.InputAudio.Data == "" {
					return bad("messages", "messages[%d].content[%d]: input_audio.data is required", i, j)
				}
			default:
				return bad("messages", "messages[%d].content[%d]: unknown part type %q", i, j, p.Type)
			}
		}
	}
	if err := checkRange(r.Temperature, 0, 2, "temperature", bad); err != nil {
		return err
	}
	if err := checkRange(r.TopP, 0, 1, "top_p", bad); err != nil {
		return err
	}
	if err := checkRange(r.FrequencyPenalty, -2, 2, "frequency_penalty", bad); err != nil {
		return err
	}
	if err := checkRange(r.PresencePenalty, -2, 2, "presence_penalty", bad); err != nil {
		return err
	}
	if v, ok := r.MaxTokens.Get(); ok && v < 1 {
		return bad("max_tokens", "max_tokens must be at least 1, got %d", v)
	}
	if v, ok := r.MaxCompletionTokens.Get(); ok && v < 1 {
		return bad("max_completion_tokens", "max_completion_tokens must be at least 1, got %d", v)
	}
	if v, ok := r.N.Get(); ok && v < 1 {
		return bad("n", "n must be at least 1, got %d", v)
	}
	if v, ok := r.TopLogprobs.Get(); ok && (v < 0 || v > 20) {
		return bad("top_logprobs", "top_logprobs must be between 0 and 20, got %d", v)
	}
	for i := range r.Tools {
		t := &r.Tools[i]
		if t.Type != "function" {
			return bad("tools", "tools[%d]: type must be \"function\", got %q", i, t.Type)
		}
		if t.Function.Name == "" {
			return bad("tools", "tools[%d]: function.name is required", i)
		}
	}
	if tc := r.ToolChoice; tc != nil {
		switch {
		case tc.Function != "":
			found := false
			for i := range r.Tools {
				found = found || r.Tools[i].Function.Name == tc.Function
			}
			if !found {
				return bad("tool_choice", "tool_choice names function %q, which is not in tools", tc.Function)
			}
		case tc.Mode == ToolChoiceNone || tc.Mode == ToolChoiceAuto || tc.Mode == ToolChoiceRequired:
		default:
			return bad("tool_choice", "tool_choice mode must be none, auto or required, got %q", tc.Mode)
		}
	}
	if rf := r.ResponseFormat; rf != nil {
		switch rf.Type {
		case "text", "json_object":
		case "json_schema":
			if rf.JSONSchema == nil || rf.JSONSchema.Name == "" {
				return bad("response_format", "response_format json_schema needs json_schema.name")
			}
		default:
			return bad("response_format", "response_format type must be text, json_object or json_schema, got %q", rf.Type)
		}
	}
	if th := r.Thinking; th != nil {
		switch th.Type {
		case ThinkingEnabled, ThinkingDisabled, ThinkingAuto:
		default:
			return bad("thinking", "thinking.type must be enabled, disabled or auto, got %q", th.Type)
		}
	}
	return nil
}

func checkRange(o Opt[float64], lo, hi float64, name string, bad func(string, string, ...any) error) error {
	if v, ok := o.Get(); ok && !(v >= lo && v <= hi) { // also rejects NaN
		return bad(name, "%s must be between %g and %g, got %g", name, lo, hi, v)
	}
	return nil
}
