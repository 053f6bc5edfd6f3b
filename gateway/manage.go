package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/harborai/harbor-go/generated/harborapi"
	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/llm"
)

// routes implements the generated harborapi.ServerInterface for the Server,
// so that its methods do not clutter the Server's API.
type routes struct{ *Server }

var _ harborapi.ServerInterface = routes{}

// The routes other than chat, as the generated harborapi.ServerInterface
// names them.

// Health is liveness: the process serves HTTP. It asks nothing of anyone.
func (s routes) Health(w http.ResponseWriter, r *http.Request) {
	s.writeJSON(exchangeOf(w), http.StatusOK, harborapi.Liveness{Status: "ok"})
}

// Ready is readiness: 200 when calls can be served, 503 with the failed checks.
func (s routes) Ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.Management.ReadyTimeout)
	defer cancel()
	checks := map[string]string{}
	ok := true
	fail := func(name, why string) { checks[name], ok = why, false }
	if s.draining.Load() {
		fail("shutdown", "shutting down")
	} else {
		checks["shutdown"] = "ok"
	}
	usable, open := 0, 0
	for name, p := range s.client.HealthCheck(ctx).Providers {
		if !s.offered(name) || !p.Credentials {
			continue
		}
		usable++
		if p.Circuit == harbor.CircuitOpen {
			open++
		}
	}
	switch {
	case usable == 0:
		fail("providers", "no provider has credentials: set a vendor key (DEEPSEEK_API_KEY…) or mock: true")
	case open == usable:
		fail("providers", "the circuit breaker of every provider is open")
	default:
		checks["providers"] = fmt.Sprintf("ok (%d with credentials)", usable)
	}
	if len(s.b.redis) > 0 {
		var err error
		for _, r := range s.b.redis {
			if err = r.Ping(ctx); err != nil {
				break
			}
		}
		switch {
		case err == nil:
			checks["redis"] = "ok"
		case s.cfg.Management.ReadyIgnoresRedis:
			checks["redis"] = "unreachable (ignored: calls run without the shared cache)"
		default:
			// Not err's text: it names Redis's host:port, which is for the
			// access log, not for whoever can reach /ready.
			exchangeOf(w).cause = err
			why := "unreachable"
			if c := netCause(err); c != "" {
				why += " (" + c + ")"
			}
			fail("redis", why)
		}
	}
	res := harborapi.Readiness{Status: "ready", Checks: checks}
	status := http.StatusOK
	if !ok {
		res.Status, status = "not_ready", http.StatusServiceUnavailable
		exchangeOf(w).errorType = "not_ready"
	}
	s.writeJSON(exchangeOf(w), status, res)
}

// Stats is the management figures of the harbor client and the gateway's own.
func (s routes) Stats(w http.ResponseWriter, r *http.Request) {
	x := exchangeOf(w)
	if s.cfg.Management.RequireAdminKey && !s.admin(x, r, "/stats") {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.Management.ReadyTimeout)
	defer cancel()
	gs := harborapi.GatewayStats{Requests: s.requests.Load(), StreamsOpen: s.streams.Load(), Keys: []harborapi.KeyStats{}}
	for _, k := range s.keys.keys {
		spent, budget := s.keySpent(ctx, k)
		ks := harborapi.KeyStats{Id: k.id, Requests: k.requests.Load(), SpentCny: spent}
		if t := k.tokens.Load(); t > 0 {
			ks.Tokens = &t
		}
		if budget > 0 {
			ks.BudgetCny = &budget
		}
		gs.Keys = append(gs.Keys, ks)
	}
	s.writeJSON(x, http.StatusOK, harborapi.Stats{
		Memory:      s.client.MemoryStats(),
		Concurrency: s.client.ConcurrencyStats(),
		Health:      s.client.HealthCheck(ctx),
		Cost:        s.client.CostStats(),
		Gateway:     gs,
	})
}

