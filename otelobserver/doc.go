// Package otelobserver exports what a harbor.Client does to OpenTelemetry: it
// is a harbor.Observer that makes one span per call and records the GenAI
// client metrics, following the OpenTelemetry semantic conventions for
// generative AI. harbor itself does not import OpenTelemetry; this package
// does (the API only: the SDK and the exporters are the program's choice), so
// only programs that want it pay for it.
//
// Wiring it to a Client (harbor.WithObserver is the core's observer option):
//
//	client := harbor.Must(harbor.New())
//	obs, err := otelobserver.New(otelobserver.Options{
//		Models: otelobserver.ModelIDs(client.Models()), // in the metrics, every other model is "other"
//	})
//	if err != nil { ... }
//	client = harbor.Must(harbor.New(harbor.WithObserver(obs)))
//
// With the zero Options the spans and metrics go to OpenTelemetry's global
// providers (otel.SetTracerProvider, otel.SetMeterProvider, set before or after
// New); Options.TracerProvider and Options.MeterProvider name others. The
// tracer and the meter are named ScopeName, versioned harbor.Version, with the
// schema URL of the semantic conventions v1.41.0.
//
// # Spans
//
// Each call is one span of kind CLIENT named "{gen_ai.operation.name}
// {gen_ai.request.model}" ("chat deepseek-v4-flash"). It starts at
// CallEvent.Start when harbor reports the call's EventStart and ends at
// Start+Latency when harbor reports its EventEnd, so it covers the whole
// logical call: the wait for an admission slot, every retry, and for a stream
// everything until it ended or was closed. A call answered from harbor's cache
// is a CLIENT span too (whether the cache will answer is not known when the
// span starts); harbor.cache tells it apart.
//
// The span is a child of the span in the context the caller passed to Create
// or Stream (CallEvent.Context); without one it is a root span. A call's
// EventEnd finds its span by CallEvent.CallID, so concurrent calls that look
// alike never end each other's span. Events without a CallID (0: made by hand,
// or from a core that does not set it) still make a span with the right times
// and attributes, made whole at EventEnd, but without a parent.
//
// Attributes, set when known:
//
//	gen_ai.operation.name                  CallEvent.Operation ("chat")
//	gen_ai.provider.name                   CallEvent.Provider: harbor's provider name ("deepseek")
//	gen_ai.request.model                   CallEvent.Model: the model sent to the vendor, after aliases and rewrites
//	gen_ai.request.stream                  a Stream call
//	gen_ai.usage.input_tokens              Usage.PromptTokens (not on cache hits)
//	gen_ai.usage.output_tokens             Usage.CompletionTokens, reasoning included (not on cache hits)
//	gen_ai.usage.cache_read.input_tokens   prompt tokens the vendor's own cache served, when reported
//	gen_ai.usage.reasoning.output_tokens   reasoning tokens, when reported
//	gen_ai.response.time_to_first_chunk    a stream's time to its first chunk, in seconds
//	error.type                             on failure: harbor.ErrorType of the error, one of harbor.ErrorTypes()
//	harbor.cache                           how the response cache took part: miss, hit, shared_hit, coalesced (absent when off)
//	harbor.attempts                        HTTP attempts made (0: answered without sending)
//	harbor.queue_wait                      seconds spent waiting for an admission slot, when any
//	harbor.cost_cny                        the call's price in CNY, when priced and not zero
//	harbor.request_id                      the vendor's request id, when it sent one
//
// Usage is left out of cache hits (hit, shared_hit, coalesced): their Usage is
// the stored answer's, not tokens this call used. It is kept on a failed call
// that reported it (a stream that broke after its usage chunk), which the
// token metric, counting successful calls, leaves out. A failed call's span has
// status Error with the error's message (harbor's errors carry no credentials
// or bodies); a stream the caller closed early is such a failure, with
// error.type "canceled". Other spans leave the status unset, as the
// conventions ask.
//
// Not set, because a CallEvent does not carry them: gen_ai.response.model and
// gen_ai.response.id (the model name and completion id in the vendor's answer;
// harbor.request_id is the vendor's HTTP request id, a different thing),
// gen_ai.response.finish_reasons and server.address. No prompt, answer or
// other content is ever recorded: an Observer never sees any.
//
// # Metrics
//
//	gen_ai.client.operation.duration             histogram  s         gen_ai.operation.name, gen_ai.provider.name, gen_ai.request.model, error.type
//	gen_ai.client.token.usage                    histogram  {token}   gen_ai.operation.name, gen_ai.provider.name, gen_ai.request.model, gen_ai.token.type
//	gen_ai.client.operation.time_to_first_chunk  histogram  s         gen_ai.operation.name, gen_ai.provider.name, gen_ai.request.model
//
// They count what package prommetrics's gen_ai_* metrics count, by the same
// rules:
//
//   - gen_ai.client.operation.duration: CallEvent.Latency of every call that
//     ended, failed or not, cache hits included. error.type only on failures.
//   - gen_ai.client.token.usage: the input and output tokens of each successful
//     call that reported usage, cache hits excepted (they used none of their
//     own).
//   - gen_ai.client.operation.time_to_first_chunk: once per stream, at its first
//     chunk; plain calls have none, as the conventions ask.
//
// The buckets are the conventions' advice: 0.01 s to 81.92 s doubling for the
// times, 1 to 67108864 times four for the tokens. A measurement made at a
// call's end carries the call's span as its context, so an SDK that keeps
// exemplars links it to the trace.
//
// The metrics' attribute values come from sets fixed when New returns, so the
// number of series is bounded whatever the calls name: gen_ai.provider.name is
// one of DefaultProviders or Options.Providers, gen_ai.request.model one of
// Options.Models (without it, every model is "other"), gen_ai.operation.name
// one of the conventions' inference operations ("chat", "text_completion",
// "generate_content", "embeddings"), error.type one of harbor.ErrorTypes();
// anything else is "other". The spans, one per call, carry the call's own
// names; only their error.type is bounded the same way.
//
// These are the names of the semantic conventions up to v1.41, the ones
// OpenTelemetry's SDKs ship (go.opentelemetry.io/otel/semconv/v1.41.0). The
// conventions' new home, the semantic-conventions-genai repository, renames
// the inference metrics gen_ai.client.inference.* from its v0.1.0 (still in
// development), which a later release may follow. gen_ai.provider.name is used
// rather than gen_ai.system, which the conventions deprecated for it;
// "deepseek" and "openai" are among their well-known values, harbor's other
// provider names are its own, as the conventions allow.
//
// # Overhead
//
// Observe runs on the calling goroutine of every call. Besides a short lock on
// one shard of the table of open spans it takes no lock of its own; it builds every metric
// attribute set once per (provider, model, operation, error type) and looks it
// up by index, and passes the span's start attributes precomputed when the
// call's names are in the metrics' sets. What remains is mostly the SDK's own
// cost of a span. A span the sampler drops is not kept at all.
package otelobserver
