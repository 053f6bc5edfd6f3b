package prommetrics_test

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/prommetrics"
)

// Metrics for a Client's calls, served on /metrics. The Client would report its
// calls itself through harbor.New(harbor.WithObserver(m)); here two calls' events
// are fed by hand, as the Client reports them.
func Example() {
	client := harbor.Must(harbor.New())
	m, err := prommetrics.New(prommetrics.Options{
		Models: prommetrics.ModelIDs(client.Models()), // any other model is "other"
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", m.Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()

	// A call that succeeded after one retry, and one the vendor refused.
	ok := harbor.CallEvent{Kind: harbor.EventStart, Operation: "chat", Provider: "deepseek", Model: "deepseek-v4-flash"}
	m.Observe(ok)
	ok.Kind, ok.Latency, ok.Attempts = harbor.EventEnd, 800*time.Millisecond, 2
	ok.Usage = harbor.Usage{PromptTokens: 12, CompletionTokens: 30, TotalTokens: 42}
	ok.Cost = harbor.Cost{Total: 0.0001}
	m.Observe(ok)

	failed := harbor.CallEvent{Kind: harbor.EventStart, Operation: "chat", Provider: "doubao", Model: "my-endpoint-id"}
	m.Observe(failed)
	failed.Kind, failed.Latency, failed.Attempts = harbor.EventEnd, 90*time.Millisecond, 1
	failed.Err = &harbor.Error{Provider: "doubao", Kind: harbor.ErrAuthentication, Message: "bad key"}
	failed.ErrorType = harbor.ErrorType(failed.Err)
	m.Observe(failed)

	res, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		panic(err)
	}
	defer res.Body.Close()
	lines := bufio.NewScanner(res.Body)
	for lines.Scan() {
		if l := lines.Text(); strings.HasPrefix(l, "harbor_requests_total") || strings.HasPrefix(l, "harbor_retries_total") ||
			strings.HasPrefix(l, "gen_ai_client_token_usage_sum") {
			fmt.Println(l)
		}
	}
	// Output:
	// gen_ai_client_token_usage_sum{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",gen_ai_token_type="input"} 12
	// gen_ai_client_token_usage_sum{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash",gen_ai_token_type="output"} 30
	// harbor_requests_total{error_type="",model="deepseek-v4-flash",operation="chat",provider="deepseek"} 1
	// harbor_requests_total{error_type="authentication",model="other",operation="chat",provider="doubao"} 1
	// harbor_retries_total{model="deepseek-v4-flash",provider="deepseek"} 1
}
