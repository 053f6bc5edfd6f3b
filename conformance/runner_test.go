package conformance

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/mockvendor"
	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/providers/openaicompat"
)

// The one conformance runner. Every vendor's table is a []vendorCase run by runTable
// with that vendor's harness: how to start its mock, fill in the client's
// credentials, recognise its requests on the wire and which rules every answer of
// that vendor obeys. A sixth vendor costs a table and a harness, not a runner.

// vendorCase is one row of a vendor's conformance table. C is the mock's config type
// and M the mock. A row runs as Create and as Stream (unless only says otherwise),
// each time against a fresh mock and client; the subtests are "<name>/create" and
// "<name>/stream".
type vendorCase[C any, M vendorMock] struct {
	name  string // the subtest name, cited by COVERAGE.md
	quirk string // the vendor fact this row pins (shared/vendors.md, or the provider's doc.go)
	bug   string // a known bug this row documents: skipped with "BUG: …"
	only  string // "create" or "stream"; "" runs both

	// The mock, the client and the call.
	mock C // the mock's config; the harness fills in what a row leaves out (its key)
	// client is the client's provider config: the harness fills in the credentials
	// a row leaves empty, and BaseURL, when set, is a path on the mock replacing the
	// vendor's base path ("/v3").
	client harbor.ProviderConfig
	// register, when set, is registered on the client with the mock's base URL and
	// the client's key, and the request goes to it (Error.Provider is its name).
	register *openaicompat.Endpoint
	// stripRequestID makes the client's transport drop the vendor's request-id
	// header (harness.idHeader) from every response.
	stripRequestID bool
	// warm, when set, makes one successful call first (the harness's warmUp), then
	// resets the mock's records and calls warm on it.
	warm    func(m M)
	faults  []mockvendor.Fault
	req     harbor.ChatRequest
	opts    []harbor.CallOption // per call
	repeat  int                 // how many times the call is made (0: once)
	offSpec string              // the traffic breaks the spec on purpose: a violation containing this must occur (see specChecked)

	// What the vendor must see: how many chat requests (-1: not checked; 0: refused
	// before I/O) and token grants (Wenxin's OAuth endpoint; no other vendor has
	// any), the last chat request's path when the row pins it, and JSON pointers into
	// its body.
	requests int
	tokens   int
	path     string
	sent     map[string]any
	notSent  []string

	// What the caller must get: an error of Kind err whose fields match those set …
	err              error
	status           int // Error.HTTPStatusCode(); noStatus: must be 0 (an error inside a stream or a 200 body)
	code, typ, param string
	msgHas           string // Error.Message contains it
	// requestID is a regexp for Error.RequestID, or for a Create's
	// ChatCompletion.RequestID on success; fromHeader asks for exactly the id the
	// vendor sent in its request-id header on the last response.
	requestID  string
	retryAfter time.Duration
	retryable  *bool
	minElapsed time.Duration // the calls took at least this long (a Retry-After was waited for)
	// … or an answer with these (text is also checked when "" if finish is length
	// or tool_calls; noReasoning: reasoning must be empty) …
	text, reasoning, finish string
	noReasoning             bool
	model                   string // the model the answer names (ChatCompletion.Model, or the first chunk's)
	// … and whatever else the row checks.
	check func(t *testing.T, o *outcome[M])
}

const (
	noStatus   = -1         // vendorCase.status: the error has no HTTP status
	fromHeader = "(header)" // vendorCase.requestID: the vendor's request-id header, exactly
)

var yes, no = new(bool), new(bool)

func init() { *yes = true }

// vendorMock is what the runner needs of a mock vendor.
type vendorMock interface {
	http.Handler
	Enqueue(...mockvendor.Fault)
	Requests() []mockvendor.RecordedRequest
	Reset()
}

// harness is what differs between vendors, apart from their tables.
type harness[C any, M vendorMock] struct {
	provider string // harbor's provider name (Error.Provider)
	spec     string // spec/<spec>.yaml, which every request and answer must follow
	base     string // the vendor's base path on the mock ("/v1")
	idHeader string // the response header carrying the vendor's request id

	newMock func(cfg C) M                  // a mock from a row's config, defaults filled in
	config  func(p *harbor.ProviderConfig) // fills in the client's default credentials
	// wire checks one recorded request (method, path, auth) and says whether it is
	// a chat request.
	wire func(t *testing.T, o *outcome[M], i int, r mockvendor.RecordedRequest) (chat bool)
	// What the last chat body carries when streaming, lacks when not, and never has.
	streamSent    map[string]any
	createNotSent []string
	neverSent     []string
	secrets       func(reqs []mockvendor.RecordedRequest) []string       // besides the client's keys, what no error may print
	warmUp        harbor.ChatRequest                                     // the call vendorCase.warm makes first
	verify        func(t *testing.T, c *vendorCase[C, M], o *outcome[M]) // rules every row of this vendor obeys
}

