package benchmarks

// The peers: the two Go OpenAI SDKs people reach for, calling the same mocks
// with the same request as harbor and the floor, each twice — once over an
// http.Client tuned like the floor's (same Transport settings, its own pool)
// and once over the SDK's own default HTTP client.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	goopenai "github.com/sashabaranov/go-openai"

	openaigo "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// Peer client names, as they appear in benchmark names and reports. "-default"
// is the SDK over its own default HTTP client (http.DefaultTransport for
// go-openai, a clone of it for openai-go: 2 idle connections per host); the
// others use a Transport tuned like the floor's (256 idle per host).
const (
	GoOpenAI        = "go-openai"
	GoOpenAIDefault = "go-openai-default"
	OpenAIGo        = "openai-go"
	OpenAIGoDefault = "openai-go-default"
)

// PeerNames lists the peer clients in report order.
var PeerNames = []string{GoOpenAI, GoOpenAIDefault, OpenAIGo, OpenAIGoDefault}

// PeerVendors lists the vendors the peers are benchmarked on: DeepSeek (the
// historical scenarios, thinking switched off through each SDK's extension
// mechanism) and the generic OpenAI-compatible mock (plain OpenAI requests,
// nothing to extend).
var PeerVendors = []string{DeepSeek, OpenAI}

// PeerClient is one peer SDK client pointed at one vendor mock. Exactly one of
// GoOpenAI and OpenAIGo is set.
type PeerClient struct {
	Name   string // GoOpenAI, GoOpenAIDefault, OpenAIGo or OpenAIGoDefault
	Vendor string

	GoOpenAI *goopenai.Client
	OpenAIGo *openaigo.Client

	// The fixed request in the SDK's types, built once like the floor's and
	// harbor's.
	goReq, goStreamReq goopenai.ChatCompletionRequest
	oaParams           openaigo.ChatCompletionNewParams
	oaStreamParams     openaigo.ChatCompletionNewParams

	closeIdle func()
}

// Peers holds every peer client for the vendors of PeerVendors that were asked
// for.
type Peers struct {
	Clients []*PeerClient
}

// NewPeers builds the four peer clients for each of vendors that is in
// PeerVendors (all of them if vendors is nil), against the mocks at urls (as
// mockproc.Proc.URLs), and warms them up like NewEnv does (a Create and a
// Stream each, and for DeepSeek a 64-way parallel Create to fill the pools).
func NewPeers(urls map[string]string, vendors []string) (*Peers, error) {
	if vendors == nil {
		vendors = PeerVendors
	}
	p := &Peers{}
	for _, v := range PeerVendors {
		if !slices.Contains(vendors, v) {
			continue
		}
		if urls[v] == "" {
			p.Close()
			return nil, fmt.Errorf("peers: no mock URL for %s", v)
		}
		for _, name := range PeerNames {
			c, err := NewPeerClient(name, v, urls[v])
			if err != nil {
				p.Close()
				return nil, err
			}
			p.Clients = append(p.Clients, c)
			if err := c.warm(); err != nil {
				p.Close()
				return nil, fmt.Errorf("peers: warm-up of %s on %s: %w", name, v, err)
			}
		}
	}
	return p, nil
}

