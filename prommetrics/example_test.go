package prommetrics_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/harborai/harbor-go/conformance/harbortest"
	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/prommetrics"
)

// A Client whose calls are exported to Prometheus on /metrics. Here it talks to
// harbor's offline DeepSeek mock; a real one would use harbor.WithAPIKey.
func Example() {
	mock, err := harbortest.New(harbortest.DeepSeek)
	if err != nil {
		panic(err)
	}
	defer mock.Close()

	var client *harbor.Client
	var m *prommetrics.Metrics
	m, err = prommetrics.New(prommetrics.Options{
		Models:      []string{"deepseek-v4-flash"}, // typically prommetrics.ModelIDs(client.Models()); others are "other"
		QueueLength: func() float64 { return float64(client.QueueLength()) },
	})
	if err != nil {
		panic(err)
	}
	client, err = harbor.New(append(mock.Options(), harbor.WithObserver(m))...)
	if err != nil {
		panic(err)
	}
	defer client.Close()

	mux := http.NewServeMux()
	mux.Handle("/metrics", m.Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()

	mock.Enqueue(harbortest.RateLimited("")) // the first attempt gets a 429, which harbor retries
	req := &harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: []harbor.Message{harbor.UserMessage("hi")}}
	if _, err := client.Chat.Completions.Create(context.Background(), req); err != nil {
		panic(err)
	}

	res, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		panic(err)
	}
	defer res.Body.Close()
	lines := bufio.NewScanner(res.Body)
	for lines.Scan() {
		if l := lines.Text(); strings.HasPrefix(l, "harbor_requests_total") || strings.HasPrefix(l, "harbor_retries_total") ||
			strings.HasPrefix(l, "harbor_queue_length ") {
			fmt.Println(l)
		}
	}
	// Output:
	// harbor_queue_length 0
	// harbor_requests_total{error_type="",model="deepseek-v4-flash",operation="chat",provider="deepseek"} 1
	// harbor_retries_total{model="deepseek-v4-flash",provider="deepseek"} 1
}
