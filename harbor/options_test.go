package harbor_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/llm"
	"github.com/harborai/harbor-go/providers/deepseek"
	"github.com/harborai/harbor-go/providers/doubao"
	"github.com/harborai/harbor-go/providers/openaicompat"
	"github.com/harborai/harbor-go/providers/qianfan"
)

// requireInvalid checks that err is an *Error of class ErrInvalidRequest whose text
// contains every one of want.
func requireInvalid(t *testing.T, err error, name string, want ...string) {
	t.Helper()
	require.Error(t, err, name)
	require.ErrorIs(t, err, harbor.ErrInvalidRequest, name)
	var he *harbor.Error
	require.ErrorAs(t, err, &he, name)
	for _, w := range want {
		assert.Contains(t, err.Error(), w, name)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	acme := harbor.Descriptor{Name: "acme", New: func(llm.Config) (llm.Provider, error) { return nil, errors.New("unused") }}
	cases := []struct {
		name string
		opts []harbor.Option
		want []string
	}{
		{"negative retries", []harbor.Option{harbor.WithMaxRetries(-1)}, []string{"MaxRetries"}},
		{"wait bounds", []harbor.Option{harbor.WithRetryWait(2, 1)}, []string{"retry wait"}},
		{"negative idle timeout", []harbor.Option{harbor.WithIdleTimeout(-1)}, []string{"IdleTimeout"}},
		{"negative request timeout", []harbor.Option{harbor.WithRequestTimeout(-time.Second)}, []string{"RequestTimeout"}},
		{"empty alias target", []harbor.Option{harbor.WithAlias("x", "")}, []string{"WithAlias"}},
		{"nil option", []harbor.Option{harbor.WithMaxRetries(1), nil}, []string{"option 2 of 2 is nil"}},
		// Typos in provider names are caught at New, naming the known ones.
		{"unknown provider", []harbor.Option{harbor.WithAPIKey("deepsek", "sk-1")},
			[]string{`"deepsek"`, "not registered", "deepseek, doubao, qianfan, wenxin, openai"}},
		{"unknown provider in base URL", []harbor.Option{harbor.WithBaseURL("openia", "http://127.0.0.1:1")}, []string{`"openia"`}},
		{"unknown provider config", []harbor.Option{harbor.WithProviderConfig("ernie", harbor.ProviderConfig{})}, []string{`"ernie"`}},
		// Base URLs must be absolute http(s) URLs with nothing around them.
		{"relative base URL", []harbor.Option{harbor.WithBaseURL("deepseek", "api.deepseek.com")}, []string{"BaseURL", `"deepseek"`, "http://"}},
		{"ftp base URL", []harbor.Option{harbor.WithBaseURL("deepseek", "ftp://api.deepseek.com")}, []string{"http://"}},
		{"base URL with space", []harbor.Option{harbor.WithBaseURL("openai", " http://127.0.0.1:8000/v1")}, []string{"white space"}},
		{"base URL with newline", []harbor.Option{harbor.WithBaseURL("openai", "http://127.0.0.1:8000/v1\n")}, []string{"white space"}},
		{"base URL without host", []harbor.Option{harbor.WithBaseURL("openai", "http:///v1")}, []string{"no host"}},
		// Keys with control characters (a pasted newline) never reach a header.
		{"key with newline", []harbor.Option{harbor.WithAPIKey("deepseek", "sk-abc\n")}, []string{"APIKey", "control character"}},
		{"key with spaces", []harbor.Option{harbor.WithAPIKey("deepseek", " sk-abc")}, []string{"APIKey", "spaces"}},
		{"secret with tab", []harbor.Option{harbor.WithSecretKey("wenxin", "sec\tret")}, []string{"SecretKey", "control character"}},
		{"app id with NUL", []harbor.Option{harbor.WithAppID("qianfan", "app\x00")}, []string{"AppID"}},
		// Headers must be valid on the wire.
		{"bad header name", []harbor.Option{harbor.WithHeader("X Trace", "1")}, []string{"header name"}},
		{"bad header value", []harbor.Option{harbor.WithHeader("X-Trace", "a\r\nb")}, []string{"control character"}},
		// Aliases and extra providers are checked at New, not on the first call.
		{"alias to nowhere", []harbor.Option{harbor.WithAlias("x", "nobody-knows")}, []string{"nobody-knows"}},
		{"descriptor without New", []harbor.Option{harbor.WithProvider(harbor.Descriptor{Name: "acme"})}, []string{"WithProvider"}},
		{"descriptor with slash", []harbor.Option{harbor.WithProvider(harbor.Descriptor{Name: "a/b", New: acme.New})}, []string{"/"}},
	}
	for _, tc := range cases {
		c, err := harbor.New(tc.opts...)
		assert.Nil(t, c, tc.name)
		requireInvalid(t, err, tc.name, tc.want...)
		assert.NotContains(t, err.Error(), "sk-abc", "%s: a key never shows in an error", tc.name)
		assert.NotContains(t, err.Error(), "harbor: harbor:", tc.name)
	}

	// The error names the option as the user wrote it, in the text and in Param.
	for _, tc := range []struct {
		opt   harbor.Option
		param string
	}{
		{harbor.WithAPIKey("deepsek", "k"), `WithAPIKey("deepsek", …)`},
		{harbor.WithBaseURL("deepseek", "api.deepseek.com"), `WithBaseURL("deepseek", …)`},
		{harbor.WithProviderConfig("wenxin", harbor.ProviderConfig{SecretKey: "s\n"}), `WithProviderConfig("wenxin", …).SecretKey`},
		{harbor.WithMaxRetries(-1), "WithMaxRetries"},
	} {
		_, err := harbor.New(tc.opt)
		var he *harbor.Error
		require.ErrorAs(t, err, &he)
		assert.Equal(t, tc.param, he.Param)
		assert.Contains(t, err.Error(), tc.param)
	}

	// A registered provider's name is known to the per-provider options.
	_, err := harbor.New(harbor.WithProvider(acme), harbor.WithAPIKey("acme", "k"))
	require.NoError(t, err)
}

func TestEnvironmentIsCheckedOnFirstUse(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want []string
	}{
		{map[string]string{"DEEPSEEK_API_KEY": "sk-abc\n"}, []string{"DEEPSEEK_API_KEY", "control character"}},
		{map[string]string{"DEEPSEEK_API_KEY": "sk-abc", "DEEPSEEK_BASE_URL": "api.deepseek.com"}, []string{"DEEPSEEK_BASE_URL", "http://"}},
		{map[string]string{"DEEPSEEK_API_KEY": "sk-abc", "DEEPSEEK_BASE_URL": "http://127.0.0.1:1 "}, []string{"DEEPSEEK_BASE_URL", "white space"}},
	} {
		c := harbor.Must(harbor.New(harbor.WithGetenv(func(k string) string { return tc.env[k] })))
		_, err := c.Chat.Completions.Create(context.Background(), &harbor.ChatRequest{
			Model: "deepseek-v4-flash", Messages: []harbor.Message{harbor.UserMessage("hi")}})
		requireInvalid(t, err, strings.Join(tc.want, " "), tc.want...)
		assert.NotContains(t, err.Error(), "sk-abc")
	}
}