// admin reports whether the caller of route presented a key with admin:
// true; when not, it has answered 401 (no key or an unknown one) or 403.
func (s routes) admin(x *exchange, r *http.Request, route string) bool {
	k, ok := s.authenticate(x, r)
	if !ok {
		return false
	}
	if k == nil || !k.admin {
		s.writeError(x, apiError{status: http.StatusForbidden, typ: typePermission, code: "admin_key_required",
			message: route + " needs a key with admin: true", errorType: "forbidden"})
		return false
	}
	return true
}

// Metrics serves Prometheus's exposition of prommetrics and the gateway's own.
// It is sent whole, with its Content-Length, like every answer but a stream:
// promhttp writes it in pieces with no length, so one longer than the HTTP
// server's hold (8 KiB: a few calls' worth of series) went chunked, and a HEAD
// got no Content-Length — net/http's server does the same past its 2 KiB.
func (s routes) Metrics(w http.ResponseWriter, r *http.Request) {
	x := exchangeOf(w)
	if s.metrics == nil {
		s.notFound(w, r)
		return
	}
	if s.cfg.Management.MetricsRequireAdminKey && !s.admin(x, r, "/metrics") {
		return
	}
	held := heldAnswer{header: x.Header()}
	s.metrics.Handler().ServeHTTP(&held, r)
	if held.status == 0 { // nothing written
		held.status = http.StatusOK
	}
	s.write(x, held.status, held.body.Bytes())
}

// heldAnswer is a ResponseWriter that keeps the answer (its headers go to
// header), so that it can be sent whole with its length.
type heldAnswer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (h *heldAnswer) Header() http.Header { return h.header }

func (h *heldAnswer) WriteHeader(code int) {
	if h.status == 0 && code >= 200 {
		h.status = code
	}
}

func (h *heldAnswer) Write(p []byte) (int, error) {
	if h.status == 0 {
		h.status = http.StatusOK
	}
	return h.body.Write(p)
}

// ListModels lists the models the caller's key may use.
func (s routes) ListModels(w http.ResponseWriter, r *http.Request) {
	x := exchangeOf(w)
	k, ok := s.authenticate(x, r)
	if !ok {
		return
	}
	list := harborapi.ModelList{Object: "list", Data: make([]llm.Model, 0, len(s.models))}
	for _, m := range s.models {
		if k == nil || k.allows(m.ID, s.routing) {
			list.Data = append(list.Data, m)
		}
	}
	s.writeJSON(x, http.StatusOK, list)
}

// RetrieveModel describes one model: any name the chat route routes (a
// model id, an alias, a chain, a "provider/model" name), its id as the caller
// named it. It asks no vendor: a name that routes to a provider is found even
// if the vendor does not know it, as the chat route sends it. 404 for a name
// that routes nowhere, 403 for one the key's models refuse, 503 for one whose
// provider has no credentials here (what the chat route answers for it).
func (s routes) RetrieveModel(w http.ResponseWriter, r *http.Request, model string) {
	x := exchangeOf(w)
	k, ok := s.authenticate(x, r)
	if !ok {
		return
	}
	m, found := s.describe(model)
	switch {
	case !found:
		s.writeError(x, apiError{status: http.StatusNotFound, typ: typeInvalidRequest, code: "model_not_found", param: "model",
			message: fmt.Sprintf("the model %q does not exist on this gateway", model), errorType: "unknown_model"})
	case k != nil && !k.allows(model, s.routing):
		s.writeError(x, apiError{status: http.StatusForbidden, typ: typePermission, code: "model_not_allowed", param: "model",
			message: fmt.Sprintf("this key (%s) may not use the model %q", k.id, model), errorType: "model_not_allowed"})
	case s.noCreds[m.Provider]:
		s.writeError(x, apiError{status: http.StatusServiceUnavailable, typ: typeUnavailable, code: "provider_not_configured",
			message:   m.Provider + ": the provider of this model has no credentials on this gateway",
			errorType: harbor.ErrorType(harbor.ErrNoCredentials), final: true})
	default:
		s.writeJSON(x, http.StatusOK, m)
	}
}

