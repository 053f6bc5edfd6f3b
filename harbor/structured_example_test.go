package harbor_test

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/harborai/harbor-go/harbor"
)

// replayProvider stands in for a vendor in the examples below: it answers the
// n-th call with its n-th answer (the last one again after that).
type replayProvider struct {
	answers []string
	n       atomic.Int64
}

func (p *replayProvider) Name() string { return "replay" }

func (p *replayProvider) Chat(_ context.Context, req *harbor.ChatRequest, _ *harbor.CallOptions) (*harbor.ChatCompletion, error) {
	i := min(int(p.n.Add(1))-1, len(p.answers)-1)
	return &harbor.ChatCompletion{Model: req.Model, Choices: []harbor.Choice{{
		Message: harbor.AssistantMessage(p.answers[i]), FinishReason: harbor.FinishReasonStop}},
		Usage: harbor.Usage{PromptTokens: 200, CompletionTokens: 30, TotalTokens: 230}}, nil
}

func (p *replayProvider) ChatStream(context.Context, *harbor.ChatRequest, *harbor.CallOptions) (harbor.ChunkSource, error) {
	return nil, &harbor.Error{Kind: harbor.ErrInvalidRequest, Message: "replayProvider does not stream"}
}

// CreateJSON asks for an answer shaped as a Go type and returns it decoded. The
// stand-in vendor first answers the population as a string; CreateJSON shows it
// the validator's findings once, and the second answer fits.
func ExampleCreateJSON() {
	type City struct {
		Name       string `json:"name"`
		Province   string `json:"province" jsonschema:"the province, in pinyin"`
		Population int    `json:"population" jsonschema:"inhabitants of the city proper"`
	}
	vendor := &replayProvider{answers: []string{
		`{"name":"Hangzhou","province":"Zhejiang","population":"about 12 million"}`,
		`{"name":"Hangzhou","province":"Zhejiang","population":12000000}`,
	}}
	client := harbor.Must(harbor.New(harbor.WithProvider(harbor.Descriptor{
		Name: "replay", Prefixes: []string{"replay-"},
		JSONSchema: true, // takes response_format json_schema; false: CreateJSON emulates it
		New:        func(harbor.ProviderConfig) (harbor.Provider, error) { return vendor, nil },
	})))

	res, err := harbor.CreateJSON[City](context.Background(), client, &harbor.ChatRequest{
		Model:    "replay-1",
		Messages: []harbor.Message{harbor.UserMessage("Which city is West Lake in?")},
	})
	if err != nil {
		fmt.Println("error:", err) // a *JSONError inside if both answers were invalid
		return
	}
	fmt.Printf("%s, %s: %d\n", res.Value.Name, res.Value.Province, res.Value.Population)
	fmt.Println("repaired:", res.Repaired, "tokens:", res.Usage.TotalTokens)
	// Output:
	// Hangzhou, Zhejiang: 12000000
	// repaired: true tokens: 460
}

// SchemaFor shows the JSON Schema CreateJSON sends for a type: fields are
// required unless omitempty, and jsonschema tags become descriptions.
func ExampleSchemaFor() {
	type Ticket struct {
		Title    string   `json:"title" jsonschema:"one line"`
		Priority int      `json:"priority"`
		Labels   []string `json:"labels,omitempty"`
	}
	schema, err := harbor.SchemaFor[Ticket]()
	if err != nil {
		panic(err)
	}
	fmt.Println(string(schema))
	// Output:
	// {"type":"object","properties":{"title":{"type":"string","description":"one line"},"priority":{"type":"integer"},"labels":{"type":["null","array"],"items":{"type":"string"}}},"required":["title","priority"],"additionalProperties":false}
}
