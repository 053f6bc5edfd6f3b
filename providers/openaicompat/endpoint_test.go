package openaicompat

import (
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/internal/engine"
	"github.com/harborai/harbor-go/llm"
)

func TestEndpointValidate(t *testing.T) {
	ok := Endpoint{Name: "x", BaseURL: "http://localhost:1/v1", KeyOptional: true}
	tests := []struct {
		name string
		edit func(*Endpoint)
		want string // substring of the error; "" means valid
	}{
		{"valid", func(*Endpoint) {}, ""},
		{"empty name", func(e *Endpoint) { e.Name = "" }, "Endpoint.Name is required"},
		{"slash in name", func(e *Endpoint) { e.Name = "a/b" }, `must not contain "/"`},
		{"empty prefix", func(e *Endpoint) { e.Prefixes = []string{"m-", ""} }, "empty prefix"},
		{"empty model", func(e *Endpoint) { e.Models = []string{""} }, "empty model id"},
		{"alias without target", func(e *Endpoint) { e.Aliases = map[string]string{"fast": ""} }, "needs both names"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ok.clone()
			tt.edit(&e)
			err := e.Validate()
			_, newErr := e.New(llm.Config{Getenv: noEnv})
			if tt.want == "" {
				assert.NoError(t, err)
				assert.NoError(t, newErr)
				return
			}
			le := asError(t, err)
			assert.Contains(t, le.Message, tt.want)
			assert.True(t, errors.Is(le, llm.ErrInvalidRequest))
			assert.Equal(t, err, newErr, "New reports the same error, without panicking")
		})
	}
}

func TestNewCredentials(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	tests := []struct {
		name    string
		e       Endpoint
		cfg     llm.Config
		wantKey string // "" with wantErr false means no Authorization header
		wantErr string
	}{
		{"config key wins", OpenAI(), llm.Config{APIKey: "sk-cfg", Getenv: env(map[string]string{EnvAPIKey: "sk-env"})}, "sk-cfg", ""},
		{"endpoint key over env", Endpoint{Name: "m", BaseURL: "https://m.example/v1", APIKey: "sk-ep", EnvAPIKey: "M_KEY"},
			llm.Config{Getenv: env(map[string]string{"M_KEY": "sk-env"})}, "sk-ep", ""},
		{"env key", OpenAI(), llm.Config{Getenv: env(map[string]string{EnvAPIKey: "sk-env"})}, "sk-env", ""},
		{"missing key names env var and option", OpenAI(), llm.Config{Getenv: noEnv}, "",
			`set OPENAI_API_KEY or use harbor.WithAPIKey("openai", key)`},
		{"missing key without env var", Endpoint{Name: "corp", BaseURL: "https://corp.example/v1"}, llm.Config{Getenv: noEnv}, "",
			`use harbor.WithAPIKey("corp", key)`},
		{"key optional", Local("ollama", "http://localhost:11434/v1"), llm.Config{Getenv: noEnv}, "", ""},
		{"key optional still sends a key given", Local("vllm", "http://localhost:8000/v1"), llm.Config{APIKey: "tok-local", Getenv: noEnv}, "tok-local", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := serve(t, answer(200, okCompletion))
			tt.cfg.BaseURL, tt.cfg.HTTP = f.URL, f.Client()
			p, err := tt.e.New(tt.cfg)
			if tt.wantErr != "" {
				le := asError(t, err)
				assert.True(t, errors.Is(le, llm.ErrNoCredentials))
				assert.Equal(t, tt.e.Name, le.Provider)
				assert.Contains(t, le.Message, tt.wantErr)
				assert.Empty(t, f.requests(), "New does no I/O")
				return
			}
			require.NoError(t, err)
			assert.Empty(t, f.requests(), "New does no I/O")
			_, err = p.Chat(t.Context(), &llm.ChatRequest{Model: "m", Messages: []llm.Message{llm.UserMessage("hi")}}, nil)
			require.NoError(t, err)
			got := f.last(t).Header.Values("Authorization")
			if tt.wantKey == "" {
				assert.Empty(t, got)
			} else {
				assert.Equal(t, []string{"Bearer " + tt.wantKey}, got)
			}
		})
	}
}

