package conformance

import (
	"net/http"

	"github.com/harborai/harbor-go/llm"
	"github.com/harborai/harbor-go/providers/deepseek"
)

type deepseekProviderT = deepseek.Provider

func deepseekProvider(url string) (*deepseek.Provider, error) {
	return deepseek.New(llm.Config{APIKey: dsKey, BaseURL: url, HTTP: http.DefaultClient, Getenv: func(string) string { return "" }})
}
