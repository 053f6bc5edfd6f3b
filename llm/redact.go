package llm

import (
	"regexp"
	"strings"
	"sync"
)

// secretPatterns match credential shapes of the vendors harbor speaks to, so that a
// key echoed back by a vendor (or by a proxy in an HTML error page) never reaches an
// error message, nor the logs a caller writes it to.
//
// It is compiled on first use, not at init: every program importing harbor
// would otherwise pay for it at start-up, and most never redact anything.
var secretPatterns = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(
		`sk-[A-Za-z0-9_\-]{8,}` + // DeepSeek / OpenAI style keys
			`|bce-v3/[A-Za-z0-9_\-/]+` + // Qianfan v2 keys
			`|(access_token|client_secret|client_id|api_key|apikey)=[^&\s"']+` + // secrets in URLs
			`|(?i:bearer)\s+[A-Za-z0-9_\-\./+=]{8,}`) // echoed Authorization headers
})

// Redact removes every occurrence of the given secrets, and anything shaped like a
// vendor credential, from s. Secrets shorter than 4 bytes are ignored (they would
// blank out ordinary text).
func Redact(s string, secrets ...string) string {
	for _, k := range secrets {
		if len(k) >= 4 && strings.Contains(s, k) {
			s = strings.ReplaceAll(s, k, "[redacted]")
		}
	}
	if !strings.ContainsAny(s, "-=/") && !strings.Contains(strings.ToLower(s), "bearer") {
		return s // fast path: none of the patterns can match
	}
	return secretPatterns().ReplaceAllStringFunc(s, func(m string) string {
		if i := strings.IndexByte(m, '='); i > 0 && !strings.HasPrefix(m, "sk-") && !strings.HasPrefix(m, "bce-v3/") && !strings.HasPrefix(strings.ToLower(m), "bearer") {
			return m[:i+1] + "[redacted]"
		}
		return "[redacted]"
	})
}

// Redacted returns err with its text passed through Redact (the secrets given and
// every credential shape), while errors.Is and errors.As still see err. An *Error's
// Err is printed by Error(); building it from Redacted keeps a key that a cause
// carries (a URL with a token in a dial error, say) out of that text.
func Redacted(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	return redactedError{err, secrets}
}

type redactedError struct {
	err     error
	secrets []string
}

func (r redactedError) Error() string { return Redact(r.err.Error(), r.secrets...) }
func (r redactedError) Unwrap() error { return r.err }
