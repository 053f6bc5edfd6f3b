package prommetrics_test

import (
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/prommetrics"
	"github.com/harborai/harbor-go/providers/deepseek"
	"github.com/harborai/harbor-go/providers/doubao"
	"github.com/harborai/harbor-go/providers/openaicompat"
	"github.com/harborai/harbor-go/providers/qianfan"
	"github.com/harborai/harbor-go/providers/wenxin"
)

// events are what the core reports for a few calls: a stream that succeeds with
// usage and cost after a retry, a plain call that fails, a cache hit.
func streamCall(model string) []harbor.CallEvent {
	start := harbor.CallEvent{Kind: harbor.EventStart, Operation: "chat", Stream: true, Provider: "deepseek", Model: model}
	first := start
	first.Kind, first.TimeToFirstChunk = harbor.EventFirstChunk, 150*time.Millisecond
	end := first
	end.Kind = harbor.EventEnd
	end.Latency = 1500 * time.Millisecond
	end.Usage = harbor.Usage{PromptTokens: 100, CompletionTokens: 20, TotalTokens: 120}
	end.Cost = harbor.Cost{Input: 0.0002, Output: 0.00004, Total: 0.00024}
	end.Attempts = 2
	end.Cache = harbor.CacheMiss
	end.RequestID = "req-secret-id"
	return []harbor.CallEvent{start, first, end}
}

func failedCall(model string) []harbor.CallEvent {
	start := harbor.CallEvent{Kind: harbor.EventStart, Operation: "chat", Provider: "deepseek", Model: model}
	end := start
	end.Kind = harbor.EventEnd
	end.Latency = 30 * time.Millisecond
	end.Attempts = 3
	end.Err = &harbor.Error{Provider: "deepseek", Kind: harbor.ErrRateLimited, Message: "slow down"}
	end.ErrorType = harbor.ErrorType(end.Err)
	return []harbor.CallEvent{start, end}
}

func cacheHit(model string) []harbor.CallEvent {
	start := harbor.CallEvent{Kind: harbor.EventStart, Operation: "chat", Provider: "deepseek", Model: model}
	end := start
	end.Kind = harbor.EventEnd
	end.Latency = 200 * time.Microsecond
	end.Usage = harbor.Usage{PromptTokens: 100, CompletionTokens: 20, TotalTokens: 120} // the stored answer's
	end.Cache = harbor.CacheHit
	return []harbor.CallEvent{start, end}
}

func observe(m *prommetrics.Metrics, calls ...[]harbor.CallEvent) {
	for _, c := range calls {
		for _, e := range c {
			m.Observe(e)
		}
	}
}

