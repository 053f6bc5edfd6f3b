package structured_test

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/harborai/harbor-go/conformance/harbortest"
	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/structured"
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

	res, err := structured.CreateJSON[City](context.Background(), client, &harbor.ChatRequest{
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
	schema, err := structured.SchemaFor[Ticket]()
	if err != nil {
		panic(err)
	}
	fmt.Println(string(schema))
	// Output:
	// {"type":"object","properties":{"title":{"type":"string","description":"one line"},"priority":{"type":"integer"},"labels":{"type":["null","array"],"items":{"type":"string"}}},"required":["title","priority"],"additionalProperties":false}
}

// The same typed call on four vendors, changing only the model name: Doubao and
// Qianfan v2 take the schema natively, DeepSeek and Wenxin v1 get it emulated.
// Offline: each vendor is harbor's mock, which answers an instance of the schema.
func ExampleCreateJSON_vendors() {
	type City struct {
		Name       string `json:"name"`
		Population int    `json:"population"`
	}
	var opts []harbor.Option
	for _, v := range []harbortest.Vendor{harbortest.DeepSeek, harbortest.Doubao, harbortest.Wenxin, harbortest.Qianfan} {
		m, err := harbortest.New(v)
		if err != nil {
			panic(err)
		}
		defer m.Close()
		opts = append(opts, m.Options()...)
	}
	client := harbor.Must(harbor.New(opts...))
	for _, model := range []string{"deepseek-v4-flash", "doubao-seed-1-6-251015", "ERNIE-Speed-8K", "ernie-speed-8k"} {
		res, err := structured.CreateJSON[City](context.Background(), client, &harbor.ChatRequest{
			Model: model, Messages: []harbor.Message{harbor.UserMessage("Beijing")}})
		if err != nil {
			panic(err)
		}
		fmt.Printf("%-24s native=%-5v %+v\n", model, res.Native, res.Value)
	}
	// Output:
	// deepseek-v4-flash        native=false {Name:Beijing Population:44}
	// doubao-seed-1-6-251015   native=true  {Name:Beijing Population:44}
	// ERNIE-Speed-8K           native=false {Name:Beijing Population:44}
	// ernie-speed-8k           native=true  {Name:Beijing Population:44}
}
