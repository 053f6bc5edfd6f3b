package mockvendor

import (
	"net/http"
)

// Responses for the Ark mock: the non-streaming completion and the SSE
// stream, with its noise lines, per-chunk quirks and the stream cuts of
// injected faults.

const arkServiceTier = "default"

// arkModeration is the per-choice moderation_hit_type sent with a
// content_filter finish.
func arkModeration(finish string) string {
	if finish == "content_filter" {
		return "severe_violation"
	}
	return ""
}

func writeArkCompletion(w http.ResponseWriter, p *arkPlan, a *answer, u *arkUsage, id string, created int64) {
	resp := arkCompletion{
		Created:     created,
		ID:          id,
		Model:       p.model.id,
		ServiceTier: arkServiceTier,
		Object:      "chat.completion",
		Usage:       u,
	}
	c := &resp.Choices[0]
	c.FinishReason = a.finish
	c.ModerationHitType = arkModeration(a.finish)
	c.Message.Role = "assistant"
	c.Message.Content = a.content // "" on tool-call turns, never null
	if a.thinking {
		c.Message.ReasoningContent = &a.reasoning
	}
	if a.tool != nil {
		c.Message.ToolCalls = []arkOutToolCall{{
			Function: dsOutFunction{Name: a.tool.name, Arguments: a.tool.args},
			ID:       a.tool.id, Type: "function",
		}}
	}
	if p.logprobs {
		c.Logprobs = buildLogprobs(a.content)
	}
	writeJSON(w, http.StatusOK, &resp)
}

// arkNoiseLine is the i-th of n noise lines: ": ping" comments, with
// "event: ping" lines each closed by a blank line (so no event type leaks
// onto the first data event).
func arkNoiseLine(i, n int) string {
	switch {
	case i%3 == 1 && i+1 < n:
		return "event: ping\n"
	case i%3 == 2:
		return "\n"
	}
	return ": ping\n"
}

func (a *Ark) writeStream(w http.ResponseWriter, r *http.Request, p *arkPlan, ans *answer, u *arkUsage, id string, created int64, f Fault) {
	// Fault.ErrorAfter ends the stream with Ark's data: {"error":{...}} and
	// no [DONE].
	var errBody any
	if f.ErrorAfter > 0 {
		eb := arkMidStreamError(f, id)
		errBody = &eb
	}
	s := newSSEStream(w, r, a.cfg.ChunkDelay, f, errBody)

	for i := 0; i < a.cfg.NoiseLines; i++ {
		line := arkNoiseLine(i, a.cfg.NoiseLines)
		if line == "\n" {
			// Closes the preceding "event: ping"; sent without a pause.
			if !s.send([]byte(line)) {
				return
			}
			continue
		}
		if !s.comment(line) {
			return
		}
	}

	var choice [1]arkChunkChoice
	chunk := arkChunk{
		Choices: choice[:], Created: created, ID: id, Model: p.model.id,
		ServiceTier: arkServiceTier, Object: "chat.completion.chunk",
	}
	ch := &choice[0]
	ch.Delta.Role = "assistant"

	// cum is the usage so far, for chunk_include_usage.
	cum := arkUsage{PromptTokens: p.promptTokens, TotalTokens: p.promptTokens}
	emit := func(tokens int, reasoning bool) bool {
		if p.chunkUsage {
			cum.CompletionTokens += tokens
			cum.TotalTokens += tokens
			if reasoning {
				cum.CompletionTokensDetails.ReasoningTokens += tokens
			}
			chunk.Usage = &cum
		}
		return s.data(&chunk)
	}

	if ans.thinking {
		var rc string
		ch.Delta.ReasoningContent = &rc
		for rest := ans.reasoning; rest != ""; {
			rc, rest = nextPiece(rest)
			if !emit(countWords(rc), true) {
				return
			}
		}
		ch.Delta.ReasoningContent = nil
	}
	if ans.tool != nil {
		var tc [1]arkToolCallDelta
		ch.Delta.ToolCalls = tc[:]
		tc[0] = arkToolCallDelta{ID: ans.tool.id, Type: "function", Function: dsFunctionDelta{Name: ans.tool.name}}
		if !emit(0, false) {
			return
		}
		tc[0] = arkToolCallDelta{}
		if !splitArgs(ans.tool.args, func(piece string) bool {
			tc[0].Function.Arguments = piece
			return emit(1, false) // a piece is one toy token
		}) {
			return
		}
		ch.Delta.ToolCalls = nil
	}
	for rest := ans.content; rest != ""; {
		ch.Delta.Content, rest = nextPiece(rest)
		if !emit(countWords(ch.Delta.Content), false) {
			return
		}
	}
	ch.Delta.Content = ""
	ch.FinishReason = ans.finish
	ch.ModerationHitType = arkModeration(ans.finish)
	if !emit(0, false) {
		return
	}
	if p.includeUsage {
		chunk.Choices = choice[:0] // "choices":[]
		chunk.Usage = u
		if !s.data(&chunk) {
			return
		}
	}
	s.done()
}
