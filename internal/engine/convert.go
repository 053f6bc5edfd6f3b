package engine

import "github.com/harborai/harbor-go/llm"

// Answer types every OpenAI-shaped spec declares alike. Each generated package has
// its own copy of them; a type parameter whose type set is "every type whose
// underlying type is this struct" lets one function convert them all, and the
// compiler holds the specs to it: a spec whose type drifts (a field, a tag) no
// longer type-checks against these shapes, and that provider then writes its own
// conversion.

// topLogprob is the shape of every spec's TopLogprob.
type topLogprob = struct {
	Bytes   []int   `json:"bytes,omitempty"`
	Logprob float64 `json:"logprob"`
	Token   string  `json:"token"`
}

// tokenLogprob is the shape of every spec's TokenLogprob, whose alternatives are T.
type tokenLogprob[T any] = struct {
	Bytes       []int   `json:"bytes,omitempty"`
	Logprob     float64 `json:"logprob"`
	Token       string  `json:"token"`
	TopLogprobs []T     `json:"top_logprobs,omitempty"`
}

// functionCall is the shape of every spec's FunctionCall.
type functionCall = struct {
	Arguments string `json:"arguments"`
	Name      string `json:"name"`
}

// toolCall is the shape of every spec's ToolCall, of function F and type Ty.
type toolCall[F, Ty any] = struct {
	Function F      `json:"function"`
	Id       string `json:"id"`
	Type     Ty     `json:"type"`
}

// Tokens converts a spec's token log probabilities (TokenLogprob, with TopLogprob
// alternatives); nil when there are none.
func Tokens[Tok ~tokenLogprob[Top], Top ~topLogprob](ts []Tok) []llm.TokenLogprob {
	if len(ts) == 0 {
		return nil
	}
	out := make([]llm.TokenLogprob, len(ts))
	for i := range ts {
		t := tokenLogprob[Top](ts[i])
		out[i] = llm.TokenLogprob{Token: t.Token, Logprob: t.Logprob, Bytes: t.Bytes}
		if len(t.TopLogprobs) > 0 {
			out[i].TopLogprobs = make([]llm.TopLogprob, len(t.TopLogprobs))
			for j := range t.TopLogprobs {
				a := topLogprob(t.TopLogprobs[j])
				out[i].TopLogprobs[j] = llm.TopLogprob{Token: a.Token, Logprob: a.Logprob, Bytes: a.Bytes}
			}
		}
	}
	return out
}

// ToolCallsOf converts a spec's tool calls (ToolCall, its FunctionCall and its type
// enum); nil when there are none.
func ToolCallsOf[TC ~toolCall[F, Ty], F ~functionCall, Ty ~string](tcs []TC) []llm.ToolCall {
	if len(tcs) == 0 {
		return nil
	}
	out := make([]llm.ToolCall, len(tcs))
	for i := range tcs {
		tc := toolCall[F, Ty](tcs[i])
		f := functionCall(tc.Function)
		out[i] = llm.ToolCall{ID: tc.Id, Type: string(tc.Type), Function: llm.FunctionCall{Name: f.Name, Arguments: f.Arguments}}
	}
	return out
}

// toolCallDelta is the shape of a streamed tool call in the specs that require
// its index (DeepSeek, Qianfan v2, OpenAI; Ark's index is optional, see doubao).
type toolCallDelta[Ty any] = struct {
	Function *struct {
		Arguments *string `json:"arguments,omitempty"`
		Name      *string `json:"name,omitempty"`
	} `json:"function,omitempty"`
	Id    *string `json:"id,omitempty"`
	Index int     `json:"index"`
	Type  *Ty     `json:"type,omitempty"`
}

// ToolCallDeltaOf converts a streamed tool call of those specs, for Each:
// engine.Each(delta.ToolCalls, engine.ToolCallDeltaOf[gen.ToolCallDelta]).
func ToolCallDeltaOf[D ~toolCallDelta[Ty], Ty ~string](d *D) llm.ToolCallDelta {
	tc := toolCallDelta[Ty](*d)
	out := llm.ToolCallDelta{Index: tc.Index, ID: Str(tc.Id), Type: Str(tc.Type)}
	if f := tc.Function; f != nil {
		out.Function = llm.FunctionCallDelta{Name: Str(f.Name), Arguments: Str(f.Arguments)}
	}
	return out
}