// describe is the model object of a name the chat route routes, found false
// for a name that routes nowhere (or to a provider the gateway does not
// offer). A listed name is its entry in /v1/models. Another name of a listed
// model ("deepseek/deepseek-chat" for "deepseek-chat": it routes to the same
// place) is that entry under the name asked. Any other name harbor routes
// ("deepseek-v9", which goes to DeepSeek by its prefix) is described by its
// route: its provider, and in alias_of the "provider/model" it is sent as when
// the model sent is not the name's own.
func (s *Server) describe(name string) (llm.Model, bool) {
	if i := slices.IndexFunc(s.models, func(m llm.Model) bool { return m.ID == name }); i >= 0 {
		return s.models[i], true
	}
	r, err := s.client.Route(name)
	if err != nil || !s.offered(r.Provider) {
		return llm.Model{}, false
	}
	bare := name
	if p, b, ok := strings.Cut(name, "/"); ok && p == r.Provider {
		bare = b
	}
	if bare != name {
		i := slices.IndexFunc(s.models, func(m llm.Model) bool { return m.ID == bare && m.Provider == r.Provider })
		if same, err := s.client.Route(bare); i >= 0 && err == nil && same == r {
			m := s.models[i]
			m.ID = name
			return m, true
		}
	}
	m := llm.Model{ID: name, Object: "model", Created: s.started.Unix(), OwnedBy: r.Provider, Provider: r.Provider}
	if r.Model != bare {
		m.AliasOf = r.Provider + "/" + r.Model
	}
	return m, true
}

// apiPaths are the routes of spec/harbor.yaml and their methods, for 405s.
// /v1/models/{model} is every path under /v1/models/ (methodOf).
var apiPaths = map[string]string{
	"/v1/chat/completions": http.MethodPost,
	"/v1/models":           http.MethodGet,
	"/health":              http.MethodGet,
	"/ready":               http.MethodGet,
	"/stats":               http.MethodGet,
	"/metrics":             http.MethodGet,
}

// methodOf is the method of the route that has path, "" when none has it:
// then any method gets a 404. /metrics has no route with metrics off.
func (s *Server) methodOf(path string) string {
	if m, ok := apiPaths[path]; ok {
		if path == "/metrics" && s.metrics == nil {
			return ""
		}
		return m
	}
	if id, ok := strings.CutPrefix(path, "/v1/models/"); ok && id != "" {
		return http.MethodGet
	}
	return ""
}

// notFound answers every request no route takes, in OpenAI's error shape:
// 405 when the path is a route's and the method is not one it takes (Allow
// and the message name those it takes), 404 otherwise. The 404's
// error_type is its code, unknown_url, never not_found: that is harbor's
// class of a vendor's 404 (a model the vendor does not know), which the
// access log and the metrics must not count with callers' wrong URLs.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	x := exchangeOf(w)
	method := s.methodOf(r.URL.Path)
	takes := r.Method == method || (method == http.MethodGet && r.Method == http.MethodHead)
	if method != "" && !takes {
		allow := method
		if method == http.MethodGet { // GET routes answer HEAD too (net/http's ServeMux)
			allow += ", " + http.MethodHead
		}
		x.Header().Set("Allow", allow)
		s.writeError(x, apiError{status: http.StatusMethodNotAllowed, typ: typeInvalidRequest, code: "method_not_allowed",
			message: fmt.Sprintf("%s %s: this route takes %s", r.Method, r.URL.Path, method), errorType: "method_not_allowed"})
		return
	}
	s.writeError(x, apiError{status: http.StatusNotFound, typ: typeInvalidRequest, code: "unknown_url",
		message:   fmt.Sprintf("no route %s %s; the Harbor API has /v1/chat/completions and /v1/models", r.Method, r.URL.Path),
		errorType: "unknown_url"})
}

// writeJSON sends v as a JSON answer.
func (s *Server) writeJSON(x *exchange, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.writeError(x, apiError{status: http.StatusInternalServerError, typ: typeServer, code: "internal_error",
			message: "the answer could not be encoded", errorType: "internal"})
		return
	}
	x.Header()["Content-Type"] = jsonContentType
	s.write(x, status, b)
}

