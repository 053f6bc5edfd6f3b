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
// and any other name it does not know is a 400 whose message is only
//
//	Model Not Exist
//
// (type and code invalid_request_error, param null). vendors.md does not quote
// the second; the mock vendor answers it, and so does the real API, as users'
// reports of it show word for word (github.com/langbot-app/LangBot/issues/1643,
// github.com/ConardLi/easy-dataset/issues/9, both for names such as "deepseek-r1"
// sent to api.deepseek.com). Both say what OpenAI's 404 model_not_found says: the
// vendor does not know the model. They are llm.ErrNotFound (param "model"), so
// that callers, fallback_on and the gateway (404 model_not_found) treat them as
// every vendor's unknown model.

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

// unknownModel reports whether msg is one of DeepSeek's answers to a model name
// it does not serve: "The supported API model names are …, but you passed
// <name>.", or "Model Not Exist".
func unknownModel(msg string) bool {
	if msg == "Model Not Exist" {
		return true
	}
	rest, ok := strings.CutPrefix(msg, "The supported API model names are ")
	return ok && strings.Contains(rest, ", but you passed ")
}
