package structured

import (
	"context"
	"fmt"
	"github.com/harborai/harbor-go/harbor"
	"reflect"
	"strings"

	"github.com/harborai/harbor-go/llm"
)

// JSONResult is what CreateJSON returns: the answer decoded into a T, and what
// getting it took.
type JSONResult[T any] struct {
	// Value is the answer, validated against T's schema and decoded.
	Value T
	// Completion is the answer Value was decoded from: the repair turn's when
	// there was one.
	Completion *harbor.ChatCompletion
	// Raw is the text of that answer, as the model wrote it.
	Raw string
	// Repaired reports that the first answer did not match the schema and the
	// model corrected it in a second turn.
	Repaired bool
	// Native reports that the schema went out as response_format json_schema;
	// false: it was emulated (json_object mode and the schema in a system
	// message), for providers whose Descriptor.JSONSchema is false.
	Native bool
	// harbor.Usage and harbor.Cost add up both turns when there was a repair turn
	// (harbor.ChatCompletion.Usage and harbor.ChatCompletion.Cost of each; a cache hit costs 0).
	Usage harbor.Usage
	Cost  harbor.Cost
}

// JSONError is why CreateJSON gave up: the answer still did not match T's schema
// after the repair turn. It comes as the Err of an *harbor.Error of class
// harbor.ErrBadResponse, so errors.Is(err, harbor.ErrBadResponse) holds and
// errors.As(err, &jsonErr) finds it. Its harbor.Error() lists the first violations,
// never the answer itself.
type JSONError struct {
	// Raw is the text of the last answer.
	Raw string
	// Violations says what is wrong with it, one finding a line: the schema
	// validator's ("at /items/0/price: got string, want number"), or why it is no
	// JSON at all, or why it does not decode into T.
	Violations []string
	// Completion is the last answer.
	Completion *harbor.ChatCompletion
	// harbor.Usage and harbor.Cost add up both turns, which were paid for all the same.
	Usage harbor.Usage
	Cost  harbor.Cost
}

func (e *JSONError) Error() string {
	const shown = 3
	vs, more := e.Violations, ""
	if len(vs) > shown {
		vs, more = vs[:shown], "; …"
	}
	return fmt.Sprintf("the answer does not match the JSON schema after a repair turn (%d violation(s)): %s%s",
		len(e.Violations), strings.Join(vs, "; "), more)
}