// Uncredentialed lists the providers the gateway offers that have no
// credentials (and no mock): calls to their models are refused with 503
// provider_not_configured. harbor serve names them at start.
func (s *Server) Uncredentialed() []string {
	var out []string
	for name, p := range s.client.HealthCheck(context.Background()).Providers {
		if s.offered(name) && !p.Credentials {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

func (s *Server) offered(provider string) bool {
	return s.b.offered == nil || s.b.offered[provider]
}

// listModels is what /v1/models lists: harbor's models of the offered
// providers that have credentials, and the fallback chains. It also returns
// the offered providers without credentials, whose models it leaves out.
//
// Each has OpenAI's created, which some clients require: harbor's local
// table has no dates, and one made up per model would be read as a release
// date, so every entry says honestly when this gateway built its list — its
// start (spec/harbor.yaml's Model.created says so).
func (s *Server) listModels(started time.Time) (models []llm.Model, noCreds map[string]bool) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	health := s.client.HealthCheck(ctx).Providers
	noCreds = map[string]bool{}
	for name, p := range health {
		if s.offered(name) && !p.Credentials {
			noCreds[name] = true
		}
	}
	var out []llm.Model
	for _, m := range s.client.Models() {
		if !s.offered(m.Provider) {
			continue
		}
		if m.Object == "" {
			m.Object = "model"
		}
		if m.OwnedBy == "" {
			m.OwnedBy = m.Provider
		}
		if m.Created == 0 {
			m.Created = started.Unix()
		}
		out = append(out, m)
	}
	for _, c := range s.b.chains {
		out = append(out, llm.Model{ID: c, Object: "model", Created: started.Unix(), OwnedBy: "harbor", Provider: "harbor",
			AliasOf: strings.Join(s.cfg.Fallbacks[c], ",")})
	}
	// One entry per name, then only what can answer: a name whose provider
	// has no credentials is not listed, even when another provider also
	// lists it (calls do not go there).
	out = listedOnce(out, func(id string) string {
		r, err := s.client.Route(id)
		if err != nil {
			return ""
		}
		return r.Provider
	})
	return slices.DeleteFunc(out, func(m llm.Model) bool { return noCreds[m.Provider] }), noCreds
}

// listedOnce keeps one entry per id, the one a call by that name reaches: a
// chain (harbor walks chains before it routes), else the entry of the
// provider the name routes to (routeOf; harbor's routing picks among models,
// aliases and endpoints of one name) — /v1/models listed every one, with
// owners calls did not reach.
func listedOnce(models []llm.Model, routeOf func(id string) string) []llm.Model {
	at := map[string]int{}
	out := models[:0]
	for _, m := range models {
		if i, ok := at[m.ID]; ok {
			if out[i].Provider != "harbor" && (m.Provider == "harbor" || m.Provider == routeOf(m.ID)) {
				out[i] = m
			}
			continue
		}
		at[m.ID] = len(out)
		out = append(out, m)
	}
	return out
}

// gatewayMetrics are the gateway's own Prometheus metrics, next to
// prommetrics' in the same registry. Every label comes from a fixed set.
type gatewayMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	streams  prometheus.GaugeFunc
	budgets  *budgetCollector
	// accessLost counts the gateway's own access log lines that failed to
	// be written (0 with Config.AccessLog or the log off).
	accessLost prometheus.CounterFunc
	redis      []prometheus.Collector // only with a Redis tier
}

func newGatewayMetrics(s *Server) *gatewayMetrics {
	g := &gatewayMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "harbor_gateway_http_requests_total",
			Help: "HTTP requests the gateway answered, by route, status code and error type (empty on success).",
		}, []string{"route", "code", "error_type"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "harbor_gateway_http_request_duration_seconds",
			Help:    "Time from a request's arrival to the end of its answer (a stream's last event), by route.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
		}, []string{"route"}),
		streams: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "harbor_gateway_streams_open",
			Help: "Streams being answered now.",
		}, func() float64 { return float64(s.streams.Load()) }),
		budgets: &budgetCollector{s: s, desc: prometheus.NewDesc("harbor_gateway_key_budget_spent_ratio",
			"What each virtual key with a budget has spent in its current period, as a fraction of its budget_cny (1: spent).",
			[]string{"key"}, nil)},
	}
	g.accessLost = prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "harbor_gateway_access_log_lost_lines_total",
		Help: "Access log lines that could not be written (a full disk, a closed pipe); the requests were answered.",
	}, func() float64 {
		if j := s.accessJSON; j != nil {
			return float64(j.lost.Load())
		}
		return 0
	})
	if len(s.b.redis) > 0 {
		g.redis = append(g.redis, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "harbor_gateway_redis_up",
			Help: "1 when Redis (the shared cache tier's, and the shared limits' if another) answered a PING at this scrape " +
				"(within management.ready_timeout), else 0.",
		}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), s.cfg.Management.ReadyTimeout)
			defer cancel()
			for _, r := range s.b.redis {
				if r.Ping(ctx) != nil {
					return 0
				}
			}
			return 1
		}))
	}
	if s.b.shared != nil {
		g.redis = append(g.redis, prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "harbor_shared_cache_errors_total",
			Help: "Reads and writes of the shared cache tier (Redis) that failed or timed out; each was served as a miss.",
		}, func() float64 {
			if c := s.client.MemoryStats().Cache; c != nil && c.Shared != nil {
				return float64(c.Shared.Errors)
			}
			return 0
		}))
	}
	if l := s.sharedLimits; l != nil {
		g.redis = append(g.redis, prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "harbor_gateway_shared_limits_errors_total",
			Help: "Round trips of the fleet-wide key limits (shared_limits) that failed or timed out; each call they concerned " +
				"was counted in this process (on_redis_down: open), and settled into Redis once it answered, or refused (closed).",
		}, func() float64 { return float64(l.errors.Load()) }))
	}
	return g
}

