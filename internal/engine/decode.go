package engine

import (
	"encoding/json"
	"net/http"

	"github.com/harborai/harbor-go/internal/wire"
	"github.com/harborai/harbor-go/llm"
)

// Completions is a Spec.Decode: the fast decoder reads what it can (schema, and
// fast converts), anything else is read by encoding/json into the vendor's
// generated completion type C and converted by slow (see wire.DecodeCompletion).
func Completions[C any, PC wire.Generated[C]](schema func() *wire.ReplySchema, fast func(*wire.Reply) *llm.ChatCompletion,
	slow func(*C) *llm.ChatCompletion) func(provider, model string, resp *http.Response, refine Refiner, secrets ...string) (*llm.ChatCompletion, error) {
	return func(provider, model string, resp *http.Response, refine Refiner, secrets ...string) (*llm.ChatCompletion, error) {
		return wire.DecodeCompletion[C, PC](provider, model, resp, schema(), fast, slow, refine, secrets...)
	}
}

// Models is a Spec.Models: the body's "data" read into the vendor's generated
// model type M, each converted by model.
func Models[M any](model func(*M) llm.Model) func(body []byte) ([]llm.Model, error) {
	return func(body []byte) ([]llm.Model, error) {
		var list struct {
			Data []M `json:"data"`
		}
		if err := json.Unmarshal(body, &list); err != nil {
			return nil, err
		}
		out := make([]llm.Model, len(list.Data))
		for i := range list.Data {
			out[i] = model(&list.Data[i])
		}
		return out, nil
	}
}