// CreateJSON asks for an answer shaped as T and returns it decoded: structured
// output with one call. T's JSON Schema (see SchemaFor: a struct's fields,
// required unless omitempty, descriptions from `jsonschema:"…"` tags) goes to the
// model the way its provider allows:
//
//   - natively, as harbor.ResponseFormat json_schema named after T, with Strict set when
//     the schema fits the strict subset (every field required, no maps or any),
//     for providers whose Descriptor.JSONSchema is true (doubao, qianfan, openai);
//   - emulated elsewhere (deepseek, wenxin): harbor.ResponseFormat json_object, and a
//     system message with the schema, placed after the request's own leading
//     system messages, that asks for JSON (DeepSeek wants the word in the prompt).
//
// Every answer is validated against the schema and decoded into T; a Markdown
// code fence around it is dropped. When it does not match, CreateJSON makes one
// repair turn — the answer as an assistant message and a user message listing
// the violations — and if that answer does not match either, it returns an
// *harbor.Error of class harbor.ErrBadResponse whose Err is a *JSONError with the last answer's
// text and the violations. There is never a third call. Stats and observers see
// each turn as a call of its own.
//
// The request is not changed; it must leave the output format to CreateJSON:
// harbor.ResponseFormat, Tools and ToolChoice (or the same keys in ExtraBody) are
// rejected, as is N above 1. Those and a type without a schema (see SchemaFor)
// are an ErrInvalidRequest before any I/O. Errors of the calls themselves are
// returned as Create returns them. CallOptions apply to both turns.
func CreateJSON[T any](ctx context.Context, c *harbor.Client, req *harbor.ChatRequest, opts ...harbor.CallOption) (*JSONResult[T], error) {
	if c == nil {
		return nil, llm.InvalidRequest("", "", "", "the Client is nil; use harbor.New()")
	}
	if req == nil {
		return nil, llm.InvalidRequest("", "", "", "request is nil")
	}
	if err := leavesFormatFree(req); err != nil {
		return nil, err
	}
	ts := schemaOf(reflect.TypeFor[T]())
	if ts.bad != nil {
		return nil, ts.invalid(req.Model)
	}
	out := &JSONResult[T]{Native: c.NativeJSONSchema(req, opts...)}
	sent := ts.request(req, out.Native)
	res, err := c.Chat.Completions.Create(ctx, sent, opts...)
	if err != nil {
		return nil, err
	}
	out.add(res)
	raw := answerText(res)
	problems := ts.problems(res, raw, &out.Value)
	if problems == nil {
		out.Completion, out.Raw = res, raw
		return out, nil
	}
	var zero T
	out.Value = zero // a failed decode may have filled part of it (a map merges)
	res, err = c.Chat.Completions.Create(ctx, repairRequest(sent, raw, problems), opts...)
	if err != nil {
		return nil, err
	}
	out.add(res)
	out.Repaired = true
	raw = answerText(res)
	if problems = ts.problems(res, raw, &out.Value); problems == nil {
		out.Completion, out.Raw = res, raw
		return out, nil
	}
	je := &JSONError{Raw: raw, Violations: problems, Completion: res, Usage: out.Usage, Cost: out.Cost}
	return nil, &harbor.Error{Provider: res.Provider, Model: req.Model, RequestID: res.RequestID,
		Kind: harbor.ErrBadResponse, Message: je.Error(), Err: je}
}

// leavesFormatFree rejects a request that sets what CreateJSON sets itself.
func leavesFormatFree(req *harbor.ChatRequest) error {
	why := func(param, what string) error {
		return llm.InvalidRequest("", req.Model, param,
			"CreateJSON sets the output format itself: the request must not set %s", what)
	}
	switch {
	case req.ResponseFormat != nil:
		return why("response_format", "harbor.ResponseFormat")
	case len(req.Tools) > 0:
		return why("tools", "Tools (a tool call is no answer to decode)")
	case req.ToolChoice != nil:
		return why("tool_choice", "ToolChoice")
	case req.N.Or(1) > 1:
		return why("n", "N above 1 (one answer is validated)")
	}
	for _, k := range [...]string{"response_format", "tools", "tool_choice"} {
		if _, ok := req.ExtraBody[k]; ok {
			return why(k, "ExtraBody["+k+"]")
		}
	}
	return nil
}

// request is req asking for T: json_schema when native, else json_object and
// the schema in a system message. req itself is not changed.
func (ts *typeSchema) request(req *harbor.ChatRequest, native bool) *harbor.ChatRequest {
	cp := *req
	if native {
		s := &harbor.JSONSchema{Name: ts.name, Schema: ts.raw}
		if ts.strict {
			s.Strict = harbor.Some(true)
		}
		cp.ResponseFormat = &harbor.ResponseFormat{Type: "json_schema", JSONSchema: s}
		return &cp
	}
	cp.ResponseFormat = &harbor.ResponseFormat{Type: "json_object"}
	n := 0
	for n < len(req.Messages) && req.Messages[n].Role == harbor.RoleSystem {
		n++
	}
	msgs := make([]harbor.Message, 0, len(req.Messages)+1)
	msgs = append(msgs, req.Messages[:n]...)
	msgs = append(msgs, harbor.SystemMessage(emulationPrompt+string(ts.raw)))
	cp.Messages = append(msgs, req.Messages[n:]...)
	return &cp
}

