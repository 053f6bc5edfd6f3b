package openaicompat

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/harborai/harbor-go/internal/setup"
	"github.com/harborai/harbor-go/llm"
)

// Name is the provider name of the OpenAI preset ("openai/gpt-4o").
const Name = "openai"

// DefaultBaseURL is OpenAI's public endpoint.
const DefaultBaseURL = "https://api.openai.com/v1"

// Environment variables the OpenAI preset reads when the Config leaves the field empty.
const (
	EnvAPIKey  = "OPENAI_API_KEY"
	EnvBaseURL = "OPENAI_BASE_URL"
)

// Endpoint describes one server that speaks OpenAI's chat-completions API. Register
// it with a harbor Client through its Descriptor:
//
//	client.Register(openaicompat.Endpoint{
//		Name:      "moonshot",
//		BaseURL:   "https://api.moonshot.cn/v1",
//		EnvAPIKey: "MOONSHOT_API_KEY",
//		Prefixes:  []string{"moonshot-", "kimi-"},
//	}.Descriptor())
//
// Settings in llm.Config (harbor.WithAPIKey, harbor.WithBaseURL with the endpoint's
// Name) win over the Endpoint's; the Endpoint's APIKey wins over its EnvAPIKey, and
// EnvBaseURL over BaseURL (so a deployment can repoint a preset without code).
type Endpoint struct {
	// Name routes "name/model" to this endpoint and appears in errors. Required; no "/".
	Name string
	// BaseURL is the URL /chat/completions and /models are appended to
	// ("https://api.openai.com/v1"). Required unless EnvBaseURL or the Config sets it.
	BaseURL string
	// APIKey is sent as "Authorization: Bearer <key>".
	APIKey string
	// EnvAPIKey and EnvBaseURL name environment variables read when the fields above
	// (and the Config) leave the value empty. Either may be empty.
	EnvAPIKey, EnvBaseURL string
	// Models are model ids listed locally and routed here by exact name.
	Models []string
	// Prefixes claim every model name that starts with one of them ("gpt-").
	Prefixes []string
	// Aliases maps names of your choosing to the server's model ids; the request is
	// sent with the server's id. Aliases are listed among the models with AliasOf set.
	Aliases map[string]string
	// Header is added to every request (after Authorization, which it may replace).
	Header http.Header
	// KeyOptional is for servers without authentication (local vLLM, Ollama,
	// llama.cpp): no key is then not an error, and no Authorization header is sent.
	KeyOptional bool
	// PassThinking is for compatible servers that understand DeepSeek-style reasoning
	// controls: ChatRequest.Thinking is sent as {"thinking":{"type":…}} and assistant
	// turns carry their reasoning_content back. Off (the default), a request with
	// Thinking is rejected and reasoning_content is not sent, as OpenAI wants.
	PassThinking bool
	// NoJSONSchema is for servers that take response_format json_object but not
	// json_schema: the Descriptor then reports JSONSchema false, and
	// structured.CreateJSON emulates a schema (json_object plus the schema in a system
	// message) instead of sending it natively. Off (the default), json_schema is
	// sent as OpenAI defines it.
	NoJSONSchema bool
}

// Options are settings for an endpoint passed as llm.Config.Options, so that a
// built-in endpoint can be adjusted with harbor.WithProviderConfig.
type Options struct {
	// Organization and Project are sent as OpenAI-Organization and OpenAI-Project,
	// which OpenAI uses to pick the billing organization and project of a key.
	Organization string
	Project      string
	// Header is added to every request, after the Endpoint's Header.
	Header http.Header
}

