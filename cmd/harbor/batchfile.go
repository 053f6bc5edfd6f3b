package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/harborai/harbor-go/harbor"
)

// The files of harbor batch are OpenAI's batch files: the input has one request per
// line,
//
//	{"custom_id": "q1", "method": "POST", "url": "/v1/chat/completions", "body": {…}}
//
// and the output one result per line,
//
//	{"id": "batch_req_…", "custom_id": "q1", "response": {"status_code": 200, "request_id": "…", "body": {…}}, "error": null}
//
// where a vendor's HTTP error is a response with its status and an {"error": {…}}
// body, as OpenAI writes it, and any other failure (no connection, a timeout, a line
// that is not a request) has "response": null and "error": {"code", "message"}.

// inputLine is one non-blank line of the input.
type inputLine struct {
	n        int    // line number, from 1
	customID string // "" when the line has none
	hasID    bool
	req      *harbor.ChatRequest // nil when problem is set
	problem  *resultError        // why the line is not a request
}

// resultError is the "error" object of an output line.
type resultError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// parseInput splits the input into lines and parses each. Blank lines are skipped;
// a line that is not a request keeps its number and, when it can be read, its
// custom_id, with the problem that will be written as its result.
func parseInput(data []byte) []inputLine {
	var out []inputLine
	for i, raw := range bytes.Split(data, []byte("\n")) {
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 {
			continue
		}
		out = append(out, parseLine(i+1, raw))
	}
	return out
}

func parseLine(n int, raw []byte) inputLine {
	l := inputLine{n: n}
	bad := func(code, format string, args ...any) inputLine {
		l.problem = &resultError{Code: code, Message: fmt.Sprintf("line %d: ", n) + fmt.Sprintf(format, args...)}
		return l
	}
	var line struct {
		CustomID json.RawMessage `json:"custom_id"`
		Method   *string         `json:"method"`
		URL      *string         `json:"url"`
		Body     json.RawMessage `json:"body"`
	}
	if err := json.Unmarshal(raw, &line); err != nil {
		return bad("invalid_json_line", "not a JSON object: %v", jsonProblem(err))
	}
	if len(line.CustomID) > 0 && string(line.CustomID) != "null" {
		if err := json.Unmarshal(line.CustomID, &l.customID); err != nil {
			return bad("invalid_custom_id", "custom_id must be a string, got %s", line.CustomID)
		}
		l.hasID = l.customID != ""
	}
	if !l.hasID {
		return bad("missing_custom_id", "custom_id is missing or empty; every line needs its own")
	}
	if line.Method != nil && !strings.EqualFold(*line.Method, "POST") {
		return bad("invalid_method", "method is %q; a chat completion is a POST", *line.Method)
	}
	if line.URL != nil && !isChatCompletionsURL(*line.URL) {
		return bad("invalid_url", "url is %q; harbor batch sends chat completions only (/v1/chat/completions)", *line.URL)
	}
	if len(line.Body) == 0 || string(line.Body) == "null" {
		return bad("missing_body", "body is missing; it is the chat completion request")
	}
	req, err := parseBody(line.Body)
	if err != nil {
		return bad("invalid_body", "body: %v", err)
	}
	l.req = req
	return l
}

// isChatCompletionsURL accepts OpenAI's /v1/chat/completions and the same path under
// another vendor's prefix (/api/v3/chat/completions), with or without a host.
func isChatCompletionsURL(u string) bool {
	path, _, _ := strings.Cut(u, "?")
	return strings.HasSuffix(strings.TrimRight(path, "/"), "/chat/completions")
}

// parseBody reads a chat completion request. Fields harbor's ChatRequest does not
// have are kept in ExtraBody and sent as they are, never dropped; "stream": true
// is refused, since each line gets one whole answer.
func parseBody(body json.RawMessage) (*harbor.ChatRequest, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
		return nil, errors.New("not a JSON object")
	}
	if s, ok := fields["stream"]; ok {
		var stream bool
		if err := json.Unmarshal(s, &stream); err != nil || stream {
			return nil, fmt.Errorf(`"stream": %s is not for a batch, where each line gets one whole answer; leave it out`, s)
		}
		delete(fields, "stream")
	}
	req := new(harbor.ChatRequest)
	if err := json.Unmarshal(body, req); err != nil {
		return nil, jsonProblem(err)
	}
	known := requestFields()
	for k, v := range fields {
		if !known[k] {
			if req.ExtraBody == nil {
				req.ExtraBody = map[string]any{}
			}
			req.ExtraBody[k] = v
		}
	}
	return req, nil
}

// requestFields are the JSON names of ChatRequest's fields.
var requestFields = sync.OnceValue(func() map[string]bool {
	known := map[string]bool{}
	t := reflect.TypeFor[harbor.ChatRequest]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			known[name] = true
		}
	}
	return known
})

// jsonProblem makes encoding/json's errors read well after "line N: ".
func jsonProblem(err error) error {
	return errors.New(strings.TrimPrefix(err.Error(), "json: "))
}