// NewPeerClient returns peer name (one of PeerNames) for vendor (one of
// PeerVendors) against the vendor's mock root url. It does no I/O.
func NewPeerClient(name, vendor, url string) (*PeerClient, error) {
	if !slices.Contains(PeerVendors, vendor) {
		return nil, fmt.Errorf("peers: %q is not a peer vendor (known: %s)", vendor, strings.Join(PeerVendors, ", "))
	}
	s := specs[vendor]
	base := url + s.prefix
	c := &PeerClient{Name: name, Vendor: vendor}
	switch name {
	case GoOpenAI, GoOpenAIDefault:
		cfg := goopenai.DefaultConfig(s.apiKey)
		cfg.BaseURL = base
		hc, ok := cfg.HTTPClient.(*http.Client) // go-openai's default: &http.Client{}, i.e. http.DefaultTransport
		if !ok {
			return nil, fmt.Errorf("peers: go-openai's default HTTP client is a %T, not an *http.Client", cfg.HTTPClient)
		}
		if name == GoOpenAI {
			tr := floorTransport()
			hc = &http.Client{Transport: tr}
			c.closeIdle = tr.CloseIdleConnections
		}
		cfg.HTTPClient = hc
		if s.thinking {
			cfg.HTTPClient = &thinkingDoer{hc: hc}
		}
		c.GoOpenAI = goopenai.NewClientWithConfig(cfg)
		c.goReq = goOpenAIRequest(vendor)
		c.goStreamReq = c.goReq
		c.goStreamReq.Stream = true
		c.goStreamReq.StreamOptions = &goopenai.StreamOptions{IncludeUsage: true}
	case OpenAIGo, OpenAIGoDefault:
		opts := []option.RequestOption{option.WithBaseURL(base), option.WithAPIKey(s.apiKey)}
		if name == OpenAIGo {
			tr := floorTransport()
			opts = append(opts, option.WithHTTPClient(&http.Client{Transport: tr}))
			c.closeIdle = tr.CloseIdleConnections
		}
		oc := openaigo.NewClient(opts...)
		c.OpenAIGo = &oc
		c.oaParams = openAIGoParams(vendor)
		c.oaStreamParams = openAIGoParams(vendor)
		c.oaStreamParams.StreamOptions = openaigo.ChatCompletionStreamOptionsParam{IncludeUsage: openaigo.Bool(true)}
	default:
		return nil, fmt.Errorf("peers: unknown peer %q (known: %s)", name, strings.Join(PeerNames, ", "))
	}
	return c, nil
}

// goOpenAIRequest returns vendor's fixed request in go-openai's types. It has
// no thinking field: thinkingDoer adds it on the wire for the vendors that
// have the switch.
func goOpenAIRequest(vendor string) goopenai.ChatCompletionRequest {
	s := specs[vendor]
	return goopenai.ChatCompletionRequest{
		Model: s.model,
		Messages: []goopenai.ChatCompletionMessage{
			{Role: goopenai.ChatMessageRoleSystem, Content: SystemPrompt},
			{Role: goopenai.ChatMessageRoleUser, Content: UserPrompt},
		},
		Temperature: Temperature, // float32 in go-openai; 0.7 still goes on the wire as 0.7
		MaxTokens:   MaxTokens,
	}
}

// openAIGoParams returns vendor's fixed request in openai-go's types, thinking
// switched off through SetExtraFields, openai-go's documented way to send a
// field it does not model.
func openAIGoParams(vendor string) openaigo.ChatCompletionNewParams {
	s := specs[vendor]
	p := openaigo.ChatCompletionNewParams{
		Model: s.model,
		Messages: []openaigo.ChatCompletionMessageParamUnion{
			openaigo.SystemMessage(SystemPrompt),
			openaigo.UserMessage(UserPrompt),
		},
		Temperature: openaigo.Float(Temperature),
		MaxTokens:   openaigo.Int(MaxTokens),
	}
	if s.thinking {
		p.SetExtraFields(map[string]any{"thinking": map[string]any{"type": "disabled"}})
	}
	return p
}

// thinkingDoer is how a go-openai user switches DeepSeek's thinking off:
// go-openai's ChatCompletionRequest has no thinking field and no extra-body
// hook for chat (sashabaranov/go-openai#1074), but ClientConfig.HTTPClient is
// an interface, so this wrapper splices `"thinking":{"type":"disabled"},` in
// after the body's opening brace. It costs go-openai one buffer the size of the
// body, a reader and a closure per call (BenchmarkThinkingDoer measures it);
// the report says so.
type thinkingDoer struct {
	hc *http.Client
}

var thinkingField = []byte(`"thinking":{"type":"disabled"},`)

