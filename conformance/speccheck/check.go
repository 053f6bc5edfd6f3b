package speccheck

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/harborai/harbor-go/llm"
)

// Violation is one way a request or response breaks the spec.
type Violation struct {
	Spec   string // the spec's name, e.g. "deepseek"
	Method string
	Path   string
	// Part says where: "request", "response 200", "stream event 3".
	Part   string
	Detail string // what is wrong; credentials are redacted
}

func (v Violation) Error() string {
	return fmt.Sprintf("%s spec: %s %s: %s: %s", v.Spec, v.Method, v.Path, v.Part, v.Detail)
}

// options are the validation settings shared by requests and responses:
// every error, not just the first; undeclared statuses are violations; the
// validator must not write defaults into what it checks.
func options() *openapi3filter.Options {
	return &openapi3filter.Options{
		MultiError:            true,
		IncludeResponseStatus: true,
		SkipSettingDefaults:   true,
		AuthenticationFunc:    authenticate,
	}
}

// authenticate checks that the credentials a security scheme asks for are
// present and well formed; whether they are right is the vendor's business.
func authenticate(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	scheme := in.SecurityScheme
	r := in.RequestValidationInput.Request
	switch {
	case scheme.Type == "http" && strings.EqualFold(scheme.Scheme, "bearer"):
		h := r.Header.Get("Authorization")
		if len(h) < 8 || !strings.EqualFold(h[:7], "bearer ") || strings.TrimSpace(h[7:]) == "" {
			return errors.New(`missing or malformed "Authorization: Bearer <key>" header`)
		}
	case scheme.Type == "apiKey" && scheme.In == "header":
		if r.Header.Get(scheme.Name) == "" {
			return fmt.Errorf("missing %s header", scheme.Name)
		}
	case scheme.Type == "apiKey" && scheme.In == "query":
		if r.URL.Query().Get(scheme.Name) == "" {
			return fmt.Errorf("missing %s query parameter", scheme.Name)
		}
	}
	return nil
}

// CheckRequest validates a request whose body has been read into body (the
// request's own Body is not touched). It returns nil when the spec accepts it.
func (s *Spec) CheckRequest(r *http.Request, body []byte) []Violation {
	route, params, err := s.route(r)
	if err != nil {
		return []Violation{s.violation(r, "request", err)}
	}
	in := s.requestInput(r, body, route, params)
	if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
		return s.violations(r, "request", err)
	}
	return nil
}

func (s *Spec) requestInput(r *http.Request, body []byte, route *routers.Route, params map[string]string) *openapi3filter.RequestValidationInput {
	probe := r.Clone(r.Context())
	probe.Body = io.NopCloser(bytes.NewReader(body))
	probe.ContentLength = int64(len(body))
	return &openapi3filter.RequestValidationInput{Request: probe, PathParams: params, Route: route, Options: options()}
}

// CheckResponse validates the response to r: its status must be declared,
// its declared headers well formed and its body must match the schema of its
// content type. An event-stream body is checked event by event (see the
// package doc); complete reports whether body is the whole body — when it is
// not (the connection broke), only the complete events are checked.
func (s *Spec) CheckResponse(r *http.Request, status int, header http.Header, body []byte, complete bool) []Violation {
	route, params, err := s.route(r)
	if err != nil {
		return []Violation{s.violation(r, "request", err)}
	}
	part := fmt.Sprintf("response %d", status)
	opts := options()
	isSSE := isEventStream(header)
	opts.ExcludeResponseBody = isSSE || !complete
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: opts},
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                opts,
	}
	var out []Violation
	if err := openapi3filter.ValidateResponse(r.Context(), in); err != nil {
		out = append(out, s.violations(r, part, err)...)
	}
	if isSSE {
		out = append(out, s.checkStream(r, route, status, body, complete)...)
	}
	return out
}