func TestObserve(t *testing.T) {
	m, err := prommetrics.New(prommetrics.Options{Models: []string{"deepseek-v4-flash"}})
	require.NoError(t, err)
	observe(m, streamCall("deepseek-v4-flash"), failedCall("deepseek-v4-flash"), cacheHit("deepseek-v4-flash"))

	const want = `
# HELP gen_ai_client_operation_duration_seconds GenAI operation duration (OpenTelemetry gen_ai.client.operation.duration): the whole call, cache hits included.
# TYPE gen_ai_client_operation_duration_seconds histogram
gen_ai_client_operation_duration_seconds_bucket{error_type="",gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="0.01"} 1
gen_ai_client_operation_duration_seconds_bucket{error_type="",gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="0.02"} 1
gen_ai_client_operation_duration_seconds_bucket{error_type="",gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="0.04"} 1
gen_ai_client_operation_duration_seconds_bucket{error_type="",gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="0.08"} 1
gen_ai_client_operation_duration_seconds_bucket{error_type="",gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="0.16"} 1
gen_ai_client_operation_duration_seconds_bucket{error_type="",gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="0.32"} 1
gen_ai_client_operation_duration_seconds_bucket{error_type="",gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="0.64"} 1
gen_ai_client_operation_duration_seconds_bucket{error_type="",gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="1.28"} 1
gen_ai_client_operation_duration_seconds_bucket{error_type="",gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="2.56"} 2
gen_ai_client_operation_duration_seconds_bucket{error_type="",gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="5.12"} 2
gen_ai_client_operation_duration_seconds_bucket{error_type="",gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="10.24"} 2
gen_ai_client_operation_duration_seconds_bucket{error_type="",gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="20.48"} 2
gen_ai_client_operation_duration_seconds_bucket{error_type="",gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="40.96"} 2
gen_ai_client_operation_duration_seconds_bucket{error_type="",gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="81.92"} 2
gen_ai_client_operation_duration_seconds_bucket{error_type="",gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="+Inf"} 2
gen_ai_client_operation_duration_seconds_sum{error_type="",gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash"} 1.5002
gen_ai_client_operation_duration_seconds_count{error_type="",gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash"} 2
gen_ai_client_operation_duration_seconds_bucket{error_type="rate_limited",gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="0.01"} 0
gen_ai_client_operation_duration_seconds_bucket{error_type="rate_limited",gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="0.02"} 0
gen_ai_client_operation_duration_seconds_bucket{error_type="rate_limited",gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="0.04"} 1
gen_ai_client_operation_duration_seconds_bucket{error_type="rate_limited",gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="0.08"} 1
gen_ai_client_operation_duration_seconds_bucket{error_type="rate_limited",gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="0.16"} 1
gen_ai_client_operation_duration_seconds_bucket{error_type="rate_limited",gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="0.32"} 1
gen_ai_client_operation_duration_seconds_bucket{error_type="rate_limited",gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="0.64"} 1
gen_ai_client_operation_duration_seconds_bucket{error_type="rate_limited",gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="1.28"} 1
gen_ai_client_operation_duration_seconds_bucket{error_type="rate_limited",gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="2.56"} 1
gen_ai_client_operation_duration_seconds_bucket{error_type="rate_limited",gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="5.12"} 1
gen_ai_client_operation_duration_seconds_bucket{error_type="rate_limited",gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="10.24"} 1
gen_ai_client_operation_duration_seconds_bucket{error_type="rate_limited",gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="20.48"} 1
gen_ai_client_operation_duration_seconds_bucket{error_type="rate_limited",gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="40.96"} 1
gen_ai_client_operation_duration_seconds_bucket{error_type="rate_limited",gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="81.92"} 1
gen_ai_client_operation_duration_seconds_bucket{error_type="rate_limited",gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="+Inf"} 1
gen_ai_client_operation_duration_seconds_sum{error_type="rate_limited",gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash"} 0.03
gen_ai_client_operation_duration_seconds_count{error_type="rate_limited",gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash"} 1
# HELP gen_ai_client_operation_time_to_first_chunk_seconds Time from the start of a stream to its first chunk (OpenTelemetry gen_ai.client.operation.time_to_first_chunk).
# TYPE gen_ai_client_operation_time_to_first_chunk_seconds histogram
gen_ai_client_operation_time_to_first_chunk_seconds_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="0.01"} 0
gen_ai_client_operation_time_to_first_chunk_seconds_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="0.02"} 0
gen_ai_client_operation_time_to_first_chunk_seconds_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="0.04"} 0
gen_ai_client_operation_time_to_first_chunk_seconds_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="0.08"} 0
gen_ai_client_operation_time_to_first_chunk_seconds_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="0.16"} 1
gen_ai_client_operation_time_to_first_chunk_seconds_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="0.32"} 1
gen_ai_client_operation_time_to_first_chunk_seconds_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="0.64"} 1
gen_ai_client_operation_time_to_first_chunk_seconds_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="1.28"} 1
gen_ai_client_operation_time_to_first_chunk_seconds_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="2.56"} 1
gen_ai_client_operation_time_to_first_chunk_seconds_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="5.12"} 1
gen_ai_client_operation_time_to_first_chunk_seconds_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="10.24"} 1
gen_ai_client_operation_time_to_first_chunk_seconds_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="20.48"} 1
gen_ai_client_operation_time_to_first_chunk_seconds_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="40.96"} 1
gen_ai_client_operation_time_to_first_chunk_seconds_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="81.92"} 1
gen_ai_client_operation_time_to_first_chunk_seconds_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",le="+Inf"} 1
gen_ai_client_operation_time_to_first_chunk_seconds_sum{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash"} 0.15
gen_ai_client_operation_time_to_first_chunk_seconds_count{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash"} 1
# HELP gen_ai_client_token_usage Input and output tokens used by successful calls (OpenTelemetry gen_ai.client.token.usage); cache hits used none.
# TYPE gen_ai_client_token_usage histogram
gen_ai_client_token_usage_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",gen_ai_token_type="input",le="1"} 0
gen_ai_client_token_usage_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",gen_ai_token_type="input",le="4"} 0
gen_ai_client_token_usage_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",gen_ai_token_type="input",le="16"} 0
gen_ai_client_token_usage_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",gen_ai_token_type="input",le="64"} 0
gen_ai_client_token_usage_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",gen_ai_token_type="input",le="256"} 1
gen_ai_client_token_usage_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",gen_ai_token_type="input",le="1024"} 1
gen_ai_client_token_usage_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",gen_ai_token_type="input",le="4096"} 1
gen_ai_client_token_usage_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",gen_ai_token_type="input",le="16384"} 1
gen_ai_client_token_usage_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",gen_ai_token_type="input",le="65536"} 1
gen_ai_client_token_usage_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",gen_ai_token_type="input",le="262144"} 1
gen_ai_client_token_usage_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",gen_ai_token_type="input",le="1.048576e+06"} 1
gen_ai_client_token_usage_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",gen_ai_token_type="input",le="4.194304e+06"} 1
gen_ai_client_token_usage_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",gen_ai_token_type="input",le="1.6777216e+07"} 1
gen_ai_client_token_usage_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",gen_ai_token_type="input",le="6.7108864e+07"} 1
gen_ai_client_token_usage_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",gen_ai_token_type="input",le="+Inf"} 1
gen_ai_client_token_usage_sum{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",gen_ai_token_type="input"} 100
gen_ai_client_token_usage_count{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",gen_ai_token_type="input"} 1
gen_ai_client_token_usage_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",gen_ai_token_type="output",le="1"} 0
gen_ai_client_token_usage_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",gen_ai_token_type="output",le="4"} 0
gen_ai_client_token_usage_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",gen_ai_token_type="output",le="16"} 0
gen_ai_client_token_usage_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",gen_ai_token_type="output",le="64"} 1
gen_ai_client_token_usage_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",gen_ai_token_type="output",le="256"} 1
gen_ai_client_token_usage_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",gen_ai_token_type="output",le="1024"} 1
gen_ai_client_token_usage_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",gen_ai_token_type="output",le="4096"} 1
gen_ai_client_token_usage_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",gen_ai_token_type="output",le="16384"} 1
gen_ai_client_token_usage_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",gen_ai_token_type="output",le="65536"} 1
gen_ai_client_token_usage_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",gen_ai_token_type="output",le="262144"} 1
gen_ai_client_token_usage_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",gen_ai_token_type="output",le="1.048576e+06"} 1
gen_ai_client_token_usage_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",gen_ai_token_type="output",le="4.194304e+06"} 1
gen_ai_client_token_usage_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",gen_ai_token_type="output",le="1.6777216e+07"} 1
gen_ai_client_token_usage_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",gen_ai_token_type="output",le="6.7108864e+07"} 1
gen_ai_client_token_usage_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",gen_ai_token_type="output",le="+Inf"} 1
gen_ai_client_token_usage_sum{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",gen_ai_token_type="output"} 20
gen_ai_client_token_usage_count{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",gen_ai_token_type="output"} 1
# HELP harbor_cache_requests_total Calls that went through the response cache, by result (miss, hit, shared_hit, coalesced).
# TYPE harbor_cache_requests_total counter
harbor_cache_requests_total{model="deepseek-v4-flash",provider="deepseek",result="hit"} 1
harbor_cache_requests_total{model="deepseek-v4-flash",provider="deepseek",result="miss"} 1
# HELP harbor_cost_cny_total What the calls cost, in CNY, at harbor's prices.
# TYPE harbor_cost_cny_total counter
harbor_cost_cny_total{model="deepseek-v4-flash",provider="deepseek"} 0.00024
# HELP harbor_requests_total Calls that ended, by error type (empty on success).
# TYPE harbor_requests_total counter
harbor_requests_total{error_type="",model="deepseek-v4-flash",operation="chat",provider="deepseek"} 2
harbor_requests_total{error_type="rate_limited",model="deepseek-v4-flash",operation="chat",provider="deepseek"} 1
# HELP harbor_retries_total HTTP attempts beyond each call's first.
# TYPE harbor_retries_total counter
harbor_retries_total{model="deepseek-v4-flash",provider="deepseek"} 3
`
	require.NoError(t, testutil.CollectAndCompare(m, strings.NewReader(want),
		"gen_ai_client_operation_duration_seconds", "gen_ai_client_operation_time_to_first_chunk_seconds",
		"gen_ai_client_token_usage", "harbor_cache_requests_total", "harbor_cost_cny_total",
		"harbor_requests_total", "harbor_retries_total"))

	// Every call ended: nothing in flight, for any provider.
	for _, p := range append(prommetrics.DefaultProviders, prommetrics.Other) {
		v, ok := value(t, m.Registry(), "harbor_requests_in_flight", "provider", p)
		assert.True(t, ok, p)
		assert.Zero(t, v, p)
	}
	// No queue gauge without Options.QueueLength.
	n, err := testutil.GatherAndCount(m.Registry(), "harbor_queue_length")
	require.NoError(t, err)
	assert.Zero(t, n)
}