func (d *thinkingDoer) Do(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return d.hc.Do(req)
	}
	body, err := spliceThinking(req.Body, req.ContentLength)
	if err != nil {
		return nil, err
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return d.hc.Do(req)
}

var errNotObject = errors.New("thinkingDoer: request body is not a JSON object")

// spliceThinking reads a JSON object body of length n (-1: unknown) and returns
// it with thinkingField first inside the braces.
func spliceThinking(r io.ReadCloser, n int64) ([]byte, error) {
	defer r.Close()
	L := len(thinkingField)
	var buf []byte
	if n > 0 && n < 64<<20 {
		// Read the body at offset L, then write '{' and the field over the
		// L bytes in front of it, the last one landing on the body's '{'.
		buf = make([]byte, L+int(n))
		if _, err := io.ReadFull(r, buf[L:]); err != nil {
			return nil, fmt.Errorf("thinkingDoer: read body: %w", err)
		}
	} else {
		b, err := io.ReadAll(r)
		if err != nil {
			return nil, fmt.Errorf("thinkingDoer: read body: %w", err)
		}
		buf = append(make([]byte, L, L+len(b)), b...)
	}
	body := buf[L:]
	if t := bytes.TrimRight(body, " \t\r\n"); len(t) < 2 || t[0] != '{' || t[len(t)-1] != '}' {
		return nil, errNotObject
	}
	if rest := bytes.TrimSpace(body[1:]); len(rest) > 0 && rest[0] == '}' { // {}: no comma after the field
		return append([]byte(`{"thinking":{"type":"disabled"}`), body[1:]...), nil
	}
	buf[0] = '{'
	copy(buf[1:], thinkingField)
	return buf, nil
}

// Close releases the idle connections of the tuned peers (the default ones
// share http.DefaultTransport or a clone the SDK keeps).
func (p *Peers) Close() {
	if p == nil {
		return
	}
	for _, c := range p.Clients {
		c.Close()
	}
}

// Close releases the client's idle connections if it owns its transport.
func (c *PeerClient) Close() {
	if c.closeIdle != nil {
		c.closeIdle()
	}
}

// Client returns the peer called name for vendor, nil if there is none.
func (p *Peers) Client(name, vendor string) *PeerClient {
	for _, c := range p.Clients {
		if c.Name == name && c.Vendor == vendor {
			return c
		}
	}
	return nil
}

// Contender is one client's benchmark in a scenario.
type Contender struct {
	Name  string // a peer name
	Bench func(*testing.B)
}

// For returns the peer benchmarks of scenario, named as in Env.Pairs
// ("Create", "Stream", "CreateParallel64" for DeepSeek; "Create/openai",
// "Stream/openai"), in PeerNames order; none for a scenario without peers.
func (p *Peers) For(scenario string) []Contender {
	if p == nil {
		return nil
	}
	kind, vendor, ok := strings.Cut(scenario, "/")
	if !ok {
		vendor = DeepSeek
	}
	var out []Contender
	for _, c := range p.Clients {
		if c.Vendor != vendor {
			continue
		}
		switch {
		case kind == "Create":
			out = append(out, Contender{c.Name, serial(c.Create)})
		case kind == "Stream":
			out = append(out, Contender{c.Name, serial(c.Stream)})
		case kind == "CreateParallel64" && vendor == DeepSeek:
			out = append(out, Contender{c.Name, parallel(c.Create)})
		}
	}
	return out
}

func (c *PeerClient) warm() error {
	ctx := context.Background()
	if err := c.Create(ctx); err != nil {
		return fmt.Errorf("Create: %w", err)
	}
	if err := c.Stream(ctx); err != nil {
		return fmt.Errorf("Stream: %w", err)
	}
	if c.Vendor != DeepSeek { // only DeepSeek has a parallel scenario
		return nil
	}
	var wg sync.WaitGroup
	errs := make(chan error, Parallelism)
	for range Parallelism {
		wg.Add(1)
		go func() { defer wg.Done(); errs <- c.Create(ctx) }()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return fmt.Errorf("parallel Create: %w", err)
		}
	}
	return nil
}