func TestBaseURL(t *testing.T) {
	env := map[string]string{EnvBaseURL: "https://proxy.example/v1/"}
	p, err := OpenAI().New(llm.Config{APIKey: "sk-x", Getenv: func(k string) string { return env[k] }})
	require.NoError(t, err)
	assert.Equal(t, "https://proxy.example/v1/chat/completions", engine.ChatURL(p.client).String(), "env overrides the preset's base URL")

	_, err = Endpoint{Name: "corp", EnvBaseURL: "CORP_URL", KeyOptional: true}.New(llm.Config{Getenv: noEnv})
	le := asError(t, err)
	assert.Contains(t, le.Message, `endpoint corp has no base URL: set Endpoint.BaseURL, CORP_URL or use harbor.WithBaseURL("corp", url)`)

	_, err = OpenAI().New(llm.Config{APIKey: "sk-secretsecret1", BaseURL: "api.openai.com/v1?k=sk-secretsecret1", Getenv: noEnv})
	le = asError(t, err)
	assert.True(t, errors.Is(le, llm.ErrInvalidRequest))
	assert.Contains(t, le.Message, "BaseURL must be an absolute http:// or https:// URL")
	assert.NotContains(t, le.Error(), "sk-secretsecret1")
}

func TestDescriptor(t *testing.T) {
	e := Endpoint{Name: "corp", BaseURL: "https://corp.example/v1", Models: []string{"m-large"}, Prefixes: []string{"m-"},
		Aliases: map[string]string{"fast": "m-small", "best": "m-large"}}
	d := e.Descriptor()
	e.Models[0], e.Prefixes[0], e.Aliases["fast"] = "changed", "changed", "changed"

	assert.Equal(t, "corp", d.Name)
	assert.Equal(t, []string{"m-"}, d.Prefixes)
	assert.Equal(t, []llm.Model{
		{ID: "m-large", Object: "model", OwnedBy: "corp", Provider: "corp"},
		{ID: "best", Object: "model", OwnedBy: "corp", Provider: "corp", AliasOf: "m-large"},
		{ID: "fast", Object: "model", OwnedBy: "corp", Provider: "corp", AliasOf: "m-small"},
	}, d.Models, "later edits to the Endpoint do not leak into the descriptor")

	p, err := d.New(llm.Config{APIKey: "k-1234", Getenv: noEnv})
	require.NoError(t, err)
	assert.Equal(t, "corp", p.Name())
	assert.Equal(t, map[string]string{"fast": "m-small", "best": "m-large"}, p.(*Provider).aliases)

	assert.Equal(t, Name, Descriptor().Name)
	_, err = New(llm.Config{Getenv: noEnv})
	assert.ErrorIs(t, err, llm.ErrNoCredentials)
}

func TestPresets(t *testing.T) {
	tests := []struct {
		e                      Endpoint
		name, base, env        string
		prefixes               []string
		keyOptional, passThink bool
	}{
		{OpenAI(), "openai", "https://api.openai.com/v1", "OPENAI_API_KEY", []string{"gpt-", "o1", "o3", "o4", "chatgpt-"}, false, false},
		{Qwen(), "qwen", "https://dashscope.aliyuncs.com/compatible-mode/v1", "DASHSCOPE_API_KEY", []string{"qwen-", "qwen3-", "qwq-"}, false, false},
		{Moonshot(), "moonshot", "https://api.moonshot.cn/v1", "MOONSHOT_API_KEY", []string{"moonshot-", "kimi-"}, false, true},
		{Zhipu(), "zhipu", "https://open.bigmodel.cn/api/paas/v4", "ZHIPUAI_API_KEY", []string{"glm-"}, false, true},
		{Local("ollama", "http://localhost:11434/v1"), "ollama", "http://localhost:11434/v1", "", nil, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.name, tt.e.Name)
			assert.Equal(t, tt.base, tt.e.BaseURL)
			assert.Equal(t, tt.env, tt.e.EnvAPIKey)
			assert.Equal(t, tt.prefixes, tt.e.Prefixes)
			assert.Equal(t, tt.keyOptional, tt.e.KeyOptional)
			assert.Equal(t, tt.passThink, tt.e.PassThinking)
			assert.NoError(t, tt.e.Validate())
			for _, m := range tt.e.Descriptor().Models {
				assert.Equal(t, tt.name, m.Provider)
			}
		})
	}
}

func TestSecretHeadersRedacted(t *testing.T) {
	f := serve(t, answer(401, `{"error":{"message":"bad api-key azure-secret-value-9 for sk-test-key-123456","type":"invalid_request_error","code":"invalid_api_key"}}`))
	e := Endpoint{Name: "azure", BaseURL: "https://x.example", Header: http.Header{"Api-Key": {"azure-secret-value-9"}}}
	p := build(t, e, f, nil)
	_, err := p.Chat(t.Context(), &llm.ChatRequest{Model: "m", Messages: []llm.Message{llm.UserMessage("hi")}}, nil)
	le := asError(t, err)
	assert.True(t, errors.Is(le, llm.ErrAuthentication))
	assert.NotContains(t, le.Error(), "azure-secret-value-9")
	assert.NotContains(t, le.Error(), "sk-test-key-123456")
	assert.Equal(t, "invalid_api_key", le.Code)
}