// answer is what one Create or Stream call produced.
type answer struct {
	result     // what the caller assembled; for a failed stream, what arrived first
	err        error
	herr       *harbor.Error          // err as a *harbor.Error
	openErr    bool                   // Stream itself failed, before any chunk
	completion *harbor.ChatCompletion // Create only
	chunks     []harbor.Chunk         // Stream only, as the caller received them
	model, id  string                 // the completion's, or the first chunk's
}

// outcome is what one run of a row produced, and what the vendor saw.
type outcome[M vendorMock] struct {
	answer
	stream    bool
	cfg       harbor.ProviderConfig // the client's, as resolved (BaseURL the mock's)
	base      string                // the base path on the mock
	mock      M
	reqs      []mockvendor.RecordedRequest // every request the mock recorded
	chats     []mockvendor.RecordedRequest // the chat requests among them
	vendorIDs []string                     // the request-id header of every response, as the vendor sent it
	elapsed   time.Duration
}

func (o *outcome[M]) lastVendorID(t *testing.T) string {
	t.Helper()
	require.NotEmpty(t, o.vendorIDs, "no response arrived")
	return o.vendorIDs[len(o.vendorIDs)-1]
}

// runTable runs every row of a vendor's table.
func runTable[C any, M vendorMock](t *testing.T, h *harness[C, M], cases []vendorCase[C, M]) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, mode := range [...]string{"create", "stream"} {
				if c.only == "" || c.only == mode {
					t.Run(mode, func(t *testing.T) { h.run(t, &c, mode == "stream") })
				}
			}
		})
	}
}

func (h *harness[C, M]) run(t *testing.T, c *vendorCase[C, M], streaming bool) {
	if c.bug != "" {
		t.Skip("BUG: " + c.bug)
	}
	require.True(t, c.requests != 0 || c.err != nil, "a row refused before I/O must expect an error")
	m, cfg := h.start(t, c.mock, c.client)
	tap := &idTap{header: h.idHeader, strip: c.stripRequestID}
	cl := h.newClient(t, cfg, tap, offSpecs(c.offSpec)...)
	provider := h.provider
	if c.register != nil {
		e := *c.register
		e.BaseURL, e.APIKey = cfg.BaseURL, cfg.APIKey
		require.NoError(t, cl.Register(e.Descriptor()))
		provider = e.Name
	}
	if c.warm != nil {
		w := h.warmUp
		require.NoError(t, call(ctxT(t), cl, &w, false).err, "warm-up call")
		m.Reset()
		tap.reset()
		c.warm(m)
	}
	m.Enqueue(c.faults...)

	o := &outcome[M]{stream: streaming, cfg: cfg, base: cmp.Or(c.client.BaseURL, h.base), mock: m}
	start := time.Now()
	for range max(c.repeat, 1) {
		req := c.req
		o.answer = *call(ctxT(t), cl, &req, streaming, c.opts...)
	}
	o.elapsed = time.Since(start)
	o.reqs, o.vendorIDs = m.Requests(), tap.seen()

	for i, r := range o.reqs {
		if h.wire(t, o, i, r) {
			o.chats = append(o.chats, r)
		}
	}
	if c.requests >= 0 {
		assert.Equal(t, c.requests, len(o.chats), "chat requests the vendor saw")
	}
	assert.Equal(t, c.tokens, len(o.reqs)-len(o.chats), "token requests the vendor saw")
	if c.path != "" && len(o.chats) > 0 {
		assert.Equal(t, c.path, o.chats[len(o.chats)-1].Path, "chat path")
	}
	if c.minElapsed > 0 {
		assert.GreaterOrEqual(t, o.elapsed, c.minElapsed, "Retry-After honoured")
	}

	if c.err != nil {
		wantErr(t, o.err, c.err)
		he := o.herr
		assert.Equal(t, provider, he.Provider)
		var secrets []string
		if h.secrets != nil {
			secrets = h.secrets(o.reqs)
		}
		noSecrets(t, o.err, append(secrets, cfg.APIKey, cfg.SecretKey)...)
		if c.code != "" {
			assert.Equal(t, c.code, he.Code, "Error.Code")
		}
		if c.typ != "" {
			assert.Equal(t, c.typ, he.Type, "Error.Type")
		}
		if c.param != "" {
			assert.Equal(t, c.param, he.Param, "Error.Param")
		}
		switch c.status {
		case 0:
		case noStatus:
			assert.Zero(t, he.HTTPStatusCode(), "Error.StatusCode")
		default:
			assert.Equal(t, c.status, he.HTTPStatusCode(), "Error.StatusCode")
		}
		if c.msgHas != "" {
			assert.Contains(t, he.Message, c.msgHas, "Error.Message")
		}
		if c.requestID != "" {
			o.wantRequestID(t, c.requestID, he.RequestID, "Error.RequestID")
		}
		if c.retryAfter != 0 {
			assert.Equal(t, c.retryAfter, he.RetryAfter, "Error.RetryAfter")
		}
		if c.retryable != nil {
			assert.Equal(t, *c.retryable, he.Retryable(), "Error.Retryable")
		}
	} else {
		require.NoError(t, o.err)
		if c.text != "" || c.finish == "length" || c.finish == "tool_calls" {
			assert.Equal(t, c.text, o.Text, "text")
		}
		if c.reasoning != "" || c.noReasoning {
			assert.Equal(t, c.reasoning, o.Reasoning, "reasoning")
		}
		if c.finish != "" {
			assert.Equal(t, c.finish, o.Finish, "finish_reason")
		}
		if c.model != "" {
			assert.Equal(t, c.model, o.model, "the model the answer names")
		}
		if c.requestID != "" && o.completion != nil {
			o.wantRequestID(t, c.requestID, o.completion.RequestID, "ChatCompletion.RequestID")
		}
		if streaming {
			require.NotNil(t, o.Usage, "a finished stream ends with usage")
			assert.Equal(t, o.Usage.PromptTokens+o.Usage.CompletionTokens, o.Usage.TotalTokens, "usage adds up")
		}
	}

	if len(o.chats) > 0 {
		body := sentBody(t, o.chats, len(o.chats)-1)
		assertSent(t, body, c.sent, c.notSent)
		assertSent(t, body, nil, h.neverSent)
		if streaming {
			assertSent(t, body, h.streamSent, nil)
		} else {
			assertSent(t, body, nil, h.createNotSent)
		}
	} else {
		assert.Empty(t, c.sent, "the row expects a body, but nothing was sent")
		assert.Empty(t, c.notSent, "the row expects a body, but nothing was sent")
	}
	if h.verify != nil {
		h.verify(t, c, o)
	}
	if c.check != nil {
		c.check(t, o)
	}
}

