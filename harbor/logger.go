package harbor

import (
	"context"
	"log/slog"
)

// WithLogger logs every call on l: one line when it ends — at Info for a
// success, at Warn for a failure — with provider, model, latency, time to first
// chunk, tokens, cost, attempts, cache result, fallback place, error class, trace
// id and vendor request id; and, at Debug, a line when it starts and when a
// stream's first chunk arrives. It never logs message content (prompts,
// answers) or keys: the lines are built from CallEvents, which hold neither.
// Error messages are logged as harbor builds them, scrubbed of keys.
func WithLogger(l *slog.Logger) Option {
	return clientOption(func(o *Options) { o.Logger = l })
}

// logObserver is WithLogger's observer.
type logObserver struct{ l *slog.Logger }

func (lo logObserver) Observe(e CallEvent) {
	ctx := e.Context
	if ctx == nil {
		ctx = context.Background()
	}
	level, msg := slog.LevelDebug, "harbor: call started"
	switch e.Kind {
	case EventFirstChunk:
		msg = "harbor: first chunk"
	case EventEnd:
		level, msg = slog.LevelInfo, "harbor: call"
		if e.Err != nil {
			level, msg = slog.LevelWarn, "harbor: call failed"
		}
	}
	if !lo.l.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 20)
	attrs = append(attrs, slog.String("provider", e.Provider), slog.String("model", e.Model),
		slog.Bool("stream", e.Stream), slog.String("trace_id", e.TraceID))
	if e.Chain != "" || e.Fallback > 0 {
		attrs = append(attrs, slog.String("chain", e.Chain), slog.Int("fallback", e.Fallback))
	}
	switch e.Kind {
	case EventFirstChunk:
		attrs = append(attrs, slog.Float64("ttfc_ms", ms(e.TimeToFirstChunk)))
	case EventEnd:
		attrs = append(attrs, slog.Float64("latency_ms", ms(e.Latency)))
		if e.Stream && e.TimeToFirstChunk > 0 {
			attrs = append(attrs, slog.Float64("ttfc_ms", ms(e.TimeToFirstChunk)))
		}
		if e.QueueWait > 0 {
			attrs = append(attrs, slog.Float64("queue_ms", ms(e.QueueWait)))
		}
		attrs = append(attrs, slog.Int("prompt_tokens", e.Usage.PromptTokens),
			slog.Int("completion_tokens", e.Usage.CompletionTokens), slog.Float64("cost_cny", e.Cost.Total),
			slog.Int("attempts", e.Attempts), slog.String("cache", e.Cache.String()))
		if e.RequestID != "" {
			attrs = append(attrs, slog.String("request_id", e.RequestID))
		}
		if e.Err != nil {
			attrs = append(attrs, slog.String("error_type", e.ErrorType), slog.String("error", e.Err.Error()))
		}
	}
	lo.l.LogAttrs(ctx, level, msg, attrs...)
}

func ms(d interface{ Seconds() float64 }) float64 { return d.Seconds() * 1000 }
