package gateway_test

import (
	"context"
	"fmt"
	"log"
	"net/http"

	"github.com/harborai/harbor-go/gateway"
	"github.com/harborai/harbor-go/gateway/gatewaytest"
	"github.com/harborai/harbor-go/gateway/wire"
	"github.com/harborai/harbor-go/generated/harborapi"
	"github.com/harborai/harbor-go/harbor"
)

// A Go program calls a harbor gateway with the typed client generated from
// spec/harbor.yaml; its request and answer are harbor's own types. (Any OpenAI
// SDK works as well: see the README, "Run harbor as a gateway".)
func Example_client() {
	g, err := gatewaytest.New(gateway.Config{}) // a gateway on the mock vendors; harbor serve in production
	if err != nil {
		log.Fatal(err)
	}
	defer g.Close()

	auth := func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+g.Key) // a virtual key of the gateway
		return nil
	}
	client, err := harborapi.NewClientWithResponses(g.URL, harborapi.WithRequestEditorFn(auth))
	if err != nil {
		log.Fatal(err)
	}
	res, err := client.CreateChatCompletionWithResponse(context.Background(), nil, wire.ChatCompletionRequest{
		ChatRequest: harbor.ChatRequest{
			Model:    "deepseek-v4-flash",
			Messages: []harbor.Message{harbor.UserMessage("Hello")},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	if res.JSON200 == nil {
		log.Fatalf("%s: %s", res.Status(), res.Body)
	}
	fmt.Println(res.JSON200.Choices[0].Message.Content)

	models, err := client.ListModelsWithResponse(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(models.JSON200.Data) > 10)
	// Output:
	// Hello! You said: Hello
	// true
}

// Embedding the gateway in a program of your own: New, then ListenAndServe
// (or Serve, or mount the Server as an http.Handler) and Shutdown.
func ExampleNew() {
	cfg, err := gateway.ParseConfig([]byte(`
listen: 127.0.0.1:0
aliases: {fast: deepseek/deepseek-v4-flash}
log: {access: "off"}
`))
	if err != nil {
		log.Fatal(err)
	}
	cfg.Getenv = func(string) string { return "" } // no vendor keys here: calls would be 503 provider_not_configured
	srv, err := gateway.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	fmt.Println(srv.Addr())
	// Output: 127.0.0.1:0
}
