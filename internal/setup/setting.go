package setup

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/harborai/harbor-go/llm"
)

// Settings are checked where they enter: harbor.New checks what options set (naming
// the option), and providers check what they read from the environment (naming the
// variable), with the same words, so a typo or a pasted newline is reported where
// it was made rather than as a confusing vendor error later.

// CheckSecret reports a credential (API key, secret key, app id) that cannot travel
// in an HTTP header or that carries surrounding white space, a paste error every
// vendor would answer with 401. source names where it came from (an option, an
// environment variable). The value itself never appears in the error.
func CheckSecret(provider, source, v string) *llm.Error {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c == 0x7f {
			return &llm.Error{Provider: provider, Param: source, Kind: llm.ErrInvalidRequest,
				Message: source + " contains a control character (a pasted newline?); the value is not shown"}
		}
	}
	if strings.TrimSpace(v) != v {
		return &llm.Error{Provider: provider, Param: source, Kind: llm.ErrInvalidRequest,
			Message: source + " has leading or trailing spaces; the value is not shown"}
	}
	return nil
}

// CheckBaseURL reports a base URL that is not an absolute http(s) URL with a host,
// or that has surrounding white space. The error shows the URL as ShownURL does,
// with secrets redacted too, in case a key was pasted into its path.
func CheckBaseURL(provider, source, v string, secrets ...string) *llm.Error {
	bad := func(why string) *llm.Error {
		return &llm.Error{Provider: provider, Param: source, Kind: llm.ErrInvalidRequest,
			Message: source + " " + why + ShownURL(llm.Redact(v, secrets...))}
	}
	if strings.TrimSpace(v) != v {
		return bad("has leading or trailing white space")
	}
	u, err := url.Parse(v)
	switch {
	case err != nil:
		return bad("is not a URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return bad("must be an absolute http:// or https:// URL")
	case u.Host == "":
		return bad("has no host")
	}
	return nil
}

// ShownURL is how an error may show base URL v: ", got scheme://host/path" —
// never its user, password, query or fragment (a key may ride in any of them:
// "http://u:KEY@host", "?api-key=KEY") — or "" (not shown) when v has no scheme
// and host: url.Parse reads "admin:KEY@host/v1" as the scheme "admin" and keeps
// the rest whole.
func ShownURL(v string) string {
	safe, ok := SafeURL(v)
	if !ok {
		return " (the value is not shown: it may hold a secret)"
	}
	return ", got " + strconv.Quote(safe)
}

// SafeURL is v as scheme://host/path, the most of a URL that may be shown
// (ShownURL), and false when v has no scheme and host to show.
func SafeURL(v string) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(v))
	if err != nil || u.Scheme == "" || u.Host == "" || strings.Contains(u.Scheme, "@") {
		return "", false
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String(), true
}

// Secret returns explicit when set, else the environment variable env, checked
// with CheckSecret. field names the explicit setting in errors ("APIKey").
func Secret(provider, explicit string, getenv func(string) string, env, field string) (string, error) {
	if explicit != "" {
		if err := CheckSecret(provider, field, explicit); err != nil {
			return "", err
		}
		return explicit, nil
	}
	if env == "" {
		return "", nil
	}
	v := getenv(env)
	if err := CheckSecret(provider, env, v); err != nil {
		return "", err
	}
	return v, nil
}

// CheckOptions reports ProviderConfig.Options that the provider would ignore:
// anything but nil, a T or a *T (OptionsOf reads only those). Passing another
// provider's options (qianfan.Options to wenxin) is an easy slip that would
// otherwise go unnoticed. Providers use it as (part of) their Descriptor.Check.
func CheckOptions[T any](provider string, v any) error {
	switch v.(type) {
	case nil, T, *T:
		return nil
	}
	var want T
	return &llm.Error{Provider: provider, Param: "ProviderConfig.Options", Kind: llm.ErrInvalidRequest,
		Message: fmt.Sprintf("ProviderConfig.Options of provider %q is a %T, which it does not read; want %T", provider, v, want)}
}
