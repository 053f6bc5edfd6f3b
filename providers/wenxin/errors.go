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
	"github.com/harborai/harbor-go/internal/wire"
	"github.com/harborai/harbor-go/llm"
)

// codeClass is how harbor treats one of Wenxin's numeric error codes.
type codeClass struct {
	kind      error
	transient bool // the official SDK retries it
}

// codes classifies the error_code values of shared/vendors.md §3. Codes not listed are
// ErrServer, not transient.
var codes = map[int]codeClass{
	1:      {llm.ErrServer, false},         // Unknown error
	2:      {llm.ErrServer, true},          // Service temporarily unavailable
	3:      {llm.ErrInvalidRequest, false}, // Unsupported openapi method
	4:      {llm.ErrRateLimited, false},    // Open api request limit reached
	6:      {llm.ErrPermission, false},     // No permission to access data
	13:     {llm.ErrAuthentication, false}, // Get service token failed
	14:     {llm.ErrAuthentication, false}, // IAM Certification failed
	15:     {llm.ErrServer, true},          // app not exists or create failed
	17:     {llm.ErrRateLimited, false},    // daily request limit reached
	18:     {llm.ErrRateLimited, true},     // qps request limit reached
	19:     {llm.ErrRateLimited, false},    // total request limit reached
	100:    {llm.ErrInvalidRequest, false}, // Invalid parameter
	110:    {llm.ErrAuthentication, false}, // Access token invalid
	111:    {llm.ErrAuthentication, false}, // Access token expired
	336000: {llm.ErrServer, false},         // Internal error
	336001: {llm.ErrInvalidRequest, false}, // Invalid Argument
	336002: {llm.ErrInvalidRequest, false}, // Invalid JSON
	336003: {llm.ErrInvalidRequest, false}, // Invalid param
	336004: {llm.ErrPermission, false},     // Permission error
	336005: {llm.ErrNotFound, false},       // API name not exist
	336100: {llm.ErrServer, true},          // Server high load
	336101: {llm.ErrInvalidRequest, false}, // Invalid HTTP method
	336104: {llm.ErrInvalidRequest, false}, // invalid system
	336105: {llm.ErrInvalidRequest, false}, // invalid user_setting
	336501: {llm.ErrRateLimited, true},     // RPM limit reached
	336502: {llm.ErrRateLimited, true},     // TPM limit reached
}

// Token error codes: the access token is invalid (110) or expired (111).
const (
	codeTokenInvalid = 110
	codeTokenExpired = 111
)

func isTokenError(code int) bool { return code == codeTokenInvalid || code == codeTokenExpired }

func classify(code int) codeClass {
	if c, ok := codes[code]; ok {
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
		out = wire.StatusError(Name, model, resp, b, secrets...)
		var body gen.ChatResponse
		if bytes.Contains(b, []byte(`"error_code"`)) && json.Unmarshal(b, &body) == nil && body.ErrorCode != 0 {
			c, known := codes[body.ErrorCode]
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
	return wire.TransportError(Name, model, err, secrets...)
}

// peekLimit bounds how much of a 200 JSON body the retry classifier reads: Wenxin's
// error bodies are tiny, so a longer body is an answer and is not read further here.
const peekLimit = 64 << 10

var errorCodeKey = []byte(`"error_code"`)

// transientOK tells harbor's retrying Doer which HTTP-200 answers are really
// transient failures (error_code 2, 15, 18, 336100, 336501, 336502). It reads the
// start of a JSON body and puts it back; event streams and other statuses are
// left to the retry policy unread.
func transientOK(resp *http.Response) llm.RetryVerdict {
	if resp.StatusCode != http.StatusOK || !isJSON(resp.Header) {
		return llm.RetryByPolicy
	}
	b, err := wire.PeekBody(resp, peekLimit)
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

// doer returns cfg.HTTP wrapped so that retryable error_code answers are retried
// by harbor's retry policy (attempts, backoff, deadline, stats), or as is when it
// cannot classify (a plain http.Client: no retries at all then).
func doer(cfg *llm.Config) gen.HttpRequestDoer {
	return wire.Classified(cfg, transientOK)
}