func (o *outcome[M]) wantRequestID(t *testing.T, want, got, what string) {
	t.Helper()
	if want == fromHeader {
		assert.Equal(t, o.lastVendorID(t), got, what+" is the vendor's")
		return
	}
	assert.Regexp(t, regexp.MustCompile(want), got, what)
}

// start serves a fresh mock for one test and returns it with the client's config:
// p with the default credentials filled in and BaseURL the mock's (p.BaseURL, when
// set, is a path on the mock replacing the vendor's base path).
func (h *harness[C, M]) start(t testing.TB, cfg C, p harbor.ProviderConfig) (M, harbor.ProviderConfig) {
	t.Helper()
	m := h.newMock(cfg)
	srv, err := mockvendor.Listen("127.0.0.1:0", m)
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	h.config(&p)
	p.BaseURL = srv.URL() + cmp.Or(p.BaseURL, h.base)
	return m, p
}

// newClient is a harbor client with p as the vendor's provider config, nothing from
// the environment, near-zero retry waits and every exchange checked against the
// vendor's spec (rt and offSpec as for specChecked).
func (h *harness[C, M]) newClient(t testing.TB, p harbor.ProviderConfig, rt http.RoundTripper, offSpec ...string) *harbor.Client {
	c := harbor.Must(harbor.New(
		harbor.WithGetenv(func(string) string { return "" }),
		harbor.WithProviderConfig(h.provider, p),
		harbor.WithRetryWait(time.Millisecond, 2*time.Millisecond),
		harbor.WithTransport(specChecked(t, h.spec, rt, offSpec...)),
	))
	t.Cleanup(func() { c.Close() })
	return c
}

// client serves a fresh mock with its default config and returns it with a client
// for it.
func (h *harness[C, M]) client(t testing.TB) (M, *harbor.Client) {
	var cfg C
	m, p := h.start(t, cfg, harbor.ProviderConfig{})
	return m, h.newClient(t, p, nil)
}

// bearerWire is the wire check of the OpenAI-shaped vendors: every request is a POST
// to <base>/chat/completions with the client's key as a bearer token, asking for an
// event stream when streaming.
func bearerWire[M vendorMock](t *testing.T, o *outcome[M], i int, r mockvendor.RecordedRequest) bool {
	assert.Equal(t, http.MethodPost, r.Method, "request %d", i)
	assert.Equal(t, o.base+"/chat/completions", r.Path, "request %d", i)
	assert.Equal(t, "Bearer "+o.cfg.APIKey, r.Header.Get("Authorization"), "request %d", i)
	if o.stream {
		assert.Equal(t, "text/event-stream", r.Header.Get("Accept"), "request %d", i)
	}
	return true
}

