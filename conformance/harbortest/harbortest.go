package harbortest

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harborai/harbor-go/conformance/mockvendor"
	"github.com/harborai/harbor-go/conformance/speccheck"
	"github.com/harborai/harbor-go/harbor"
)

// Vendor names a mock vendor. Its value is the harbor provider name the
// mock stands in for, so it can be passed to harbor's With… options.
type Vendor string

// The vendors harbor supports out of the box.
const (
	DeepSeek Vendor = "deepseek" // DeepSeek, mocked by mockvendor.DeepSeek
	Doubao   Vendor = "doubao"   // Volcengine Ark (Doubao), mocked by mockvendor.Ark
	Wenxin   Vendor = "wenxin"   // Baidu Qianfan v1 (Wenxin, OAuth tokens), mocked by mockvendor.QianfanV1
	Qianfan  Vendor = "qianfan"  // Baidu Qianfan v2 (OpenAI-style), mocked by mockvendor.QianfanV2
	OpenAI   Vendor = "openai"   // OpenAI and compatible servers, mocked by mockvendor.OpenAI
)

// Vendors lists every Vendor, in a fixed order.
func Vendors() []Vendor { return []Vendor{DeepSeek, Doubao, Wenxin, Qianfan, OpenAI} }

// RetryWaitMin and RetryWaitMax are the backoff bounds of the clients the kit
// builds: harbor still retries (so tests see its real policy), but in
// milliseconds rather than seconds.
const (
	RetryWaitMin = time.Millisecond
	RetryWaitMax = 10 * time.Millisecond
)

// vendorSpec is what the kit knows about one vendor: how to build its mock,
// where harbor's base URL points, the fake credentials both sides share and a
// model harbor routes to it that the mock serves.
type vendorSpec struct {
	openapi   string // the spec/ file describing the vendor's API
	basePath  string
	model     string
	key       string
	secret    string // Wenxin only
	appID     string // Qianfan only
	chatRoute func(path string) bool
}

func isChatCompletions(path string) bool { return strings.HasSuffix(path, "/chat/completions") }

const wenxinChatPrefix = "/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/"

var specs = map[Vendor]vendorSpec{
	DeepSeek: {openapi: "deepseek", model: "deepseek-v4-flash", key: "sk-harbortest-deepseek", chatRoute: isChatCompletions},
	Doubao: {openapi: "ark", basePath: "/api/v3", model: "doubao-seed-1-6-251015", key: "ark-harbortest-doubao",
		chatRoute: isChatCompletions},
	Wenxin: {openapi: "qianfan-v1", model: "ERNIE-Speed-8K", key: "harbortest-wenxin-api-key", secret: "harbortest-wenxin-secret-key",
		chatRoute: func(p string) bool { return strings.HasPrefix(p, wenxinChatPrefix) }},
	Qianfan: {openapi: "qianfan-v2", basePath: "/v2", model: "ernie-speed-8k", key: "bce-v3/ALTAK-harbortest/qianfan", appID: "app-harbortest",
		chatRoute: isChatCompletions},
	OpenAI: {openapi: "openai", basePath: "/v1", model: "gpt-4o-mini", key: "sk-harbortest-openai", chatRoute: isChatCompletions},
}

// Option configures a mock before it starts.
type Option func(*settings)

type settings struct {
	addr     string
	noCheck  bool
	deepseek *mockvendor.DeepSeekConfig
	ark      *mockvendor.ArkConfig
	qfv1     *mockvendor.QianfanV1Config
	qfv2     *mockvendor.QianfanV2Config
	openai   *mockvendor.OpenAIConfig
}

// WithoutSpecCheck turns off the spec check of Start's clients (see
// Mock.Options), for tests that script off-spec replies on purpose.
func WithoutSpecCheck() Option { return func(s *settings) { s.noCheck = true } }

// WithAddr sets the loopback address to listen on; the default,
// "127.0.0.1:0", picks a free port.
func WithAddr(addr string) Option { return func(s *settings) { s.addr = addr } }

// The With…Config options configure the mock itself (latency, chunk delay,
// keep-alives, a fixed clock, Ark endpoints…). Empty credential fields are
// filled with the kit's fake ones, so the mock and Client always agree;
// set them to test a client with other credentials. Giving the config of
// another vendor's mock is an error.