// duplicates reports the lines whose custom_id an earlier line already has, one
// message each.
func duplicates(lines []inputLine) []string {
	first := map[string]int{}
	var out []string
	for _, l := range lines {
		if !l.hasID {
			continue
		}
		if n, ok := first[l.customID]; ok {
			out = append(out, fmt.Sprintf("line %d: custom_id %q is also on line %d", l.n, l.customID, n))
			continue
		}
		first[l.customID] = l.n
	}
	return out
}

// outputLine is one line of the output, in OpenAI's batch output shape.
type outputLine struct {
	ID       string          `json:"id"`
	CustomID *string         `json:"custom_id"` // null for an input line without one
	Response *outputResponse `json:"response"`
	Error    *resultError    `json:"error"`
}

type outputResponse struct {
	StatusCode int    `json:"status_code"`
	RequestID  string `json:"request_id"`
	Body       any    `json:"body"`
}

// resultLine is the output line of one input line: its completion, or its error.
func resultLine(customID string, res *harbor.ChatCompletion, err error) outputLine {
	out := outputLine{ID: newResultID(), CustomID: &customID}
	if err == nil {
		out.Response = &outputResponse{StatusCode: 200, RequestID: res.RequestID, Body: res}
		return out
	}
	var he *harbor.Error
	if errors.As(err, &he) && he.StatusCode >= 400 {
		out.Response = &outputResponse{StatusCode: he.StatusCode, RequestID: he.RequestID, Body: vendorErrorBody(he)}
		return out
	}
	out.Error = &resultError{Code: errorCode(err), Message: err.Error()}
	return out
}

// problemLine is the output line of an input line that is not a request.
func problemLine(l inputLine) outputLine {
	out := outputLine{ID: newResultID(), Error: l.problem}
	if l.hasID {
		id := l.customID
		out.CustomID = &id
	}
	return out
}

// vendorErrorBody is the body of a vendor's HTTP error in OpenAI's shape, from
// what harbor kept of it (the message is scrubbed of secrets).
func vendorErrorBody(he *harbor.Error) map[string]any {
	orNull := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	msg := he.Message
	if msg == "" {
		msg = he.Error()
	}
	return map[string]any{"error": map[string]any{
		"message": msg, "type": orNull(he.Type), "param": orNull(he.Param), "code": orNull(he.Code),
	}}
}

// errorCodes name harbor's error classes in the "error" object of a failure that
// has no HTTP status.
var errorCodes = []struct {
	kind error
	code string
}{
	{harbor.ErrCanceled, "canceled"},
	{harbor.ErrTimeout, "timeout"},
	{harbor.ErrConnection, "connection_error"},
	{harbor.ErrStreamTruncated, "truncated_response"},
	{harbor.ErrBadResponse, "bad_response"},
	{harbor.ErrUnknownModel, "unknown_model"},
	{harbor.ErrNoCredentials, "no_credentials"},
	{harbor.ErrQueueFull, "queue_full"},
	{harbor.ErrInvalidRequest, "invalid_request"},
	{harbor.ErrAuthentication, "authentication_error"},
	{harbor.ErrPermission, "permission_denied"},
	{harbor.ErrInsufficientBalance, "insufficient_balance"},
	{harbor.ErrNotFound, "not_found"},
	{harbor.ErrRateLimited, "rate_limited"},
	{harbor.ErrContentFilter, "content_filter"},
	{harbor.ErrServer, "server_error"},
}

func errorCode(err error) string {
	for _, c := range errorCodes {
		if errors.Is(err, c.kind) {
			return c.code
		}
	}
	return "error"
}

// newResultID is an output line's id, "batch_req_" and 24 random hex digits, as
// OpenAI's are unique per result.
func newResultID() string {
	var b [12]byte
	rand.Read(b[:])
	return "batch_req_" + hex.EncodeToString(b[:])
}

// previousResults reads an existing output file: the custom_ids that already have a
// success, the numbers of the lines that are not result lines (one cut short by a
// crash), and whether the file ends in a newline (if not, the next line must start
// on a new one).
func previousResults(data []byte) (done map[string]bool, unreadable []int, endsInNewline bool) {
	done = map[string]bool{}
	for i, raw := range bytes.Split(data, []byte("\n")) {
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 {
			continue
		}
		var o struct {
			CustomID *string `json:"custom_id"`
			Response *struct {
				StatusCode int `json:"status_code"`
			} `json:"response"`
			Error json.RawMessage `json:"error"`
		}
		if err := json.Unmarshal(raw, &o); err != nil {
			unreadable = append(unreadable, i+1)
			continue
		}
		// A success is a 2xx response and no error; only these are not sent again.
		noError := len(o.Error) == 0 || string(o.Error) == "null"
		if o.CustomID != nil && noError && o.Response != nil && o.Response.StatusCode >= 200 && o.Response.StatusCode < 300 {
			done[*o.CustomID] = true
		}
	}
	return done, unreadable, len(data) == 0 || data[len(data)-1] == '\n'
}