// openAIStreamSent and openAINoStream are what the OpenAI-shaped vendors' bodies say
// about streaming: stream and include_usage when streaming, neither otherwise.
var (
	openAIStreamSent = map[string]any{"/stream": true, "/stream_options/include_usage": true}
	openAINoStream   = []string{"/stream", "/stream_options"}
)

// call runs req as Create or as Stream.
func call(ctx context.Context, c *harbor.Client, req *harbor.ChatRequest, streaming bool, opts ...harbor.CallOption) *answer {
	a := &answer{}
	defer func() { errors.As(a.err, &a.herr) }()
	if !streaming {
		res, err := c.Chat.Completions.Create(ctx, req, opts...)
		if a.err = err; err != nil {
			return a
		}
		a.completion, a.model, a.id = res, res.Model, res.ID
		if len(res.Choices) == 0 {
			a.err = errNoChoices
			return a
		}
		ch := res.Choices[0]
		u := res.Usage
		a.result = result{Text: ch.Message.Content, Reasoning: ch.Message.ReasoningContent, Finish: ch.FinishReason,
			ToolCalls: ch.Message.ToolCalls, Usage: &u, Message: ch.Message}
		return a
	}
	s, err := c.Chat.Completions.Stream(ctx, req, opts...)
	if err != nil {
		a.err, a.openErr = err, true
		return a
	}
	defer s.Close()
	for chunk, err := range s.All() {
		if err != nil {
			a.err = err
			break
		}
		a.chunks = append(a.chunks, chunk)
	}
	a.result = fold(a.chunks)
	if len(a.chunks) > 0 {
		a.model, a.id = a.chunks[0].Model, a.chunks[0].ID
	}
	return a
}

// fold assembles chunks the way a caller would.
func fold(chunks []harbor.Chunk) result {
	r := result{Chunks: len(chunks)}
	var text, reasoning []byte
	calls := map[int]*harbor.ToolCall{}
	for _, chunk := range chunks {
		for _, ch := range chunk.Choices {
			text = append(text, ch.Delta.Content...)
			reasoning = append(reasoning, ch.Delta.ReasoningContent...)
			if ch.FinishReason != "" {
				r.Finish = ch.FinishReason
			}
			for _, d := range ch.Delta.ToolCalls {
				tc := calls[d.Index]
				if tc == nil {
					tc = &harbor.ToolCall{}
					calls[d.Index] = tc
				}
				if d.ID != "" {
					tc.ID, tc.Type = d.ID, d.Type
				}
				tc.Function.Name += d.Function.Name
				tc.Function.Arguments += d.Function.Arguments
			}
		}
		if chunk.Usage != nil {
			r.Usage = chunk.Usage
		}
	}
	for i := 0; i < len(calls); i++ {
		r.ToolCalls = append(r.ToolCalls, *calls[i])
	}
	r.Text, r.Reasoning = string(text), string(reasoning)
	return r
}

// idTap records the request-id header of every response and, when strip is set,
// removes it before harbor sees the response.
type idTap struct {
	header string
	strip  bool
	mu     sync.Mutex
	ids    []string
	next   http.RoundTripper
}

func (a *idTap) RoundTrip(r *http.Request) (*http.Response, error) {
	a.mu.Lock()
	if a.next == nil {
		a.next = http.DefaultTransport.(*http.Transport).Clone()
	}
	next := a.next
	a.mu.Unlock()
	resp, err := next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	a.ids = append(a.ids, resp.Header.Get(a.header))
	a.mu.Unlock()
	if a.strip {
		resp.Header.Del(a.header)
	}
	return resp, nil
}

func (a *idTap) seen() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.ids...)
}

func (a *idTap) reset() {
	a.mu.Lock()
	a.ids = nil
	a.mu.Unlock()
}

// noSecrets checks that no error in err's tree prints one of secrets.
func noSecrets(t *testing.T, err error, secrets ...string) {
	t.Helper()
	var walk func(e error)
	walk = func(e error) {
		if e == nil {
			return
		}
		for _, s := range secrets {
			if s != "" {
				assert.NotContains(t, e.Error(), s, "secrets never appear in errors (%T)", e)
			}
		}
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		}
	}
	walk(err)
	var he *harbor.Error
	if errors.As(err, &he) {
		for _, s := range secrets {
			if s != "" {
				assert.NotContains(t, he.Message, s)
			}
		}
	}
}
