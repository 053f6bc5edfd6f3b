// Package prommetrics exports what a harbor.Client does to Prometheus: it is a
// harbor.Observer that counts every call's start, first chunk and end into
// client_golang metrics. harbor itself does not import Prometheus; this package
// does, so only programs that want it pay for it.
//
// Wiring it to a Client (harbor.WithObserver is the core's observer option):
//
//	client := harbor.Must(harbor.New())
//	m, err := prommetrics.New(prommetrics.Options{
//		Models: prommetrics.ModelIDs(client.Models()), // every other model is "other"
//	})
//	if err != nil { ... }
//	client = harbor.Must(harbor.New(harbor.WithObserver(m)))
//	http.Handle("/metrics", m.Handler())
//
// By default the metrics go to a registry of their own (Registry, served by
// Handler) that holds nothing else: add collectors.NewGoCollector() and
// collectors.NewProcessCollector to it for the runtime's metrics, or give
// Options.Registerer (prometheus.DefaultRegisterer, say) to share one.
//
// # Metrics
//
// The gen_ai_* metrics are the OpenTelemetry GenAI semantic conventions'
// client metrics (gen_ai.client.operation.duration, gen_ai.client.token.usage,
// gen_ai.client.operation.time_to_first_chunk) as an OpenTelemetry Prometheus
// exporter names them: dots become underscores, the unit "s" becomes the
// _seconds suffix, buckets are the conventions' advice. Their labels are the
// conventions' attributes, renamed the same way. These are the names of the
// semantic conventions up to v1.41, the ones OpenTelemetry's SDKs ship; the
// conventions' new home, the semantic-conventions-genai repository, renames the
// inference metrics gen_ai.client.inference.* from its v0.1.0 (still in
// development), which a later release of this package may follow.
//
//	gen_ai_client_operation_duration_seconds              histogram  gen_ai_provider_name, gen_ai_request_model, gen_ai_operation_name, error_type
//	gen_ai_client_token_usage                             histogram  gen_ai_provider_name, gen_ai_request_model, gen_ai_operation_name, gen_ai_token_type
//	gen_ai_client_operation_time_to_first_chunk_seconds   histogram  gen_ai_provider_name, gen_ai_request_model, gen_ai_operation_name
//	harbor_requests_total                                 counter    provider, model, operation, error_type
//	harbor_cache_requests_total                           counter    provider, model, result
//	harbor_retries_total                                  counter    provider, model
//	harbor_fallbacks_total                                counter    provider, model
//	harbor_hedges_total                                   counter    provider, model
//	harbor_circuit_state                                  gauge      provider, state (with Options.Circuits)
//	harbor_cost_cny_total                                 counter    provider, model
//	harbor_requests_in_flight                             gauge      provider
//	harbor_queue_length                                   gauge      (none; only with Options.QueueLength)
//
// What each one counts, and when:
//
//   - gen_ai_client_operation_duration_seconds: CallEvent.Latency of every call
//     that ended, failed or not, cache hits included (they are calls the caller
//     waited for; harbor_cache_requests_total tells them apart). Buckets 0.01 s
//     to 81.92 s, doubling.
//   - gen_ai_client_token_usage: the prompt tokens (gen_ai_token_type="input")
//     and completion tokens ("output", reasoning included) of each successful
//     call that reported usage. Cache hits and coalesced calls are not counted:
//     they used no tokens of their own, and the conventions measure tokens used
//     (billed). Failed calls are not counted either. Buckets 1 to 67108864,
//     times four.
//   - gen_ai_client_operation_time_to_first_chunk_seconds: a stream's
//     CallEvent.TimeToFirstChunk, once per stream, at EventFirstChunk. Plain
//     calls have no such observation, as the conventions ask.
//   - harbor_requests_total: one per ended call; error_type as above.
//   - harbor_cache_requests_total: one per ended call that went through the
//     response cache, result being harbor.CacheResult's name ("miss", "hit",
//     "shared_hit", "coalesced"); calls with the cache off are not counted.
//   - harbor_retries_total: the HTTP attempts beyond the first (Attempts-1).
//   - harbor_fallbacks_total: calls to a fallback chain's later model after an
//     earlier one failed (CallEvent.Fallback > 0), by the model asked.
//   - harbor_hedges_total: hedged calls (CallEvent.Hedged), by the model asked.
//   - harbor_cost_cny_total: CallEvent.Cost.Total, in CNY; unpriced models and
//     cache hits add nothing.
//   - harbor_requests_in_flight: up at EventStart, down at EventEnd, per
//     provider. It relies on the core's contract that every EventEnd follows
//     exactly one EventStart with the same Provider.
//   - harbor_queue_length: the value of Options.QueueLength at each scrape.
//
// # Labels
//
// The provider label (gen_ai_provider_name, provider) is harbor's provider name
// (CallEvent.Provider): one of DefaultProviders or Options.Providers, else
// "other". "deepseek" and "openai" are also the conventions' well-known values;
// the others are harbor's own names, as the conventions allow. The conventions'
// newer gen_ai.provider.name is used rather than gen_ai.system, which they
// deprecated in its favour.
//
// The model label (gen_ai_request_model, model) is the model harbor sent to the
// vendor (CallEvent.Model, after aliases and rewrites): one of Options.Models,
// else "other". Without Options.Models every model is "other".
//
// The operation label is CallEvent.Operation when it is one of the conventions'
// inference operations ("chat", "text_completion", "generate_content",
// "embeddings"), else "other".
//
// error_type is CallEvent.ErrorType (harbor.ErrorType of the error): one of
// harbor.ErrorTypes() on failure, the empty string on success. The conventions
// set error.type only on failures; Prometheus treats a label with an empty
// value as absent, so error_type="" is that absence, and a failure rate is
//
//	sum(rate(harbor_requests_total{error_type!=""}[5m])) / sum(rate(harbor_requests_total[5m]))
//
// A value outside harbor.ErrorTypes() is reported as "other".
//
// Every label value therefore comes from a fixed set known when New returns:
// the number of series is bounded, and no API key, prompt, request id or other
// string from a call can reach a label. Options.Models and Options.Providers are
// written as given, so they must not hold secrets either.
//
// # Overhead
//
// Observe is called on the calling goroutine of every call. Once a combination
// of labels has been seen, it takes no lock and allocates nothing: the metric
// children of each (provider, model, operation, error type) are looked up by
// index, not built from label strings.
package prommetrics