// Create sends the fixed request and checks the answer, as the floor's
// benchmark op does.
func (c *PeerClient) Create(ctx context.Context) error {
	if c.GoOpenAI != nil {
		res, err := c.GoOpenAI.CreateChatCompletion(ctx, c.goReq)
		if err != nil {
			return err
		}
		if len(res.Choices) == 0 || res.Choices[0].Message.Content == "" {
			return errEmpty
		}
		return nil
	}
	res, err := c.OpenAIGo.Chat.Completions.New(ctx, c.oaParams)
	if err != nil {
		return err
	}
	if len(res.Choices) == 0 || res.Choices[0].Message.Content == "" {
		return errEmpty
	}
	return nil
}

// Stream sends the fixed request streamed with include_usage, reads every
// chunk and checks that text and usage came, as the floor's benchmark op does.
func (c *PeerClient) Stream(ctx context.Context) error {
	if c.GoOpenAI != nil {
		s, err := c.GoOpenAI.CreateChatCompletionStream(ctx, c.goStreamReq)
		if err != nil {
			return err
		}
		n := 0
		var usage *goopenai.Usage
		for {
			ch, err := s.Recv()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				_ = s.Close()
				return err
			}
			if len(ch.Choices) > 0 {
				n += len(ch.Choices[0].Delta.Content)
			}
			if ch.Usage != nil {
				usage = ch.Usage
			}
		}
		_ = s.Close()
		if n == 0 || usage == nil {
			return errEmpty
		}
		return nil
	}
	s := c.OpenAIGo.Chat.Completions.NewStreaming(ctx, c.oaStreamParams)
	n, usage := 0, false
	for s.Next() {
		ch := s.Current()
		if len(ch.Choices) > 0 {
			n += len(ch.Choices[0].Delta.Content)
		}
		if ch.JSON.Usage.Valid() && ch.Usage.TotalTokens > 0 {
			usage = true
		}
	}
	err := s.Err()
	_ = s.Close()
	if err != nil {
		return err
	}
	if n == 0 || !usage {
		return errEmpty
	}
	return nil
}

// PeerLoadClients is the LoadClientsFunc of the four peers on DeepSeek's mock at
// url, for the throughput section (cmd/ratios -load-peers).
func PeerLoadClients(url string) ([]LoadClient, error) {
	var out []LoadClient
	for _, name := range PeerNames {
		c, err := NewPeerClient(name, DeepSeek, url)
		if err != nil {
			closeLoadClients(out)
			return nil, err
		}
		out = append(out, LoadClient{Name: name, Op: c.Create, Close: c.Close})
	}
	return out, nil
}

// ThinkingDoerBench returns a benchmark of go-openai's HTTP hop for DeepSeek's
// fixed request: http.Client.Do over a transport that reads the body and
// answers at once, through thinkingDoer if spliced. The difference between the
// spliced and plain figures is what the splice adds to go-openai's DeepSeek
// figures.
func ThinkingDoerBench(spliced bool) func(*testing.B) {
	return func(b *testing.B) {
		body, err := json.Marshal(goOpenAIRequest(DeepSeek))
		if err != nil {
			b.Fatal(err)
		}
		var doer goopenai.HTTPDoer = &http.Client{Transport: instantTransport{}}
		if spliced {
			doer = &thinkingDoer{hc: doer.(*http.Client)}
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:1/chat/completions", bytes.NewBuffer(body))
			if err != nil {
				b.Fatal(err)
			}
			resp, err := doer.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_ = resp.Body.Close()
		}
	}
}

// instantTransport reads the request body to EOF and answers 200 at once.
type instantTransport struct{}

func (instantTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		n, err := io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
		if err != nil || (r.ContentLength >= 0 && n != r.ContentLength) {
			return nil, fmt.Errorf("instantTransport: read %d of %d body bytes: %v", n, r.ContentLength, err)
		}
	}
	return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Header: http.Header{}, Request: r}, nil
}