// value returns the value of the counter or gauge series of family name whose
// labels include labelPairs (name, value, name, value…), or for a histogram its
// sample count; ok is false when there is no such series.
func value(t *testing.T, g prometheus.Gatherer, name string, labelPairs ...string) (v float64, ok bool) {
	t.Helper()
	families, err := g.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	series:
		for _, s := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range s.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			for i := 0; i+1 < len(labelPairs); i += 2 {
				if got, ok := labels[labelPairs[i]]; !ok || got != labelPairs[i+1] {
					continue series
				}
			}
			switch {
			case s.Counter != nil:
				return s.Counter.GetValue(), true
			case s.Gauge != nil:
				return s.Gauge.GetValue(), true
			case s.Histogram != nil:
				return float64(s.Histogram.GetSampleCount()), true
			}
		}
	}
	return 0, false
}

func TestUnknownNamesCollapseToOther(t *testing.T) {
	m, err := prommetrics.New(prommetrics.Options{
		Models:    []string{"deepseek-v4-flash", "acme-1"},
		Providers: []string{"acme"},
	})
	require.NoError(t, err)
	observe(m, streamCall("deepseek-v4-pro"), failedCall("my-finetune-2024"))
	for _, e := range []harbor.CallEvent{
		{Kind: harbor.EventStart, Operation: "chat", Provider: "acme", Model: "acme-1"},
		{Kind: harbor.EventEnd, Operation: "chat", Provider: "acme", Model: "acme-1"},
		{Kind: harbor.EventStart, Operation: "chat", Provider: "elsewhere", Model: "acme-1"},
		{Kind: harbor.EventEnd, Operation: "rerank", Provider: "elsewhere", Model: "acme-1"},
	} {
		m.Observe(e)
	}

	reg := m.Registry()
	v, _ := value(t, reg, "harbor_requests_total", "provider", "deepseek", "model", "other", "error_type", "")
	assert.Equal(t, 1.0, v, "deepseek-v4-pro is not in Options.Models")
	v, _ = value(t, reg, "harbor_requests_total", "provider", "deepseek", "model", "other", "error_type", "rate_limited")
	assert.Equal(t, 1.0, v)
	v, _ = value(t, reg, "gen_ai_client_operation_time_to_first_chunk_seconds", "gen_ai_provider_name", "deepseek", "gen_ai_request_model", "other")
	assert.Equal(t, 1.0, v)
	v, _ = value(t, reg, "harbor_requests_total", "provider", "acme", "model", "acme-1", "operation", "chat")
	assert.Equal(t, 1.0, v, "acme is in Options.Providers")
	v, _ = value(t, reg, "harbor_requests_total", "provider", "other", "model", "acme-1", "operation", "other")
	assert.Equal(t, 1.0, v, "an unknown provider and operation")
	v, _ = value(t, reg, "harbor_requests_in_flight", "provider", "other")
	assert.Zero(t, v)

	_, ok := value(t, reg, "harbor_requests_total", "model", "deepseek-v4-pro")
	assert.False(t, ok)
	_, ok = value(t, reg, "harbor_requests_total", "model", "my-finetune-2024")
	assert.False(t, ok)
}