// WithDeepSeekConfig configures a DeepSeek mock.
func WithDeepSeekConfig(c mockvendor.DeepSeekConfig) Option {
	return func(s *settings) { s.deepseek = &c }
}

// WithArkConfig configures a Doubao (Ark) mock.
func WithArkConfig(c mockvendor.ArkConfig) Option { return func(s *settings) { s.ark = &c } }

// WithQianfanV1Config configures a Wenxin (Qianfan v1) mock.
func WithQianfanV1Config(c mockvendor.QianfanV1Config) Option {
	return func(s *settings) { s.qfv1 = &c }
}

// WithQianfanV2Config configures a Qianfan (v2) mock.
func WithQianfanV2Config(c mockvendor.QianfanV2Config) Option {
	return func(s *settings) { s.qfv2 = &c }
}

// WithOpenAIConfig configures an OpenAI-compatible mock.
func WithOpenAIConfig(c mockvendor.OpenAIConfig) Option {
	return func(s *settings) { s.openai = &c }
}

// controls is what every mockvendor mock offers besides its routes.
type controls interface {
	http.Handler
	Enqueue(f ...mockvendor.Fault)
	Requests() []mockvendor.RecordedRequest
	Reset()
	SetRecording(on bool)
}

// Mock is a running mock vendor and the harbor configuration that reaches it.
// It is safe for concurrent use.
type Mock struct {
	vendor  Vendor
	spec    vendorSpec
	mock    controls
	srv     *mockvendor.Server
	tb      testing.TB // nil when made by New
	check   bool       // Options checks traffic against the vendor's spec
	noCheck bool       // WithoutSpecCheck was given

	mu     sync.Mutex
	client *harbor.Client // Client's, made on its first call
}

// Start starts v's mock on a loopback port for the test tb and closes it when
// the test ends (tb.Cleanup). It fails the test if the mock cannot start or
// an option does not fit v.
func Start(tb testing.TB, v Vendor, opts ...Option) *Mock {
	tb.Helper()
	m, err := New(v, opts...)
	if err != nil {
		tb.Fatalf("harbortest.Start: %v", err)
		return nil // unreachable with a real testing.TB
	}
	m.tb = tb
	m.check = !m.noCheck
	tb.Cleanup(func() { _ = m.Close() })
	return m
}

// New starts v's mock on a loopback port outside a test (examples, TestMain,
// benchmarks' setup, tools). The caller must Close it. Tests use Start.
func New(v Vendor, opts ...Option) (*Mock, error) {
	spec, ok := specs[v]
	if !ok {
		return nil, fmt.Errorf("harbortest: unknown vendor %q (want one of %v)", v, Vendors())
	}
	s := settings{addr: "127.0.0.1:0"}
	for _, o := range opts {
		o(&s)
	}
	mock, err := s.build(v, &spec)
	if err != nil {
		return nil, err
	}
	srv, err := mockvendor.Listen(s.addr, mock)
	if err != nil {
		return nil, fmt.Errorf("harbortest: starting the %s mock: %w", v, err)
	}
	return &Mock{vendor: v, spec: spec, mock: mock, srv: srv, noCheck: s.noCheck}, nil
}

