package deepseek

import (
	"net/http"
	"strings"

	"github.com/harborai/harbor-go/llm"
)

// DeepSeek's error body is OpenAI's shape, so vendorerr.Status decodes it and its
// status classifies it. One answer needs more (shared/vendors.md §1): a model name
// DeepSeek does not serve — its retired deepseek-chat and deepseek-reasoner, sent
// as they are when Options.LegacyAliases turns the rewriting off — is a 400
//
//	The supported API model names are deepseek-v4-pro or deepseek-v4-flash, but you passed deepseek-chat.
//
// which says what OpenAI's 404 model_not_found says: the vendor does not know the
// model. It is llm.ErrNotFound (param "model"), so that callers, fallback_on and
// the gateway (404 model_not_found) treat it as every vendor's unknown model.
// Other answers to an unknown name are not in vendors.md and keep their status's
// class.

// refine is the engine's Refiner: the documented unknown-model answer becomes
// llm.ErrNotFound.
func refine(e *llm.Error, _ []byte) *llm.Error {
	if e.StatusCode == http.StatusBadRequest && unknownModel(e.Message) {
		e.Kind, e.Transient = llm.ErrNotFound, false
		if e.Param == "" {
			e.Param = "model"
		}
	}
	return e
}

// unknownModel reports whether msg is DeepSeek's answer to a model name it does
// not serve: "The supported API model names are …, but you passed <name>."
func unknownModel(msg string) bool {
	rest, ok := strings.CutPrefix(msg, "The supported API model names are ")
	return ok && strings.Contains(rest, ", but you passed ")
}