func TestErrorType(t *testing.T) {
	m, err := prommetrics.New(prommetrics.Options{})
	require.NoError(t, err)
	end := func(et string, err error) {
		m.Observe(harbor.CallEvent{Kind: harbor.EventEnd, Operation: "chat", Provider: "doubao", Model: "x", ErrorType: et, Err: err})
	}
	for _, et := range harbor.ErrorTypes() {
		end(et, errors.New(et))
	}
	end("", &harbor.Error{Kind: harbor.ErrTimeout}) // ErrorType left empty: Observe works it out
	end("sk-0123456789abcdef", errors.New("not a harbor error type"))
	end("", nil)

	for _, et := range harbor.ErrorTypes() {
		v, ok := value(t, m.Registry(), "harbor_requests_total", "error_type", et)
		require.True(t, ok, et)
		want := 1.0
		switch et {
		case "timeout":
			want = 2
		case "other":
			want = 2
		}
		assert.Equal(t, want, v, et)
	}
	v, _ := value(t, m.Registry(), "harbor_requests_total", "error_type", "")
	assert.Equal(t, 1.0, v)
	v, _ = value(t, m.Registry(), "gen_ai_client_operation_duration_seconds", "error_type", "other")
	assert.Equal(t, 2.0, v)
}

// Nothing a call carries (its request id, an error message, a made-up error
// type, an unknown model or provider) reaches the exposition.
func TestNoCallStringsInLabels(t *testing.T) {
	const secret = "sk-live-0123456789abcdef"
	m, err := prommetrics.New(prommetrics.Options{Models: []string{"deepseek-v4-flash"}})
	require.NoError(t, err)
	for _, e := range []harbor.CallEvent{
		{Kind: harbor.EventStart, Operation: secret, Provider: secret, Model: secret},
		{Kind: harbor.EventFirstChunk, Operation: secret, Provider: secret, Model: secret, Stream: true},
		{Kind: harbor.EventEnd, Operation: secret, Provider: secret, Model: secret, ErrorType: secret, RequestID: secret,
			Err: errors.New(secret), Attempts: 2, Cost: harbor.Cost{Total: 1}, Cache: harbor.CacheMiss},
		{Kind: harbor.EventEnd, Operation: "chat", Provider: "deepseek", Model: "deepseek-v4-flash", RequestID: secret,
			Usage: harbor.Usage{PromptTokens: 1, CompletionTokens: 1}},
	} {
		m.Observe(e)
	}
	body := scrape(t, m.Handler())
	assert.NotContains(t, body, secret)
	assert.Contains(t, body, `harbor_requests_total{error_type="other",model="other",operation="other",provider="other"} 1`)
}

