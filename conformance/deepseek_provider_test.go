package conformance

import (
	"net/http"

	"github.com/harborai/harbor-go/llm"
	"github.com/harborai/harbor-go/providers/deepseek"
)

type deepseekProviderT = deepseek.Provider

func deepseekProvider(url string) (*deepseek.Provider, error) {
	p, err := deepseek.New(llm.Config{APIKey: dsKey, BaseURL: url, HTTP: http.DefaultClient, Getenv: func(string) string { return "" }})
	if err != nil {
		return nil, err
	}
	return p.(*deepseek.Provider), nil
}