// emulationPrompt introduces the schema for providers without json_schema. It
// says "JSON", which DeepSeek's json_object mode requires of the prompt.
const emulationPrompt = "Answer with one JSON object and nothing else: no prose, no Markdown code fence. " +
	"The object must conform to this JSON Schema:\n"

// repairRequest is sent, the bad answer and a user message with its problems.
func repairRequest(sent *harbor.ChatRequest, raw string, problems []string) *harbor.ChatRequest {
	cp := *sent
	answer := raw
	if strings.TrimSpace(answer) == "" {
		answer = "(empty answer)" // vendors reject empty assistant turns
	}
	var b strings.Builder
	b.WriteString("Your answer does not conform to the required JSON Schema:\n")
	for i, p := range problems {
		if i == maxViolations {
			fmt.Fprintf(&b, "- … and %d more\n", len(problems)-i)
			break
		}
		b.WriteString("- ")
		b.WriteString(p)
		b.WriteByte('\n')
	}
	b.WriteString("Answer again with the corrected JSON object only.")
	msgs := make([]harbor.Message, 0, len(sent.Messages)+2)
	msgs = append(msgs, sent.Messages...)
	cp.Messages = append(msgs, harbor.AssistantMessage(answer), harbor.UserMessage(b.String()))
	return &cp
}

// problems is what is wrong with an answer, nil when it decoded into v.
func (ts *typeSchema) problems(res *harbor.ChatCompletion, raw string, v any) []string {
	p := ts.check(raw, v)
	if p != nil && len(res.Choices) > 0 && res.Choices[0].FinishReason == harbor.FinishReasonLength {
		p = append([]string{"the answer was cut off at the token limit (finish_reason length)"}, p...)
	}
	return p
}

// answerText is the text of the first choice, "" when there is none.
func answerText(res *harbor.ChatCompletion) string {
	if len(res.Choices) == 0 {
		return ""
	}
	return res.Choices[0].Message.Text()
}

// add counts one turn's usage and cost.
func (r *JSONResult[T]) add(res *harbor.ChatCompletion) {
	r.Usage = addUsage(r.Usage, res.Usage)
	r.Cost = harbor.Cost{Input: r.Cost.Input + res.Cost.Input, CachedInput: r.Cost.CachedInput + res.Cost.CachedInput,
		Output: r.Cost.Output + res.Cost.Output, Total: r.Cost.Total + res.Cost.Total}
}

// addUsage adds two usages field by field; a details struct is there when
// either side has it.
func addUsage(a, b harbor.Usage) harbor.Usage {
	out := harbor.Usage{
		PromptTokens:          a.PromptTokens + b.PromptTokens,
		CompletionTokens:      a.CompletionTokens + b.CompletionTokens,
		TotalTokens:           a.TotalTokens + b.TotalTokens,
		PromptCacheHitTokens:  a.PromptCacheHitTokens + b.PromptCacheHitTokens,
		PromptCacheMissTokens: a.PromptCacheMissTokens + b.PromptCacheMissTokens,
	}
	if a.PromptTokensDetails != nil || b.PromptTokensDetails != nil {
		d := &llm.PromptTokensDetails{}
		if a.PromptTokensDetails != nil {
			d.CachedTokens += a.PromptTokensDetails.CachedTokens
		}
		if b.PromptTokensDetails != nil {
			d.CachedTokens += b.PromptTokensDetails.CachedTokens
		}
		out.PromptTokensDetails = d
	}
	if a.CompletionTokensDetails != nil || b.CompletionTokensDetails != nil {
		d := &llm.CompletionTokensDetails{}
		if a.CompletionTokensDetails != nil {
			d.ReasoningTokens += a.CompletionTokensDetails.ReasoningTokens
		}
		if b.CompletionTokensDetails != nil {
			d.ReasoningTokens += b.CompletionTokensDetails.ReasoningTokens
		}
		out.CompletionTokensDetails = d
	}
	return out
}
