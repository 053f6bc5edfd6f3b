package setup

import (
	"net/http"
	"os"
	"strings"

	"github.com/harborai/harbor-go/llm"
)

// Getenv returns cfg.Getenv, or os.Getenv when it is nil.
func Getenv(cfg *llm.Config) func(string) string {
	if cfg.Getenv != nil {
		return cfg.Getenv
	}
	return os.Getenv
}

// Setting returns explicit when it is set, else the environment variable env.
func Setting(explicit string, getenv func(string) string, env string) string {
	if explicit != "" || env == "" {
		return explicit
	}
	return getenv(env)
}

// NoCredentials is the error a provider returns when no key is configured; hint
// says how to set one.
func NoCredentials(provider, hint string) *llm.Error {
	return &llm.Error{Provider: provider, Kind: llm.ErrNoCredentials, Message: hint}
}

// BaseURL picks the base URL (explicit, then env, then def) and checks it with
// CheckBaseURL, naming the environment variable when the value came from there.
// secrets are redacted from the error, in case a key was pasted into the URL.
func BaseURL(provider, explicit string, getenv func(string) string, env, def string, secrets ...string) (string, error) {
	base, source := explicit, "BaseURL"
	if base == "" && env != "" {
		base, source = getenv(env), env
	}
	if base == "" {
		base, source = def, "the default base URL"
	}
	if err := CheckBaseURL(provider, source, base, secrets...); err != nil {
		return "", err
	}
	return strings.TrimRight(base, "/"), nil
}

// KeyAndBase resolves a bearer-key vendor's API key and base URL from cfg, then the
// environment (envKey, envBase), then def. With no key it fails with ErrNoCredentials
// naming what to set; keyName describes the key ("DeepSeek API key").
func KeyAndBase(cfg *llm.Config, provider, keyName, envKey, envBase, def string) (key, base string, err error) {
	getenv := Getenv(cfg)
	if key, err = Secret(provider, cfg.APIKey, getenv, envKey, "APIKey"); err != nil {
		return "", "", err
	}
	if key == "" {
		return "", "", NoCredentials(provider, "no "+keyName+": set "+envKey+" or use harbor.WithAPIKey(\""+provider+"\", key)")
	}
	base, err = BaseURL(provider, cfg.BaseURL, getenv, envBase, def, key)
	return key, base, err
}

// BadBaseURL reports a base URL the generated client refused.
func BadBaseURL(provider string, err error, secrets ...string) *llm.Error {
	return &llm.Error{Provider: provider, Kind: llm.ErrInvalidRequest, Message: "bad base URL: " + llm.Redact(err.Error(), secrets...),
		Err: llm.Redacted(err, secrets...)}
}

// Doer returns cfg.HTTP, or http.DefaultClient when a provider is built outside harbor.
func Doer(cfg *llm.Config) llm.Doer {
	if cfg.HTTP != nil {
		return cfg.HTTP
	}
	return http.DefaultClient
}

// BearerHeader returns the Authorization header of an API key, for NewEndpoint.
func BearerHeader(key string) http.Header {
	return http.Header{"Authorization": {"Bearer " + key}}
}

// OptionsOf returns a provider's typed options from llm.Config.Options, which may
// hold them by value or by pointer; the zero T when absent.
func OptionsOf[T any](v any) T {
	switch o := v.(type) {
	case T:
		return o
	case *T:
		if o != nil {
			return *o
		}
	}
	var zero T
	return zero
}

// AsProvider is a provider's New as llm.Descriptor.New wants it: the concrete
// provider as an llm.Provider, and on error a nil interface rather than a nil
// pointer inside a non-nil one (which would pass an err == nil check's opposite,
// p != nil). Use it as `return setup.AsProvider(New(cfg))`.
func AsProvider[P llm.Provider](p P, err error) (llm.Provider, error) {
	if err != nil {
		return nil, err
	}
	return p, nil
}