func TestNewWithAliasesBuildsTheTable(t *testing.T) {
	c, err := harbor.New(noEnv(t), harbor.WithAlias("fast", "deepseek-v4-flash"))
	require.NoError(t, err)
	assert.NotEmpty(t, c.Models(), "Models lists the built-ins and the alias")
	r, err := c.Route("fast")
	require.NoError(t, err)
	assert.Equal(t, "deepseek-v4-flash", r.Model)
}

// Only the options that work per call compile as arguments of Create and Stream:
// their type is CallOption. Every other option is an Option only.
func TestOnlyCallOptionsWorkPerCall(t *testing.T) {
	callOptions := map[string]harbor.Option{
		"WithHeader":         harbor.WithHeader("X-A", "1"),
		"WithRequestTimeout": harbor.WithRequestTimeout(time.Second),
	}
	for name, o := range callOptions {
		_, ok := o.(harbor.CallOption)
		assert.True(t, ok, "%s is a CallOption", name)
	}
	clientOnly := map[string]harbor.Option{
		"WithAPIKey":                harbor.WithAPIKey("deepseek", "k"),
		"WithBaseURL":               harbor.WithBaseURL("deepseek", "http://x"),
		"WithSecretKey":             harbor.WithSecretKey("wenxin", "s"),
		"WithAppID":                 harbor.WithAppID("qianfan", "a"),
		"WithProviderConfig":        harbor.WithProviderConfig("deepseek", harbor.ProviderConfig{}),
		"WithMaxRetries":            harbor.WithMaxRetries(1),
		"WithRetryWait":             harbor.WithRetryWait(1, 2),
		"WithMaxRetryAfter":         harbor.WithMaxRetryAfter(1),
		"WithConnectTimeout":        harbor.WithConnectTimeout(1),
		"WithResponseHeaderTimeout": harbor.WithResponseHeaderTimeout(1),
		"WithIdleTimeout":           harbor.WithIdleTimeout(1),
		"WithTransport":             harbor.WithTransport(nil),
		"WithMaxIdleConnsPerHost":   harbor.WithMaxIdleConnsPerHost(1),
		"WithGetenv":                harbor.WithGetenv(nil),
		"WithAlias":                 harbor.WithAlias("a", "b"),
		"WithProvider":              harbor.WithProvider(harbor.Descriptor{}),
	}
	for name, o := range clientOnly {
		_, ok := o.(harbor.CallOption)
		assert.False(t, ok, "%s must not compile as an argument of Create or Stream", name)
	}
}

