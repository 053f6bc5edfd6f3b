package llm

// Fallback reports a call that went through a fallback chain
// (harbor.WithFallback): which of the chain's models answered, and the ones that
// failed before it.
type Fallback struct {
	// Chain is the chain's name; "" for a chain given per call.
	Chain string
	// Model is the chain's model that answered, as the chain names it.
	Model string
	// Failed are the models tried before Model, in order, with their errors
	// (a hedged model that lost the race is not among them: it was cancelled).
	Failed []FallbackAttempt
	// Hedged reports that the chain's second model was asked while the first
	// was still answering (harbor.WithHedging).
	Hedged bool
}

// FallbackAttempt is one model of a chain that failed.
type FallbackAttempt struct {
	Model     string // as the chain names it
	Provider  string // the provider it routed to, when known
	ErrorType string // the error's class, as harbor.ErrorType names it ("server", "timeout"…)
	Err       error
}
