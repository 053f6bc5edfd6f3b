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
