package harbor

import "github.com/harborai/harbor-go/llm"

// Accumulator builds the whole answer from a stream's chunks, the same for every
// vendor: content and reasoning joined, tool calls assembled from their pieces
// (arguments joined across chunks, by index; Wenxin v1's function_call arrives
// as a tool call), finish reasons, usage, logprobs. While streaming it says when
// the content or a tool call has just been completed, so a caller can act on a
// tool call before the stream ends:
//
//	var acc harbor.Accumulator
//	for s.Next() {
//		acc.Add(s.Current())
//		if tc, ok := acc.JustFinishedToolCall(); ok {
//			go run(tc) // its arguments are complete
//		}
//	}
//	answer := acc.Completion()
//
// The zero value is ready to use. It is for one stream and one goroutine.
type Accumulator struct {
	c       ChatCompletion
	choices map[int]int // choice index -> position in c.Choices

	// What the latest Add completed (choice 0's content, tool calls of any
	// choice).
	doneContent   bool
	doneToolCalls []ToolCall
	contentOpen   bool        // choice 0 has content whose end was not yet reported
	openTool      map[int]int // choice position -> index of its tool call still receiving pieces (-1: none)
}

// Add takes the next chunk.
func (a *Accumulator) Add(ch Chunk) {
	a.doneContent, a.doneToolCalls = false, a.doneToolCalls[:0]
	if a.c.ID == "" {
		a.c.ID, a.c.Created, a.c.Model, a.c.SystemFingerprint = ch.ID, ch.Created, ch.Model, ch.SystemFingerprint
		a.c.Object = "chat.completion"
	}
	if ch.Usage != nil {
		a.c.Usage = cloneUsage(*ch.Usage)
	}
	a.c.SearchResults = append(a.c.SearchResults, ch.SearchResults...)
	for i := range ch.Choices {
		cc := &ch.Choices[i]
		pos, ok := a.choices[cc.Index]
		if !ok {
			if a.choices == nil {
				a.choices = map[int]int{}
				a.openTool = map[int]int{}
			}
			pos = len(a.c.Choices)
			a.choices[cc.Index] = pos
			a.openTool[pos] = -1
			a.c.Choices = append(a.c.Choices, Choice{Index: cc.Index})
		}
		dst := &a.c.Choices[pos]
		d := &cc.Delta
		if d.Role != "" {
			dst.Message.Role = d.Role
		}
		dst.Message.Content += d.Content
		dst.Message.ReasoningContent += d.ReasoningContent
		if pos == 0 && d.Content != "" {
			a.contentOpen = true
		}
		for _, tc := range d.ToolCalls {
			if pos == 0 && a.contentOpen { // tool calls after the text: the text is complete
				a.contentOpen, a.doneContent = false, true
			}
			if open := a.openTool[pos]; open >= 0 && open != tc.Index {
				a.finishTool(dst, open) // a new call started: the previous one is complete
			}
			a.openTool[pos] = tc.Index
			tcs := dst.Message.ToolCalls
			for len(tcs) <= tc.Index {
				tcs = append(tcs, ToolCall{})
			}
			t := &tcs[tc.Index]
			if tc.ID != "" {
				t.ID = tc.ID
			}
			if tc.Type != "" {
				t.Type = tc.Type
			}
			t.Function.Name += tc.Function.Name
			t.Function.Arguments += tc.Function.Arguments
			dst.Message.ToolCalls = tcs
		}
		if l := cc.Logprobs; l != nil {
			if dst.Logprobs == nil {
				dst.Logprobs = &Logprobs{}
			}
			dst.Logprobs.Content = append(dst.Logprobs.Content, cloneTokens(l.Content)...)
			dst.Logprobs.ReasoningContent = append(dst.Logprobs.ReasoningContent, cloneTokens(l.ReasoningContent)...)
		}
		if cc.FinishReason != "" {
			dst.FinishReason = cc.FinishReason
			if open := a.openTool[pos]; open >= 0 {
				a.finishTool(dst, open)
				a.openTool[pos] = -1
			}
			if pos == 0 && a.contentOpen {
				a.contentOpen, a.doneContent = false, true
			}
		}
	}
}

func (a *Accumulator) finishTool(dst *Choice, i int) {
	if i < len(dst.Message.ToolCalls) {
		tc := dst.Message.ToolCalls[i]
		if tc.Type == "" {
			tc.Type = "function"
		}
		a.doneToolCalls = append(a.doneToolCalls, tc)
	}
}

// JustFinishedContent reports whether the latest chunk completed the text of the
// first choice (its finish reason arrived, or a tool call began after it), and
// returns that text.
func (a *Accumulator) JustFinishedContent() (string, bool) {
	if !a.doneContent || len(a.c.Choices) == 0 {
		return "", false
	}
	return a.c.Choices[0].Message.Content, true
}

// JustFinishedToolCall reports whether the latest chunk completed a tool call
// (the next one began, or the choice finished), and returns it with its whole
// arguments. When one chunk completes several, it returns the first; the rest
// are in Completion.
func (a *Accumulator) JustFinishedToolCall() (ToolCall, bool) {
	if len(a.doneToolCalls) == 0 {
		return ToolCall{}, false
	}
	return a.doneToolCalls[0], true
}

// JustFinishedToolCalls returns every tool call the latest chunk completed.
func (a *Accumulator) JustFinishedToolCalls() []ToolCall {
	return append([]ToolCall(nil), a.doneToolCalls...)
}

// Completion returns the answer so far, as Create would have returned it once
// the stream has ended: an assistant message per choice. It is the
// Accumulator's own: copy it (or stop adding) before changing it.
func (a *Accumulator) Completion() *ChatCompletion {
	for i := range a.c.Choices {
		if a.c.Choices[i].Message.Role == "" {
			a.c.Choices[i].Message.Role = llm.RoleAssistant
		}
		for j := range a.c.Choices[i].Message.ToolCalls {
			if tc := &a.c.Choices[i].Message.ToolCalls[j]; tc.Type == "" {
				tc.Type = "function"
			}
		}
	}
	return &a.c
}

// complete is Completion for the cache: an answer whose every choice finished,
// or an empty one (not storable) if any did not.
func (a *Accumulator) complete() *ChatCompletion {
	for _, ch := range a.c.Choices {
		if ch.FinishReason == "" {
			return &ChatCompletion{}
		}
	}
	return a.Completion()
}