func TestCacheHitUsesNoTokens(t *testing.T) {
	m, err := prommetrics.New(prommetrics.Options{Models: []string{"m"}})
	require.NoError(t, err)
	for _, r := range []harbor.CacheResult{harbor.CacheHit, harbor.CacheSharedHit, harbor.CacheCoalesced, harbor.CacheOff} {
		m.Observe(harbor.CallEvent{Kind: harbor.EventEnd, Operation: "chat", Provider: "qianfan", Model: "m", Cache: r,
			Usage: harbor.Usage{PromptTokens: 7, CompletionTokens: 3}})
	}
	v, _ := value(t, m.Registry(), "gen_ai_client_token_usage", "gen_ai_token_type", "input")
	assert.Equal(t, 1.0, v, "only the call with the cache off used tokens")
	for _, r := range []string{"hit", "shared_hit", "coalesced"} {
		v, _ := value(t, m.Registry(), "harbor_cache_requests_total", "result", r)
		assert.Equal(t, 1.0, v, r)
	}
	_, ok := value(t, m.Registry(), "harbor_cache_requests_total", "result", "off")
	assert.False(t, ok, "calls with the cache off are not cache requests")
	v, _ = value(t, m.Registry(), "harbor_requests_total", "model", "m")
	assert.Equal(t, 4.0, v)
}

