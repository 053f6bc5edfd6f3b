package wenxin

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	gen "github.com/harborai/harbor-go/generated/qianfanv1"
	"github.com/harborai/harbor-go/internal/vendorerr"
	"github.com/harborai/harbor-go/internal/wire"
	"github.com/harborai/harbor-go/llm"
)

// codeClass is how harbor treats one of Wenxin's numeric error codes.
type codeClass struct {
	kind      error
	transient bool // the official SDK retries it
}

// knownCode classifies the error_code values of shared/vendors.md §3. Codes not
// listed are ErrServer, not transient. (A switch rather than a map, so that nothing
// is built at package init.)
func knownCode(code int) (codeClass, bool) {
	switch code {
	case 1: // Unknown error
		return codeClass{llm.ErrServer, false}, true
	case 2: // Service temporarily unavailable
		return codeClass{llm.ErrServer, true}, true
	case 3: // Unsupported openapi method
		return codeClass{llm.ErrInvalidRequest, false}, true
	case 4: // Open api request limit reached
		return codeClass{llm.ErrRateLimited, false}, true
	case 6: // No permission to access data
		return codeClass{llm.ErrPermission, false}, true
	case 13: // Get service token failed
		return codeClass{llm.ErrAuthentication, false}, true
	case 14: // IAM Certification failed
		return codeClass{llm.ErrAuthentication, false}, true
	case 15: // app not exists or create failed
		return codeClass{llm.ErrServer, true}, true
	case 17: // daily request limit reached
		return codeClass{llm.ErrRateLimited, false}, true
	case 18: // qps request limit reached
		return codeClass{llm.ErrRateLimited, true}, true
	case 19: // total request limit reached
		return codeClass{llm.ErrRateLimited, false}, true
	case 100: // Invalid parameter
		return codeClass{llm.ErrInvalidRequest, false}, true
	case 110: // Access token invalid
		return codeClass{llm.ErrAuthentication, false}, true
	case 111: // Access token expired
		return codeClass{llm.ErrAuthentication, false}, true
	case 336000: // Internal error
		return codeClass{llm.ErrServer, false}, true
	case 336001: // Invalid Argument
		return codeClass{llm.ErrInvalidRequest, false}, true
	case 336002: // Invalid JSON
		return codeClass{llm.ErrInvalidRequest, false}, true
	case 336003: // Invalid param
		return codeClass{llm.ErrInvalidRequest, false}, true
	case 336004: // Permission error
		return codeClass{llm.ErrPermission, false}, true
	case 336005: // API name not exist
		return codeClass{llm.ErrNotFound, false}, true
	case 336100: // Server high load
		return codeClass{llm.ErrServer, true}, true
	case 336101: // Invalid HTTP method
		return codeClass{llm.ErrInvalidRequest, false}, true
	case 336104: // invalid system
		return codeClass{llm.ErrInvalidRequest, false}, true
	case 336105: // invalid user_setting
		return codeClass{llm.ErrInvalidRequest, false}, true
	case 336501: // RPM limit reached
		return codeClass{llm.ErrRateLimited, true}, true
	case 336502: // TPM limit reached
		return codeClass{llm.ErrRateLimited, true}, true
	}
	return codeClass{}, false
}

// Token error codes: the access token is invalid (110) or expired (111).
const (
	codeTokenInvalid = 110
	codeTokenExpired = 111
)

func isTokenError(code int) bool { return code == codeTokenInvalid || code == codeTokenExpired }

func classify(code int) codeClass {
	if c, ok := knownCode(code); ok {
		return c
	}
	return codeClass{llm.ErrServer, false}
}

// codeError builds the *llm.Error for an HTTP-200 {error_code, error_msg} body.
// requestID comes from X-Baidu-Request-Id, or the body's id.
func codeError(model string, r *gen.ChatResponse, requestID string, secrets ...string) *llm.Error {
	c := classify(r.ErrorCode)
	msg := llm.Redact(r.ErrorMsg, secrets...)
	if msg == "" {
		msg = c.kind.Error()
	}
	if requestID == "" {
		requestID = r.Id
	}
	return &llm.Error{Provider: Name, Model: model, Code: strconv.Itoa(r.ErrorCode), Message: msg,
		RequestID: requestID, Kind: c.kind, Transient: c.transient}
}

// statusError builds the *llm.Error for a non-200 answer: IAM failures carry their
// reason in X-Bce-Error-Code / X-Bce-Error-Message, other bodies may still be
// {error_code, error_msg}; the status decides the kind unless the code is known.
func statusError(model string, resp *http.Response, secrets ...string) *llm.Error {
	var out *llm.Error
	err := wire.ReadBody(resp, func(b []byte) error {
		out = vendorerr.Status(Name, model, resp, b, secrets...)
		var body gen.ChatResponse
		if bytes.Contains(b, []byte(`"error_code"`)) && json.Unmarshal(b, &body) == nil && body.ErrorCode != 0 {
			c, known := knownCode(body.ErrorCode)
			out.Code = strconv.Itoa(body.ErrorCode)
			if body.ErrorMsg != "" {
				out.Message = llm.Redact(body.ErrorMsg, secrets...)
			}
			if known {
				out.Kind, out.Transient = c.kind, out.Transient || c.transient
			}
		}
		return nil
	})
	if out == nil {
		return transportError(model, err, secrets...)
	}
	if code := resp.Header.Get("X-Bce-Error-Code"); code != "" {
		out.Code = code
	}
	if msg := resp.Header.Get("X-Bce-Error-Message"); msg != "" {
		out.Message = llm.Redact(msg, secrets...)
	}
	return out
}

// transportError wraps a failure to get a response. The request URL carries the
// access token (chat) or the key pair (token endpoint), and *url.Error prints it: the
// URL is scrubbed from the wrapped cause too, not only from the message, so that
// errors.As cannot dig the token back out.
func transportError(model string, err error, secrets ...string) *llm.Error {
	var ue *url.Error
	if errors.As(err, &ue) {
		scrubbed := *ue
		scrubbed.URL = llm.Redact(ue.URL, secrets...)
		err = &scrubbed
	}
	return vendorerr.Transport(Name, model, err, secrets...)
}

// peekLimit bounds how much of a 200 JSON body the retry classifier reads: Wenxin's
// error bodies are tiny, so a longer body is an answer and is not read further here.
const peekLimit = 64 << 10

var errorCodeKey = []byte(`"error_code"`)

// transientOK is the provider's retry rule (Descriptor.Retry): it tells harbor's
// retrying Doer which HTTP-200 answers are really
// transient failures (error_code 2, 15, 18, 336100, 336501, 336502). It reads the
// start of a JSON body and puts it back; event streams and other statuses are
// left to the retry policy unread.
func transientOK(resp *http.Response) llm.RetryVerdict {
	if resp.StatusCode != http.StatusOK || !isJSON(resp.Header) {
		return llm.RetryByPolicy
	}
	b, err := llm.PeekBody(resp, peekLimit)
	if err != nil || !bytes.Contains(b, errorCodeKey) {
		return llm.RetryByPolicy
	}
	var r gen.ChatResponse
	if json.Unmarshal(b, &r) != nil || !classify(r.ErrorCode).transient {
		return llm.RetryByPolicy
	}
	return llm.RetryNow
}

func isJSON(h http.Header) bool {
	return strings.HasPrefix(h.Get("Content-Type"), "application/json")
}
