package doubao

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/llm"
)

func arkErr(code, msg, typ string) string {
	return `{"error":{"code":"` + code + `","message":"` + msg + `","param":"","type":"` + typ + `"}}`
}

func TestHTTPErrors(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		header    map[string]string
		body      string
		kind      error
		transient bool
		code, typ string
		reqID     string
		msg       []string // substrings of Message
		notInMsg  []string
		retry     time.Duration
	}{
		{
			name: "401 with the request id only in the message", status: 401,
			body: arkErr("AuthenticationError", "The API key in the request is missing or invalid. Request id: 0217abc", "Unauthorized"),
			kind: llm.ErrAuthentication, code: "AuthenticationError", typ: "Unauthorized", reqID: "0217abc",
			msg: []string{"The API key in the request is missing or invalid."}, notInMsg: []string{"Request id"},
		},
		{
			name: "403 AccountOverdueError is a balance problem", status: 403,
			body: arkErr("AccountOverdueError", "The request failed because your account has an overdue balance. Request id: 0217abc", "Forbidden"),
			kind: llm.ErrInsufficientBalance, code: "AccountOverdueError", typ: "Forbidden", reqID: "0217abc",
			msg: []string{"overdue balance.", "Hint: the Volcengine account is in arrears"},
		},
		{
			name: "403 AccessDenied stays a permission error", status: 403,
			body: arkErr("AccessDenied", "no access. Request id: 0217abc", "Forbidden"),
			kind: llm.ErrPermission, code: "AccessDenied", typ: "Forbidden", reqID: "0217abc",
		},
		{
			name: "400 SensitiveContentDetected.SevereViolation is a content filter", status: 400,
			body: arkErr("SensitiveContentDetected.SevereViolation", "may contain severe violation information. Request id: 0217abc", "BadRequest"),
			kind: llm.ErrContentFilter, code: "SensitiveContentDetected.SevereViolation", typ: "BadRequest", reqID: "0217abc",
		},
		{
			name: "400 InputImageSensitiveContentDetected is a content filter", status: 400,
			body: arkErr("InputImageSensitiveContentDetected", "image. Request id: 0217abc", "BadRequest"),
			kind: llm.ErrContentFilter, code: "InputImageSensitiveContentDetected", typ: "BadRequest", reqID: "0217abc",
		},
		{
			name: "400 InvalidParameter keeps param", status: 400,
			body: `{"error":{"code":"InvalidParameter.stop","message":"bad stop. Request id: 0217abc","param":"stop","type":"BadRequest"}}`,
			kind: llm.ErrInvalidRequest, code: "InvalidParameter.stop", typ: "BadRequest", reqID: "0217abc",
		},
		{
			name: "400 ClosedEndpoint gets a hint", status: 400,
			body: arkErr("InvalidEndpoint.ClosedEndpoint", "The request targeted an endpoint that is currently closed. Request id: 0217abc", "BadRequest"),
			kind: llm.ErrInvalidRequest, code: "InvalidEndpoint.ClosedEndpoint", typ: "BadRequest", reqID: "0217abc",
			msg: []string{"re-enable it in the Ark console"},
		},
		{
			name: "404 ModelIDAccessDisabled says to use an endpoint id", status: 404,
			body: arkErr("InvalidEndpointOrModel.ModelIDAccessDisabled", "Accessing the model via Model ID is not allowed for your account. Request id: 0217abc", "NotFound"),
			kind: llm.ErrNotFound, code: "InvalidEndpointOrModel.ModelIDAccessDisabled", typ: "NotFound", reqID: "0217abc",
			msg: []string{"its id (ep-…) as the model", "doubao.Options.Endpoints"},
		},
		{
			name: "404 InvalidEndpointOrModel.NotFound", status: 404,
			body: arkErr("InvalidEndpointOrModel.NotFound", "The model or endpoint does not exist. Request id: 0217abc", "NotFound"),
			kind: llm.ErrNotFound, code: "InvalidEndpointOrModel.NotFound", typ: "NotFound", reqID: "0217abc",
			msg: []string{"some accounts must use an endpoint id (ep-…)"},
		},
		{
			name: "404 ModelNotOpen", status: 404,
			body: arkErr("ModelNotOpen", "Your account has not activated the model. Request id: 0217abc", "NotFound"),
			kind: llm.ErrNotFound, code: "ModelNotOpen", typ: "NotFound", reqID: "0217abc",
			msg: []string{"activate the model"},
		},
		{
			name: "429 with Retry-After", status: 429, header: map[string]string{"Retry-After": "3"},
			body: arkErr("RateLimitExceeded.FoundationModelRPMExceeded", "RPM exceeded. Request id: 0217abc", "TooManyRequests"),
			kind: llm.ErrRateLimited, transient: true, code: "RateLimitExceeded.FoundationModelRPMExceeded", typ: "TooManyRequests",
			reqID: "0217abc", retry: 3 * time.Second,
		},
		{
			name: "500 is transient", status: 500,
			body: arkErr("InternalServiceError", "internal. Request id: 0217abc", "InternalServerError"),
			kind: llm.ErrServer, transient: true, code: "InternalServiceError", typ: "InternalServerError", reqID: "0217abc",
		},
		{
			name: "503 without a JSON body", status: 503, body: "<html>503 Service Temporarily Unavailable</html>",
			kind: llm.ErrServer, transient: true, msg: []string{"503 Service Temporarily Unavailable"},
		},
		{
			name: "header request id wins and the message keeps Ark's own", status: 401,
			header: map[string]string{"X-Client-Request-Id": "my-id"},
			body:   arkErr("AuthenticationError", "bad key. Request id: 0217abc", "Unauthorized"),
			kind:   llm.ErrAuthentication, code: "AuthenticationError", typ: "Unauthorized", reqID: "my-id",
			msg: []string{"Request id: 0217abc"},
		},
		{
			name: "X-Request-Id equal to the message's id", status: 404, header: map[string]string{"X-Request-Id": "0217abc"},
			body: arkErr("ModelNotOpen", "not activated. Request id: 0217abc", "NotFound"),
			kind: llm.ErrNotFound, code: "ModelNotOpen", typ: "NotFound", reqID: "0217abc",
			msg: []string{"not activated. Hint: activate"}, notInMsg: []string{"Request id"},
		},
		{
			name: "the key never leaks", status: 401,
			body: arkErr("AuthenticationError", "The API key "+testKey+" is invalid. Request id: 0217abc", "Unauthorized"),
			kind: llm.ErrAuthentication, code: "AuthenticationError", typ: "Unauthorized", reqID: "0217abc",
			notInMsg: []string{testKey},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVendor(t, tt.status, tt.header, tt.body)
			p := newProvider(t, v.URL, nil)
			_, err := p.Chat(context.Background(), userReq("doubao-seed-1-6-251015"), nil)
			var e *llm.Error
			require.True(t, errors.As(err, &e), "%v", err)
			assert.True(t, errors.Is(err, tt.kind), "kind: %v", err)
			assert.Equal(t, tt.transient, e.Retryable())
			assert.Equal(t, tt.status, e.StatusCode)
			assert.Equal(t, Name, e.Provider)
			assert.Equal(t, "doubao-seed-1-6-251015", e.Model)
			assert.Equal(t, tt.code, e.Code)
			assert.Equal(t, tt.typ, e.Type)
			assert.Equal(t, tt.reqID, e.RequestID)
			assert.Equal(t, tt.retry, e.RetryAfter)
			for _, s := range tt.msg {
				assert.Contains(t, e.Message, s)
			}
			for _, s := range tt.notInMsg {
				assert.NotContains(t, e.Error(), s)
			}
		})
	}
}

func TestRequestID(t *testing.T) {
	tests := []struct{ header, msg, wantID, wantMsg string }{
		{"", "bad. Request id: 021a", "021a", "bad."},
		{"", "bad. Request id: 021a.", "021a", "bad."},
		{"021a", "bad. Request id: 021a", "021a", "bad."},
		{"other", "bad. Request id: 021a", "other", "bad. Request id: 021a"},
		{"", "bad. Request id: ", "", "bad. Request id: "},
		{"", "Request id: some words here", "", "Request id: some words here"},
		{"h", "no id at all", "h", "no id at all"},
	}
	for _, tt := range tests {
		id, msg := requestID(tt.header, tt.msg)
		assert.Equal(t, tt.wantID, id, tt.msg)
		assert.Equal(t, tt.wantMsg, msg, tt.msg)
	}
}

func TestClassifyLeavesNonVendorErrors(t *testing.T) {
	e := &llm.Error{Provider: Name, Kind: llm.ErrStreamTruncated, Transient: true, Message: "cut. Request id: x"}
	assert.Same(t, e, classify(e))
	assert.Equal(t, llm.ErrStreamTruncated, e.Kind)
	assert.Equal(t, "cut. Request id: x", e.Message)
	assert.Nil(t, classify(nil))
}