func TestNoTokensWithoutUsage(t *testing.T) {
	m, err := prommetrics.New(prommetrics.Options{})
	require.NoError(t, err)
	m.Observe(harbor.CallEvent{Kind: harbor.EventEnd, Operation: "chat", Provider: "wenxin", Model: "m"})
	m.Observe(harbor.CallEvent{Kind: harbor.EventEnd, Operation: "chat", Provider: "wenxin", Model: "m", ErrorType: "server",
		Usage: harbor.Usage{PromptTokens: 5}})
	n, err := testutil.GatherAndCount(m.Registry(), "gen_ai_client_token_usage")
	require.NoError(t, err)
	assert.Zero(t, n)
}

func TestCostIgnoresNonsense(t *testing.T) {
	m, err := prommetrics.New(prommetrics.Options{})
	require.NoError(t, err)
	for _, c := range []float64{-1, math.NaN(), math.Inf(1), 0, 0.5} {
		m.Observe(harbor.CallEvent{Kind: harbor.EventEnd, Operation: "chat", Provider: "openai", Model: "gpt-x", Cost: harbor.Cost{Total: c}})
	}
	v, _ := value(t, m.Registry(), "harbor_cost_cny_total", "provider", "openai")
	assert.Equal(t, 0.5, v)
}

func TestInFlight(t *testing.T) {
	m, err := prommetrics.New(prommetrics.Options{})
	require.NoError(t, err)
	start := harbor.CallEvent{Kind: harbor.EventStart, Operation: "chat", Provider: "doubao", Model: "m"}
	m.Observe(start)
	m.Observe(start)
	v, _ := value(t, m.Registry(), "harbor_requests_in_flight", "provider", "doubao")
	assert.Equal(t, 2.0, v)
	end := start
	end.Kind = harbor.EventEnd
	m.Observe(end)
	v, _ = value(t, m.Registry(), "harbor_requests_in_flight", "provider", "doubao")
	assert.Equal(t, 1.0, v)
}

func TestQueueLength(t *testing.T) {
	var mu sync.Mutex
	queued := 3.0
	m, err := prommetrics.New(prommetrics.Options{QueueLength: func() float64 { mu.Lock(); defer mu.Unlock(); return queued }})
	require.NoError(t, err)
	v, ok := value(t, m.Registry(), "harbor_queue_length")
	require.True(t, ok)
	assert.Equal(t, 3.0, v)
	mu.Lock()
	queued = 0
	mu.Unlock()
	v, _ = value(t, m.Registry(), "harbor_queue_length")
	assert.Zero(t, v)
}

func TestRegisterer(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m, err := prommetrics.New(prommetrics.Options{Registerer: reg})
	require.NoError(t, err)
	assert.Nil(t, m.Registry(), "Registry is only the one New made")
	m.Observe(harbor.CallEvent{Kind: harbor.EventEnd, Operation: "chat", Provider: "deepseek", Model: "x"})
	v, _ := value(t, reg, "harbor_requests_total")
	assert.Equal(t, 1.0, v)
	assert.Contains(t, scrape(t, m.Handler()), "harbor_requests_total")

	_, err = prommetrics.New(prommetrics.Options{Registerer: reg})
	var already prometheus.AlreadyRegisteredError
	assert.ErrorAs(t, err, &already, "a second Metrics in the same registry")

	// A Registerer that cannot gather: Handler serves this Metrics alone.
	m, err = prommetrics.New(prommetrics.Options{Registerer: registerOnly{prometheus.NewRegistry()}})
	require.NoError(t, err)
	m.Observe(harbor.CallEvent{Kind: harbor.EventEnd, Operation: "chat", Provider: "deepseek", Model: "x"})
	assert.Contains(t, scrape(t, m.Handler()), `harbor_requests_total{error_type="",model="other",operation="chat",provider="deepseek"} 1`)
}

type registerOnly struct{ r *prometheus.Registry }

func (r registerOnly) Register(c prometheus.Collector) error   { return r.r.Register(c) }
func (r registerOnly) MustRegister(cs ...prometheus.Collector) { r.r.MustRegister(cs...) }
func (r registerOnly) Unregister(c prometheus.Collector) bool  { return r.r.Unregister(c) }

func TestOptionsValidation(t *testing.T) {
	for _, opts := range []prommetrics.Options{
		{Models: []string{"ok", ""}},
		{Models: []string{"bad\xff"}},
		{Providers: []string{""}},
	} {
		_, err := prommetrics.New(opts)
		assert.Error(t, err, "%q", opts)
	}
}

