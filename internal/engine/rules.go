package engine

import "github.com/harborai/harbor-go/llm"

// Rule is one of a provider's early rejections: nil, or an *llm.Error of Kind
// ErrInvalidRequest saying what to change, before any I/O. P is the provider
// (rules may read its options). A provider keeps its rules in a table, in the
// order its doc.go lists them, one bullet a rule — as llm.ChatRequest.Validate
// keeps the vendor-neutral ones.
type Rule[P any] func(p P, req *llm.ChatRequest) error

// Check applies rules in order and returns the first error.
func Check[P any](p P, req *llm.ChatRequest, rules []Rule[P]) error {
	for _, rule := range rules {
		if err := rule(p, req); err != nil {
			return err
		}
	}
	return nil
}

// FindPart returns the first content part of req's messages that match reports,
// as messages[i].Parts[j], for a rule about content parts.
func FindPart(req *llm.ChatRequest, match func(m *llm.Message, p *llm.ContentPart) bool) (i, j int, ok bool) {
	for i := range req.Messages {
		m := &req.Messages[i]
		for j := range m.Parts {
			if match(m, &m.Parts[j]) {
				return i, j, true
			}
		}
	}
	return 0, 0, false
}

// NonText reports a part that is not text (for FindPart).
func NonText(_ *llm.Message, p *llm.ContentPart) bool { return p.Type != llm.PartText }