func TestBadCallOptions(t *testing.T) {
	fp := &fakeProvider{name: "acme"}
	var builds atomic.Int64
	c := harbor.Must(harbor.New(noEnv(t), harbor.WithProvider(fakeDescriptor("acme", &builds, fp))))
	req := &harbor.ChatRequest{Model: "acme-large", Messages: []harbor.Message{harbor.UserMessage("hi")}}
	for name, opts := range map[string][]harbor.CallOption{
		"nil":              {harbor.WithHeader("X-A", "1"), nil},
		"header name":      {harbor.WithHeader("", "1")},
		"header value":     {harbor.WithHeader("X-A", "1\n2")},
		"negative timeout": {harbor.WithRequestTimeout(-1)},
	} {
		_, err := c.Chat.Completions.Create(context.Background(), req, opts...)
		requireInvalid(t, err, "Create "+name)
		_, err = c.Chat.Completions.Stream(context.Background(), req, opts...)
		requireInvalid(t, err, "Stream "+name)
	}
	assert.Zero(t, fp.calls.Load(), "no call with a bad option reached the provider")
}

// A descriptor's Check runs at New: for a WithProvider descriptor always, for any
// provider with the configuration its options give.
func TestNewRunsDescriptorChecks(t *testing.T) {
	var seen []llm.Config
	check := func(cfg llm.Config) error {
		seen = append(seen, cfg)
		if cfg.Options != nil {
			return llm.InvalidRequest("acme", "", "ProviderConfig.Options", "acme takes no options")
		}
		return nil
	}
	d := harbor.Descriptor{Name: "acme", New: func(llm.Config) (llm.Provider, error) { return nil, errors.New("unused") }, Check: check}
	_, err := harbor.New(harbor.WithProvider(d))
	require.NoError(t, err)
	require.Len(t, seen, 1, "a WithProvider descriptor is checked even when no option configures it")

	seen = nil
	_, err = harbor.New(harbor.WithProvider(d), harbor.WithAPIKey("acme", "k"))
	require.NoError(t, err)
	require.Len(t, seen, 1, "checked once")
	assert.Equal(t, "k", seen[0].APIKey, "with the configuration the options give")

	_, err = harbor.New(harbor.WithProvider(d), harbor.WithProviderConfig("acme", harbor.ProviderConfig{Options: 42}))
	requireInvalid(t, err, "bad options", "acme takes no options")
}

// The built-ins' checks: options of another provider's type, and an
// OpenAI-compatible endpoint that can never work, are New's errors.
func TestNewChecksBuiltinProviderConfig(t *testing.T) {
	_, err := harbor.New(harbor.WithProviderConfig("deepseek", harbor.ProviderConfig{Options: doubao.Options{}}))
	requireInvalid(t, err, "doubao options to deepseek", "doubao.Options", "deepseek.Options")
	_, err = harbor.New(harbor.WithProviderConfig("wenxin", harbor.ProviderConfig{Options: &qianfan.Options{}}))
	requireInvalid(t, err, "qianfan options to wenxin", "qianfan.Options", "wenxin.Options")
	_, err = harbor.New(harbor.WithProviderConfig("deepseek", harbor.ProviderConfig{Options: &deepseek.Options{}}))
	require.NoError(t, err, "a pointer to the right type is fine")

	bad := openaicompat.Endpoint{Name: "local", BaseURL: "/v1", KeyOptional: true, Prefixes: []string{"qwen-"}}
	_, err = harbor.New(harbor.WithProvider(bad.Descriptor()))
	requireInvalid(t, err, "relative endpoint", "Endpoint.BaseURL")
	c := harbor.Must(harbor.New())
	requireInvalid(t, c.Register(bad.Descriptor()), "Register relative endpoint", "Endpoint.BaseURL")
	_, err = harbor.New(harbor.WithProviderConfig("openai", harbor.ProviderConfig{Options: deepseek.Options{}}))
	requireInvalid(t, err, "deepseek options to openai", "openaicompat.Options")
}