// checkStream validates an event-stream body against the x-harbor-sse
// extension of its media type.
func (s *Spec) checkStream(r *http.Request, route *routers.Route, status int, body []byte, complete bool) []Violation {
	part := fmt.Sprintf("response %d", status)
	resp := route.Operation.Responses.Status(status)
	if resp == nil || resp.Value == nil {
		return nil // already reported as an undeclared status
	}
	mt := resp.Value.Content.Get("text/event-stream")
	if mt == nil {
		return []Violation{s.violation(r, part, errors.New("the spec declares no text/event-stream body for this status"))}
	}
	schemas, err := s.sseOf(mt)
	if err != nil {
		return []Violation{s.violation(r, part, err)}
	}
	var out []Violation
	events := splitEvents(body, complete)
	sawDone := false
	for i, ev := range events {
		where := fmt.Sprintf("stream event %d", i+1)
		if sawDone {
			out = append(out, s.violation(r, where, fmt.Errorf("event after the end marker %q: %.120s", schemas.done, ev.data)))
			continue
		}
		if ev.data == "[DONE]" || (schemas.done != "" && ev.data == schemas.done) {
			if schemas.done == "" {
				out = append(out, s.violation(r, where, fmt.Errorf("end marker %q, but this vendor's streams have none (they end with their last event)", ev.data)))
			}
			sawDone = true
			continue
		}
		var v any
		if err := json.Unmarshal([]byte(ev.data), &v); err != nil {
			out = append(out, s.violation(r, where, fmt.Errorf("data is not JSON: %v: %.120s", err, ev.data)))
			continue
		}
		if ev.bare {
			// A JSON line outside the SSE framing: only an in-band error may
			// come that way.
			if schemas.err == nil {
				out = append(out, s.violation(r, where, fmt.Errorf("JSON line outside the SSE framing, and the spec has no error event: %.120s", ev.data)))
			} else if err := visit(schemas.err, v); err != nil {
				out = append(out, s.violation(r, where, fmt.Errorf("bare line does not match %s: %w", schemas.errName, err)))
			}
			continue
		}
		err := visit(schemas.event, v)
		if err == nil {
			continue
		}
		if schemas.err != nil && isErrorEvent(v) {
			if e2 := visit(schemas.err, v); e2 != nil {
				out = append(out, s.violation(r, where, fmt.Errorf("error event does not match %s: %w", schemas.errName, e2)))
			}
			continue
		}
		out = append(out, s.violation(r, where, fmt.Errorf("does not match %s: %w", schemas.eventName, err)))
	}
	// A stream the server finished without its end marker is a truncated
	// stream: a fault harbor must survive (the mocks inject it on purpose),
	// not a shape the spec can forbid, so it is not a violation.
	return out
}

// isErrorEvent reports whether a decoded event is an object with a top-level
// "error" member, the shape of every in-band error event harbor knows.
func isErrorEvent(v any) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	_, ok = m["error"]
	return ok
}

func visit(schema *openapi3.Schema, v any) error {
	return schema.VisitJSON(v, openapi3.MultiErrors(), openapi3.VisitAsResponse())
}

func (s *Spec) violation(r *http.Request, part string, err error) Violation {
	return Violation{Spec: s.name, Method: r.Method, Path: r.URL.Path, Part: part, Detail: redact(r, describe(err))}
}

// describe shortens kin-openapi's schema errors, which print the whole
// schema, to where, what and the offending value.
func describe(err error) string {
	var se *openapi3.SchemaError
	if !errors.As(err, &se) {
		return err.Error()
	}
	prefix := ""
	var re *openapi3filter.RequestError
	var pe *openapi3filter.ResponseError
	switch {
	case errors.As(err, &re) && re.Parameter != nil:
		prefix = fmt.Sprintf("parameter %q in %s: ", re.Parameter.Name, re.Parameter.In)
	case errors.As(err, &pe) && pe.Reason != "":
		prefix = pe.Reason + ": "
	}
	value, _ := json.Marshal(se.Value)
	v := string(value)
	if len(v) > 120 {
		v = v[:120] + "…"
	}
	return fmt.Sprintf("%sat %q: %s (value %s)", prefix, "/"+strings.Join(se.JSONPointer(), "/"), se.Reason, v)
}

// violations flattens kin-openapi's multi-errors into one Violation each.
func (s *Spec) violations(r *http.Request, part string, err error) []Violation {
	var multi openapi3.MultiError
	if errors.As(err, &multi) {
		var out []Violation
		for _, e := range multi {
			out = append(out, s.violations(r, part, e)...)
		}
		return out
	}
	return []Violation{s.violation(r, part, err)}
}

// redact removes the request's credentials from a message: kin-openapi
// quotes offending values, and a test log must not carry a live key.
func redact(r *http.Request, msg string) string {
	var secrets []string
	if h := r.Header.Get("Authorization"); h != "" {
		secrets = append(secrets, h)
		if _, tok, ok := strings.Cut(h, " "); ok {
			secrets = append(secrets, tok)
		}
	}
	for _, k := range []string{"access_token", "client_id", "client_secret"} {
		if v := r.URL.Query().Get(k); v != "" {
			secrets = append(secrets, v)
		}
	}
	return llm.Redact(msg, secrets...)
}

func isEventStream(h http.Header) bool {
	mediaType, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	return mediaType == "text/event-stream"
}