// DefaultProviders are the built-in providers' names.
func TestDefaultProviders(t *testing.T) {
	assert.ElementsMatch(t, []string{deepseek.Name, doubao.Name, wenxin.Name, qianfan.Name, openaicompat.Name}, prommetrics.DefaultProviders)
}

func TestModelIDs(t *testing.T) {
	client, err := harbor.New(harbor.WithAlias("fast", "deepseek-v4-flash"))
	require.NoError(t, err)
	ids := prommetrics.ModelIDs(client.Models())
	assert.Contains(t, ids, "deepseek-v4-flash")
	assert.Contains(t, ids, "gpt-4o")
	assert.Contains(t, ids, "fast")
	assert.NotContains(t, ids, "deepseek/deepseek-v4-flash", "an alias's target is the model, without its provider")

	// Every model a routed call sends is known.
	for _, name := range []string{"deepseek-reasoner", "fast", "ernie-4.0-8k"} {
		r, err := client.Route(name)
		require.NoError(t, err)
		assert.Contains(t, ids, r.Model, name)
	}
}

func TestObserveConcurrently(t *testing.T) {
	m, err := prommetrics.New(prommetrics.Options{Models: []string{"deepseek-v4-flash"}})
	require.NoError(t, err)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				observe(m, streamCall("deepseek-v4-flash"), failedCall("deepseek-v4-flash"), cacheHit("other-model"))
				scrape(t, m.Handler())
			}
		})
	}
	wg.Wait()
	v, _ := value(t, m.Registry(), "harbor_requests_total", "model", "deepseek-v4-flash", "error_type", "")
	assert.Equal(t, 800.0, v)
	v, _ = value(t, m.Registry(), "harbor_retries_total", "model", "deepseek-v4-flash")
	assert.Equal(t, 2400.0, v)
	v, _ = value(t, m.Registry(), "harbor_requests_in_flight", "provider", "deepseek")
	assert.Zero(t, v)
}

// scrape GETs h the way Prometheus does and returns the text exposition.
func scrape(t *testing.T, h http.Handler) string {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	h.ServeHTTP(rec, req)
	res := rec.Result()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode, string(body))
	return string(body)
}

// Fallback and hedged calls are counted by the model that was asked.
func TestFallbacksAndHedges(t *testing.T) {
	m, err := prommetrics.New(prommetrics.Options{Models: []string{"doubao-seed-1-6-flash-250828"}})
	require.NoError(t, err)
	for _, e := range []harbor.CallEvent{
		{Kind: harbor.EventStart, Operation: "chat", Provider: "doubao", Model: "doubao-seed-1-6-flash-250828", Fallback: 1},
		{Kind: harbor.EventEnd, Operation: "chat", Provider: "doubao", Model: "doubao-seed-1-6-flash-250828", Fallback: 1},
		{Kind: harbor.EventStart, Operation: "chat", Provider: "doubao", Model: "doubao-seed-1-6-flash-250828", Fallback: 1, Hedged: true},
		{Kind: harbor.EventEnd, Operation: "chat", Provider: "doubao", Model: "doubao-seed-1-6-flash-250828", Fallback: 1, Hedged: true},
	} {
		m.Observe(e)
	}
	body := scrape(t, m.Handler())
	assert.Contains(t, body, `harbor_fallbacks_total{model="doubao-seed-1-6-flash-250828",provider="doubao"} 1`)
	assert.Contains(t, body, `harbor_hedges_total{model="doubao-seed-1-6-flash-250828",provider="doubao"} 1`)
}

// The circuit breakers' states are a state set per provider.
func TestCircuitStates(t *testing.T) {
	states := map[string]string{"deepseek": harbor.CircuitOpen, "doubao": harbor.CircuitClosed}
	m, err := prommetrics.New(prommetrics.Options{Circuits: func() map[string]string { return states }})
	require.NoError(t, err)
	body := scrape(t, m.Handler())
	assert.Contains(t, body, `harbor_circuit_state{provider="deepseek",state="open"} 1`)
	assert.Contains(t, body, `harbor_circuit_state{provider="deepseek",state="closed"} 0`)
	assert.Contains(t, body, `harbor_circuit_state{provider="doubao",state="closed"} 1`)
}