// budgetCollector reports each budgeted key's spending at scrape time.
type budgetCollector struct {
	s    *Server
	desc *prometheus.Desc
}

func (b *budgetCollector) Describe(ch chan<- *prometheus.Desc) { ch <- b.desc }

func (b *budgetCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), b.s.cfg.Management.ReadyTimeout)
	defer cancel()
	for _, k := range b.s.keys.keys {
		if k.budget <= 0 {
			continue
		}
		spent, budget := b.s.keySpent(ctx, k)
		if budget > 0 {
			ch <- prometheus.MustNewConstMetric(b.desc, prometheus.GaugeValue, spent/budget, k.id)
		}
	}
}

func (g *gatewayMetrics) register(r prometheus.Registerer) error {
	for _, c := range append([]prometheus.Collector{g.requests, g.duration, g.streams, g.budgets, g.accessLost}, g.redis...) {
		if err := r.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// routeOf names a request's route for a label.
func routeOf(r *http.Request) string {
	switch p := r.URL.Path; {
	case p == "/v1/chat/completions":
		return "chat"
	case p == "/v1/models":
		return "models"
	case strings.HasPrefix(p, "/v1/models/"):
		return "model"
	case p == "/health", p == "/ready", p == "/stats", p == "/metrics":
		return p[1:]
	}
	return "other"
}

// gatewayErrorTypes bounds the error_type label: harbor's classes and the
// gateway's own reasons; anything else is "other".
var gatewayErrorTypes = func() map[string]bool {
	m := map[string]bool{}
	for _, t := range harbor.ErrorTypes() {
		m[t] = true
	}
	for _, t := range []string{"unauthenticated", "forbidden", "model_not_allowed", "budget_exceeded", "request_too_large",
		"request_timeout", "client_closed", "write_failed", "write_timeout", "too_many_streams", "shutting_down", "not_ready", "internal",
		"limits_unavailable", "method_not_allowed", "unknown_url", "provider_misconfigured"} {
		m[t] = true
	}
	return m
}()

func (g *gatewayMetrics) observe(x *exchange, r *http.Request) {
	status := x.status
	if status == 0 {
		status = http.StatusOK
	}
	et := x.errorType
	if et != "" && !gatewayErrorTypes[et] {
		et = "other"
	}
	route := routeOf(r)
	g.requests.WithLabelValues(route, strconv.Itoa(status), et).Inc()
	g.duration.WithLabelValues(route).Observe(time.Since(x.start).Seconds())
}