// OpenAI is OpenAI's own API. It is the endpoint harbor builds in.
func OpenAI() Endpoint {
	return Endpoint{
		Name:       Name,
		BaseURL:    DefaultBaseURL,
		EnvAPIKey:  EnvAPIKey,
		EnvBaseURL: EnvBaseURL,
		Models:     []string{"gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "gpt-5", "gpt-5-mini", "o3", "o4-mini"},
		Prefixes:   []string{"gpt-", "o1", "o3", "o4", "chatgpt-"},
	}
}

// Qwen is Alibaba Cloud DashScope's OpenAI-compatible mode (Beijing region). Its
// thinking switch is enable_thinking, not OpenAI's or DeepSeek's: send it with
// ChatRequest.ExtraBody.
func Qwen() Endpoint {
	return Endpoint{
		Name:       "qwen",
		BaseURL:    "https://dashscope.aliyuncs.com/compatible-mode/v1",
		EnvAPIKey:  "DASHSCOPE_API_KEY",
		EnvBaseURL: "DASHSCOPE_BASE_URL",
		Models:     []string{"qwen-max", "qwen-plus", "qwen-turbo", "qwen-long"},
		Prefixes:   []string{"qwen-", "qwen3-", "qwq-"},
	}
}

// Moonshot is Moonshot AI's Kimi API (mainland China endpoint).
func Moonshot() Endpoint {
	return Endpoint{
		Name:       "moonshot",
		BaseURL:    "https://api.moonshot.cn/v1",
		EnvAPIKey:  "MOONSHOT_API_KEY",
		EnvBaseURL: "MOONSHOT_BASE_URL",
		Models:     []string{"moonshot-v1-8k", "moonshot-v1-32k", "moonshot-v1-128k"},
		Prefixes:   []string{"moonshot-", "kimi-"},
		// Kimi's thinking models want their reasoning_content back on tool turns
		// (Moonshot's docs as remembered; unverified here).
		PassThinking: true,
		// Moonshot documents json_object mode only (as remembered; unverified):
		// structured.CreateJSON emulates schemas, which works either way.
		NoJSONSchema: true,
	}
}

// Zhipu is Zhipu AI's GLM API (open.bigmodel.cn). GLM accepts
// {"thinking":{"type":"enabled"|"disabled"}}, so PassThinking is on.
func Zhipu() Endpoint {
	return Endpoint{
		Name:         "zhipu",
		BaseURL:      "https://open.bigmodel.cn/api/paas/v4",
		EnvAPIKey:    "ZHIPUAI_API_KEY",
		EnvBaseURL:   "ZHIPUAI_BASE_URL",
		Models:       []string{"glm-4-plus", "glm-4-air", "glm-4-flash", "glm-4.5", "glm-4.5-air"},
		Prefixes:     []string{"glm-"},
		PassThinking: true,
		// Zhipu documents json_object mode only (as remembered; unverified):
		// structured.CreateJSON emulates schemas, which works either way.
		NoJSONSchema: true,
	}
}

// Local is a server on your own machine or network without authentication, such as
// vLLM (http://localhost:8000/v1), Ollama (http://localhost:11434/v1) or llama.cpp's
// llama-server (http://localhost:8080/v1). It claims no model names: call it as
// "name/model", or add Models, Prefixes or Aliases to the returned Endpoint.
func Local(name, baseURL string) Endpoint {
	return Endpoint{Name: name, BaseURL: baseURL, KeyOptional: true}
}

// Validate reports what is wrong with the Endpoint's own fields. New calls it, so a
// bad Endpoint fails on first use with this error rather than a panic.
func (e Endpoint) Validate() error {
	bad := func(format string, args ...any) error {
		return &llm.Error{Provider: e.Name, Kind: llm.ErrInvalidRequest, Message: "openaicompat: " + fmt.Sprintf(format, args...)}
	}
	switch {
	case e.Name == "":
		return bad("Endpoint.Name is required: it routes \"name/model\" and names the provider in errors")
	case strings.Contains(e.Name, "/"):
		return bad("Endpoint.Name %q must not contain \"/\": model names of the form \"name/model\" are split at the first \"/\"", e.Name)
	}
	for _, p := range e.Prefixes {
		if p == "" {
			return bad("Endpoint %q has an empty prefix, which would claim every model name; call it as %q instead", e.Name, e.Name+"/model")
		}
	}
	for _, m := range e.Models {
		if m == "" {
			return bad("Endpoint %q lists an empty model id", e.Name)
		}
	}
	for alias, target := range e.Aliases {
		if alias == "" || target == "" {
			return bad("Endpoint %q: alias %q -> %q needs both names", e.Name, alias, target)
		}
	}
	return nil
}

// Descriptor describes the endpoint to harbor's router without building it. The
// Endpoint is copied: changing its slices or maps afterwards has no effect.
func (e Endpoint) Descriptor() llm.Descriptor {
	e = e.clone()
	models := make([]llm.Model, 0, len(e.Models)+len(e.Aliases))
	for _, id := range e.Models {
		models = append(models, llm.Model{ID: id, Object: "model", OwnedBy: e.Name, Provider: e.Name})
	}
	for _, alias := range slices.Sorted(maps.Keys(e.Aliases)) {
		models = append(models, llm.Model{ID: alias, Object: "model", OwnedBy: e.Name, Provider: e.Name, AliasOf: e.Aliases[alias]})
	}
	d := llm.Descriptor{Name: e.Name, Models: models, Prefixes: e.Prefixes, Retry: finalQuota, Check: e.check,
		New:        func(cfg llm.Config) (llm.Provider, error) { return setup.AsProvider(e.New(cfg)) },
		JSONSchema: !e.NoJSONSchema}
	if len(e.Aliases) > 0 {
		d.Rewrite = func(_ any, model string) (string, string) { return serverModel(e.Aliases, model), "" }
	}
	return d
}

// serverModel is the server's model id for a name: an alias's target, or the name.
func serverModel(aliases map[string]string, model string) string {
	if a, ok := aliases[model]; ok {
		return a
	}
	return model
}

// check is the descriptor's Check, run by harbor.New: the endpoint itself
// (Validate), a literal BaseURL that can never work, and Options of another type.
func (e Endpoint) check(cfg llm.Config) error {
	if err := e.Validate(); err != nil {
		return err
	}
	if e.BaseURL != "" {
		if err := setup.CheckBaseURL(e.Name, "Endpoint.BaseURL", e.BaseURL); err != nil {
			return err
		}
	}
	return setup.CheckOptions[Options](e.Name, cfg.Options)
}

// Descriptor is the descriptor of the OpenAI preset.
func Descriptor() llm.Descriptor { return OpenAI().Descriptor() }

// New builds a provider for the OpenAI preset (see Endpoint.New).
func New(cfg llm.Config) (*Provider, error) { return OpenAI().New(cfg) }

func (e Endpoint) clone() Endpoint {
	e.Models = slices.Clone(e.Models)
	e.Prefixes = slices.Clone(e.Prefixes)
	e.Aliases = maps.Clone(e.Aliases)
	e.Header = e.Header.Clone()
	return e
}
