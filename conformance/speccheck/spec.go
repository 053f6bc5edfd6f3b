package speccheck

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	harborspec "github.com/harborai/harbor-go/spec"
)

// Spec is one vendor's parsed OpenAPI document, ready to check traffic. It is
// safe for concurrent use.
type Spec struct {
	name   string
	doc    *openapi3.T
	router routers.Router
	// slashed are the paths whose last segment is a parameter marked
	// x-harbor-slashes: its value may hold "/" (see the package doc).
	slashed []slashedPath
}

// slashedPath is a path ending in a parameter whose value may hold "/":
// prefix is the path up to it ("/v1/models/"), param its name.
type slashedPath struct {
	prefix, param string
}

// Load returns one of the specs embedded in package spec: "deepseek", "ark",
// "qianfan-v1", "qianfan-v2" or "openai". Each is parsed once per process (a
// Spec is immutable), so tests may call Load per client.
func Load(name string) (*Spec, error) {
	if s, ok := loaded.Load(name); ok {
		return s.(*Spec), nil
	}
	data, err := harborspec.Read(name)
	if err != nil {
		return nil, err
	}
	s, err := Parse(name, data)
	if err != nil {
		return nil, err
	}
	actual, _ := loaded.LoadOrStore(name, s)
	return actual.(*Spec), nil
}

var loaded sync.Map // name -> *Spec

// MustLoad is Load for package-level variables and tests; it panics if name
// is not an embedded spec or the spec is invalid, which is a build defect,
// not a runtime condition.
func MustLoad(name string) *Spec {
	s, err := Load(name)
	if err != nil {
		panic(err)
	}
	return s
}

// Parse reads an OpenAPI 3.0 document (YAML or JSON). name labels violations.
// The document itself must be valid, and every x-harbor-sse extension must
// name schemas that exist.
func Parse(name string, data []byte) (*Spec, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("speccheck: %s: %w", name, err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("speccheck: %s: invalid OpenAPI document: %w", name, err)
	}
	// Route on paths alone: the host and base path are wherever the client
	// was pointed (see the package doc).
	doc.Servers = nil
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("speccheck: %s: %w", name, err)
	}
	s := &Spec{name: name, doc: doc, router: router}
	if err := s.checkSSEExtensions(); err != nil {
		return nil, err
	}
	if s.slashed, err = slashedPaths(doc); err != nil {
		return nil, fmt.Errorf("speccheck: %s: %w", name, err)
	}
	return s, nil
}

// slashedPaths finds the paths whose last segment is a path parameter
// marked `x-harbor-slashes: true`, on the path or on an operation.
func slashedPaths(doc *openapi3.T) ([]slashedPath, error) {
	var out []slashedPath
	for path, item := range doc.Paths.Map() {
		params := append(openapi3.Parameters(nil), item.Parameters...)
		for _, op := range item.Operations() {
			params = append(params, op.Parameters...)
		}
		for _, ref := range params {
			p := ref.Value
			if p == nil || p.Extensions["x-harbor-slashes"] == nil {
				continue
			}
			if on, ok := p.Extensions["x-harbor-slashes"].(bool); !ok || !on {
				return nil, fmt.Errorf("%s: x-harbor-slashes must be true", path)
			}
			prefix, ok := strings.CutSuffix(path, "{"+p.Name+"}")
			if p.In != openapi3.ParameterInPath || !ok || !strings.HasSuffix(prefix, "/") {
				return nil, fmt.Errorf("%s: x-harbor-slashes is for a path parameter that is the path's last segment, not %q", path, p.Name)
			}
			out = append(out, slashedPath{prefix: prefix, param: p.Name})
		}
	}
	return out, nil
}

// Name is the name the spec was loaded under.
func (s *Spec) Name() string { return s.name }

// route finds the operation for r. The path may carry a base-path prefix in
// front of the spec's paths ("/api/v3/chat/completions" for "/chat/completions"),
// so suffixes are tried from the longest down.
func (s *Spec) route(r *http.Request) (*routers.Route, map[string]string, error) {
	p := r.URL.Path
	var firstErr error
	for i := 0; i < len(p); i++ {
		if p[i] != '/' {
			continue
		}
		probe := r.Clone(r.Context())
		u := *r.URL
		u.Path, u.RawPath = p[i:], ""
		probe.URL = &u
		route, params, err := s.router.FindRoute(probe)
		if err == nil {
			return route, params, nil
		}
		if route, params, ok := s.routeSlashed(probe); ok {
			return route, params, nil
		}
		var re *routers.RouteError
		if errors.As(err, &re) && re.Reason == routers.ErrMethodNotAllowed.Error() {
			return nil, nil, fmt.Errorf("%s %s: the spec has the path but not the method", r.Method, p)
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, nil, fmt.Errorf("%s %s: no operation in the spec matches this path", r.Method, p)
}

// routeSlashed finds the operation of a path whose last parameter holds
// "/" ("/v1/models/deepseek/deepseek-v4-pro", sent raw or with %2F: the
// request's Path is unescaped either way), which the spec's router splits
// into segments: it routes the path with that parameter as one segment, then
// gives the parameter the whole rest of the path.
func (s *Spec) routeSlashed(r *http.Request) (*routers.Route, map[string]string, bool) {
	for _, sp := range s.slashed {
		rest, ok := strings.CutPrefix(r.URL.Path, sp.prefix)
		if !ok || !strings.Contains(rest, "/") || strings.HasSuffix(rest, "/") {
			continue
		}
		u := *r.URL
		u.Path, u.RawPath = sp.prefix+"_", ""
		probe := r.Clone(r.Context())
		probe.URL = &u
		route, params, err := s.router.FindRoute(probe)
		if err != nil {
			continue
		}
		params[sp.param] = rest
		return route, params, true
	}
	return nil, nil, false
}

// schema resolves a component schema by name.
func (s *Spec) schema(name string) *openapi3.Schema {
	ref := s.doc.Components.Schemas[name]
	if ref == nil {
		return nil
	}
	return ref.Value
}

// sse is an x-harbor-sse extension: the schemas of a stream's events.
type sse struct {
	event, err *openapi3.Schema
	eventName  string
	errName    string
	done       string
}

func (s *Spec) sseOf(mt *openapi3.MediaType) (*sse, error) {
	raw, ok := mt.Extensions["x-harbor-sse"]
	if !ok {
		return nil, errors.New("the text/event-stream media type has no x-harbor-sse extension, so its events cannot be checked")
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("x-harbor-sse must be a map, not %T", raw)
	}
	str := func(k string) string { v, _ := m[k].(string); return v }
	out := &sse{eventName: str("event"), errName: str("error"), done: str("done")}
	if out.event = s.schema(out.eventName); out.event == nil {
		return nil, fmt.Errorf("x-harbor-sse event %q is not a schema in components", out.eventName)
	}
	if out.errName != "" {
		if out.err = s.schema(out.errName); out.err == nil {
			return nil, fmt.Errorf("x-harbor-sse error %q is not a schema in components", out.errName)
		}
	}
	return out, nil
}

func (s *Spec) checkSSEExtensions() error {
	for path, item := range s.doc.Paths.Map() {
		for method, op := range item.Operations() {
			for status, resp := range op.Responses.Map() {
				if resp.Value == nil {
					continue
				}
				for ct, mt := range resp.Value.Content {
					if !strings.HasPrefix(ct, "text/event-stream") {
						continue
					}
					if _, err := s.sseOf(mt); err != nil {
						return fmt.Errorf("speccheck: %s: %s %s %s: %w", s.name, method, path, status, err)
					}
				}
			}
		}
	}
	return nil
}