// build makes v's mock from the options, filling empty credentials with the
// kit's and recording in spec the ones the mock ended up with.
func (s *settings) build(v Vendor, spec *vendorSpec) (controls, error) {
	given := map[Vendor]bool{DeepSeek: s.deepseek != nil, Doubao: s.ark != nil, Wenxin: s.qfv1 != nil,
		Qianfan: s.qfv2 != nil, OpenAI: s.openai != nil}
	for other, set := range given {
		if set && other != v {
			return nil, fmt.Errorf("harbortest: a %s mock config was given for a %s mock", other, v)
		}
	}
	fill := func(field *string, def string) string {
		if *field == "" {
			*field = def
		}
		return *field
	}
	switch v {
	case DeepSeek:
		c := deref(s.deepseek)
		spec.key = fill(&c.APIKey, spec.key)
		return mockvendor.NewDeepSeek(c), nil
	case Doubao:
		c := deref(s.ark)
		spec.key = fill(&c.APIKey, spec.key)
		return mockvendor.NewArk(c), nil
	case Wenxin:
		c := deref(s.qfv1)
		spec.key = fill(&c.APIKey, spec.key)
		spec.secret = fill(&c.SecretKey, spec.secret)
		return mockvendor.NewQianfanV1(c), nil
	case Qianfan:
		c := deref(s.qfv2)
		spec.key = fill(&c.APIKey, spec.key)
		spec.appID = fill(&c.AppID, spec.appID)
		return mockvendor.NewQianfanV2(c), nil
	case OpenAI:
		c := deref(s.openai)
		spec.key = fill(&c.APIKey, spec.key)
		return mockvendor.NewOpenAI(c), nil
	}
	return nil, errors.New("harbortest: unreachable")
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// Vendor reports which vendor this mock stands in for.
func (m *Mock) Vendor() Vendor { return m.vendor }

// Provider is the harbor provider name the mock stands in for ("deepseek").
func (m *Mock) Provider() string { return string(m.vendor) }

// URL is the mock server's root, e.g. "http://127.0.0.1:54321".
func (m *Mock) URL() string { return m.srv.URL() }

// BaseURL is what harbor's provider is configured with: URL plus the
// vendor's API prefix ("/api/v3" for Doubao, "/v2" for Qianfan, "/v1" for
// OpenAI). Point other clients of the vendor's API here too.
func (m *Mock) BaseURL() string { return m.srv.URL() + m.spec.basePath }

// APIKey is the API key the mock accepts (fake, safe to print).
func (m *Mock) APIKey() string { return m.spec.key }

// SecretKey is the secret key the Wenxin mock accepts; "" for other vendors.
func (m *Mock) SecretKey() string { return m.spec.secret }

// AppID is the appid the Qianfan mock requires; "" for other vendors.
func (m *Mock) AppID() string { return m.spec.appID }

// Model is a model name that harbor routes to this vendor and the mock
// serves: deepseek-v4-flash, doubao-seed-1-6-251015, ERNIE-Speed-8K,
// ernie-speed-8k or gpt-4o-mini.
func (m *Mock) Model() string { return m.spec.model }

// Options are the harbor options that point a client at this mock: the
// provider's base URL and credentials, no configuration from the
// environment (so a developer's real keys are never used) and millisecond
// retry waits. Client and NewClient use exactly these (NewClient then the
// caller's).
//
// With a Mock from Start they also check every request the client sends and
// every response it reads against the vendor's OpenAPI spec (spec/*.yaml,
// conformance/speccheck), failing the test on a violation: a request the
// real vendor's contract rejects is a bug worth seeing before production.
// WithoutSpecCheck turns that off; a caller's harbor.WithTransport replaces
// it.
func (m *Mock) Options() []harbor.Option {
	cfg := harbor.ProviderConfig{APIKey: m.spec.key, SecretKey: m.spec.secret, AppID: m.spec.appID, BaseURL: m.BaseURL()}
	opts := []harbor.Option{
		harbor.WithGetenv(func(string) string { return "" }),
		harbor.WithProviderConfig(m.Provider(), cfg),
		harbor.WithRetryWait(RetryWaitMin, RetryWaitMax),
	}
	if m.check {
		tb := m.tb
		opts = append(opts, harbor.WithTransport(speccheck.MustLoad(m.spec.openapi).Transport(nil, func(v speccheck.Violation) {
			tb.Errorf("harbortest: %v (harbortest.WithoutSpecCheck() if this is on purpose)", v)
		})))
	}
	return opts
}

// Client returns the mock's harbor client, configured with Options alone. It
// is made on the first call and the same client is returned after, so what
// one piece of code does with it shows in another's m.Client().Stats():
//
//	m.Enqueue(harbortest.RateLimited(""))
//	_, err := Summarize(m.Client(), m.Model(), "a long text")
//	// m.Client().Stats().Retries == 1
//
// For a client with other settings (WithMaxRetries(0), another key), or one
// of its own, use NewClient. The client is closed when the test ends (Start)
// or with the mock (Close). A Mock from New panics, as harbor.Must, if the
// client cannot be made; one from Start fails the test.
func (m *Mock) Client() *harbor.Client {
	if m.tb != nil {
		m.tb.Helper()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.client != nil {
		return m.client
	}
	c, err := harbor.New(m.Options()...)
	if err != nil {
		if m.tb == nil {
			panic(fmt.Sprintf("harbortest: Client: %v", err))
		}
		m.tb.Fatalf("harbortest: Client: %v", err)
		return nil
	}
	m.client = c
	return c
}

// NewClient returns a new harbor client pointed at this mock, with its own
// counters (Stats) and connections, every time it is called; opts are
// applied after the kit's Options, so they can override them
// (WithMaxRetries(0), another key, a transport). It fails only on invalid
// options. With a Mock from Start the client is closed when the test ends;
// otherwise Close it yourself.
func (m *Mock) NewClient(opts ...harbor.Option) (*harbor.Client, error) {
	c, err := harbor.New(append(m.Options(), opts...)...)
	if err != nil {
		return nil, err
	}
	if m.tb != nil {
		m.tb.Cleanup(func() { _ = c.Close() })
	}
	return c, nil
}

// Enqueue scripts the mock's next chat responses: each chat request consumes
// the next Fault, in order; a zero Fault lets one request through. Faults
// include canned raw replies (ReplyJSON, ReplySSE, Fault.Reply). Token and
// model-list requests never consume them.
func (m *Mock) Enqueue(f ...Fault) { m.mock.Enqueue(f...) }

// Reply scripts the next chat response as the raw bytes of r (status,
// headers, body or server-sent events); see mockvendor.Reply. It takes its
// turn in the same queue as Enqueue's faults.
func (m *Mock) Reply(r Reply) { m.mock.Enqueue(Fault{Reply: &r}) }

// Requests returns every request the mock received (token fetches and
// rejected requests included), in arrival order. The slice is a copy.
func (m *Mock) Requests() []RecordedRequest { return m.mock.Requests() }

// ChatRequests returns the chat requests only: what the client sent for
// Create and Stream calls, retries included, without Wenxin's token
// fetches or model listings.
func (m *Mock) ChatRequests() []RecordedRequest {
	var out []RecordedRequest
	for _, r := range m.mock.Requests() {
		if r.Method == http.MethodPost && m.spec.chatRoute(r.Path) {
			out = append(out, r)
		}
	}
	return out
}

// Reset forgets recorded requests and pending faults and replies, as the
// mock's own Reset documents (Wenxin's issued tokens stay valid).
func (m *Mock) Reset() { m.mock.Reset() }

// Close stops the mock and closes Client's client, if it was made. It is safe
// to call more than once; Start calls it when the test ends.
func (m *Mock) Close() error {
	m.mu.Lock()
	c := m.client
	m.mu.Unlock()
	if c != nil {
		_ = c.Close()
	}
	return m.srv.Close()
}

// Handler is the underlying mock as an http.Handler, to mount elsewhere.
func (m *Mock) Handler() http.Handler { return m.mock }

// The vendor-specific accessors return the underlying mock for knobs the
// kit does not wrap (QianfanV1.ExpireTokens and TokenFetches,
// SetRecording…), or nil when the mock is another vendor's.

// DeepSeekMock returns the DeepSeek mock, or nil.
func (m *Mock) DeepSeekMock() *mockvendor.DeepSeek { return as[*mockvendor.DeepSeek](m) }

// ArkMock returns the Doubao (Ark) mock, or nil.
func (m *Mock) ArkMock() *mockvendor.Ark { return as[*mockvendor.Ark](m) }

// QianfanV1Mock returns the Wenxin (Qianfan v1) mock, or nil.
func (m *Mock) QianfanV1Mock() *mockvendor.QianfanV1 { return as[*mockvendor.QianfanV1](m) }

// QianfanV2Mock returns the Qianfan (v2) mock, or nil.
func (m *Mock) QianfanV2Mock() *mockvendor.QianfanV2 { return as[*mockvendor.QianfanV2](m) }

// OpenAIMock returns the OpenAI-compatible mock, or nil.
func (m *Mock) OpenAIMock() *mockvendor.OpenAI { return as[*mockvendor.OpenAI](m) }

func as[T controls](m *Mock) T {
	t, _ := m.mock.(T)
	return t
}
