package benchmarks

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/harborai/harbor-go/benchmarks/internal/mockproc"
	"github.com/harborai/harbor-go/harbor"
)

// The fixed request every scenario sends: a realistic short chat turn with
// thinking off (where the vendor has a switch), so that answers are plain
// content.
const (
	SystemPrompt = "You are a concise support assistant for a shipping company. Answer in plain English, in at most three sentences, and never invent tracking numbers."
	UserPrompt   = "My parcel left Rotterdam on Monday and the tracking page has not changed since. What usually causes that kind of delay?"
	Temperature  = 0.7
	MaxTokens    = 256
)

// Vendor names (harbor's provider names) and the one model benchmarked for each.
const (
	DeepSeek = mockproc.DeepSeek
	Doubao   = mockproc.Doubao
	Wenxin   = mockproc.Wenxin
	Qianfan  = mockproc.Qianfan
	OpenAI   = mockproc.OpenAI

	Model          = "deepseek-v4-flash" // DeepSeek
	DoubaoModel    = "doubao-seed-1-6-251015"
	WenxinModel    = "ERNIE-4.0-8K"
	WenxinEndpoint = "completions_pro" // ERNIE-4.0-8K's wenxinworkshop endpoint
	QianfanModel   = "ernie-4.5-turbo-128k"
	OpenAIModel    = "gpt-4o"
)

// Vendors lists every vendor benchmarked, in report order.
var Vendors = slices.Clone(mockproc.Vendors)

// vendorSpec is how one vendor is called: the model, the path its API lives
// under on the mock (as on the real host), the key, and the request fields that
// differ between vendors.
type vendorSpec struct {
	model  string
	prefix string // appended to the mock URL: harbor's base URL, and the floor's
	apiKey string
	// thinking: the vendor has a thinking switch, sent as disabled (DeepSeek and
	// Ark reason by default on these models).
	thinking bool
	// maxCompletion: max_tokens goes on the wire as max_completion_tokens
	// (Qianfan v2 has no max_tokens).
	maxCompletion bool
}

var specs = map[string]vendorSpec{
	DeepSeek: {model: Model, apiKey: mockproc.APIKey, thinking: true},
	Doubao:   {model: DoubaoModel, prefix: "/api/v3", apiKey: mockproc.APIKey, thinking: true},
	Wenxin:   {model: WenxinModel, apiKey: mockproc.WenxinAPIKey},
	Qianfan:  {model: QianfanModel, prefix: "/v2", apiKey: mockproc.QianfanAPIKey, maxCompletion: true},
	OpenAI:   {model: OpenAIModel, prefix: "/v1", apiKey: mockproc.APIKey},
}

// ModelOf returns the model benchmarked for vendor.
func ModelOf(vendor string) string { return specs[vendor].model }

// Parallelism is the number of goroutines the parallel scenario aims for.
const Parallelism = 64

var noEnv = harbor.WithGetenv(func(string) string { return "" })

// HarborOptions configures harbor against the DeepSeek mock at url: key and
// base URL given explicitly, environment ignored, retries and stats left on
// (defaults).
func HarborOptions(url, apiKey string) []harbor.Option {
	return []harbor.Option{
		harbor.WithAPIKey("deepseek", apiKey),
		harbor.WithBaseURL("deepseek", url),
		noEnv,
	}
}

// VendorHarborOptions configures harbor for one vendor against its mock at url
// (the mock's root; the vendor's path prefix is added here), like HarborOptions.
func VendorHarborOptions(vendor, url string) []harbor.Option {
	s := specs[vendor]
	switch vendor {
	case DeepSeek:
		return HarborOptions(url, s.apiKey)
	case Wenxin:
		return []harbor.Option{
			harbor.WithProviderConfig(Wenxin, harbor.ProviderConfig{
				APIKey: mockproc.WenxinAPIKey, SecretKey: mockproc.WenxinSecretKey, BaseURL: url + s.prefix}),
			noEnv,
		}
	}
	return []harbor.Option{
		harbor.WithAPIKey(vendor, s.apiKey),
		harbor.WithBaseURL(vendor, url+s.prefix),
		noEnv,
	}
}

func messages() []harbor.Message {
	return []harbor.Message{harbor.SystemMessage(SystemPrompt), harbor.UserMessage(UserPrompt)}
}

// HarborRequest returns DeepSeek's fixed request in harbor's types.
func HarborRequest() *harbor.ChatRequest { return HarborRequestFor(DeepSeek) }

// HarborRequestFor returns vendor's fixed request in harbor's types: the same
// for every vendor but the model, and thinking off where the vendor has the
// switch (the others reject the field).
func HarborRequestFor(vendor string) *harbor.ChatRequest {
	s := specs[vendor]
	r := &harbor.ChatRequest{
		Model:       s.model,
		Messages:    messages(),
		Temperature: harbor.Some(Temperature),
		MaxTokens:   harbor.Some(MaxTokens),
	}
	if s.thinking {
		r.Thinking = &harbor.Thinking{Type: harbor.ThinkingDisabled}
	}
	return r
}

// FloorRequestFixture returns DeepSeek's fixed request in the floor's types.
func FloorRequestFixture() *FloorRequest { return FloorRequestFor(DeepSeek) }

// FloorRequestFor returns vendor's fixed request in the OpenAI-shaped floor's
// types, with the same fields on the wire as harbor sends.
func FloorRequestFor(vendor string) *FloorRequest {
	s := specs[vendor]
	r := &FloorRequest{
		Model:       s.model,
		Messages:    []FloorMessage{{Role: "system", Content: SystemPrompt}, {Role: "user", Content: UserPrompt}},
		Temperature: Temperature,
	}
	if s.maxCompletion {
		r.MaxCompletionTokens = MaxTokens
	} else {
		r.MaxTokens = MaxTokens
	}
	if s.thinking {
		r.Thinking = &FloorThinking{Type: "disabled"}
	}
	return r
}

// WenxinRequestFixture returns the fixed request in the Wenxin floor's types:
// the system prompt at the top level, max_tokens as max_output_tokens.
func WenxinRequestFixture() *WenxinRequest {
	return &WenxinRequest{
		System:          SystemPrompt,
		Messages:        []FloorMessage{{Role: "user", Content: UserPrompt}},
		Temperature:     Temperature,
		MaxOutputTokens: MaxTokens,
	}
}

// ErrWenxinNotBuiltin is why the wenxin scenarios are skipped while harbor's
// router has no built-in wenxin provider (ERNIE-4.0-8K routes nowhere).
var ErrWenxinNotBuiltin = errors.New("harbor has no built-in wenxin provider (ERNIE-4.0-8K does not route to wenxin)")

// VendorEnv holds one harbor client and one floor client pointed at the same
// vendor mock.
type VendorEnv struct {
	Vendor string
	Model  string
	Harbor *harbor.Client

	// The floor: Floor for OpenAI-shaped vendors, Wenxin for wenxin.
	Floor  *Floor
	Wenxin *WenxinFloor

	url  string // the mock's root URL
	hreq *harbor.ChatRequest
	freq *FloorRequest
	wreq *WenxinRequest
}

// Env holds one VendorEnv per benchmarked vendor.
type Env struct {
	Vendors []*VendorEnv
	// Skipped maps the vendors asked for but not benchmarked to the reason.
	Skipped map[string]error
}

// NewEnv builds both clients for each of vendors (all of Vendors if nil)
// against the mocks at urls (vendor -> mock root URL, as mockproc.Proc.URLs)
// and warms them up: providers are bound, wenxin's token is fetched, and
// DeepSeek's pools hold enough connections for the parallel scenario. A vendor
// harbor cannot serve yet is left out and listed in Skipped.
func NewEnv(urls map[string]string, vendors []string) (*Env, error) {
	if vendors == nil {
		vendors = Vendors
	}
	e := &Env{Skipped: map[string]error{}}
	for _, v := range vendors {
		if _, ok := specs[v]; !ok {
			e.Close()
			return nil, fmt.Errorf("unknown vendor %q (known: %s)", v, strings.Join(Vendors, ", "))
		}
		if urls[v] == "" {
			e.Close()
			return nil, fmt.Errorf("no mock URL for %s", v)
		}
		ve, err := newVendorEnv(v, urls[v])
		if errors.Is(err, ErrWenxinNotBuiltin) {
			e.Skipped[v] = err
			continue
		}
		if err != nil {
			e.Close()
			return nil, fmt.Errorf("%s: %w", v, err)
		}
		e.Vendors = append(e.Vendors, ve)
	}
	return e, nil
}

func newVendorEnv(vendor, url string) (*VendorEnv, error) {
	s := specs[vendor]
	h, err := harbor.New(VendorHarborOptions(vendor, url)...)
	if err != nil {
		return nil, err
	}
	if r, err := h.Route(s.model); err != nil || r.Provider != vendor {
		_ = h.Close()
		if vendor == Wenxin {
			return nil, ErrWenxinNotBuiltin
		}
		return nil, fmt.Errorf("harbor routes %s to %q (%v)", s.model, r.Provider, err)
	}
	e := &VendorEnv{Vendor: vendor, Model: s.model, Harbor: h, url: url, hreq: HarborRequestFor(vendor)}
	if vendor == Wenxin {
		e.Wenxin, e.wreq = NewWenxinFloor(url+s.prefix, mockproc.WenxinAPIKey, mockproc.WenxinSecretKey), WenxinRequestFixture()
	} else {
		e.Floor = NewOpenAIFloor(FloorConfig{Vendor: vendor, BaseURL: url + s.prefix, Auth: "Bearer " + s.apiKey})
		e.freq = FloorRequestFor(vendor)
	}
	ctx := context.Background()
	for _, op := range []struct {
		name string
		run  func(context.Context) error
	}{{"harbor Create", e.harborCreate}, {"floor Create", e.floorCreate}, {"harbor Stream", e.harborStream}, {"floor Stream", e.floorStream}} {
		if err := op.run(ctx); err != nil {
			e.Close()
			return nil, fmt.Errorf("warm-up, %s: %w", op.name, err)
		}
	}
	if vendor != DeepSeek { // only DeepSeek has a parallel scenario
		return e, nil
	}
	for _, op := range []func(context.Context) error{e.harborCreate, e.floorCreate} {
		var wg sync.WaitGroup
		errs := make(chan error, Parallelism)
		for range Parallelism {
			wg.Add(1)
			go func() { defer wg.Done(); errs <- op(ctx) }()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				e.Close()
				return nil, fmt.Errorf("parallel warm-up: %w", err)
			}
		}
	}
	return e, nil
}

// Vendor returns the VendorEnv of vendor, nil if it is not benchmarked.
func (e *Env) Vendor(vendor string) *VendorEnv {
	for _, v := range e.Vendors {
		if v.Vendor == vendor {
			return v
		}
	}
	return nil
}

// Close releases every client's idle connections.
func (e *Env) Close() {
	for _, v := range e.Vendors {
		v.Close()
	}
}

// Close releases both clients' idle connections.
func (e *VendorEnv) Close() {
	_ = e.Harbor.Close()
	if e.Floor != nil {
		e.Floor.Close()
	}
	if e.Wenxin != nil {
		e.Wenxin.Close()
	}
}

var errEmpty = errors.New("empty answer")

func (e *VendorEnv) harborCreate(ctx context.Context) error {
	return harborCreate(ctx, e.Harbor, e.hreq)
}

// harborCreate is the harbor side's Create op on client c: the answer must have
// text.
func harborCreate(ctx context.Context, c *harbor.Client, req *harbor.ChatRequest) error {
	res, err := c.Chat.Completions.Create(ctx, req)
	if err != nil {
		return err
	}
	if len(res.Choices) == 0 || res.Choices[0].Message.Content == "" {
		return errEmpty
	}
	return nil
}

func (e *VendorEnv) floorCreate(ctx context.Context) error {
	if e.Wenxin != nil {
		res, err := e.Wenxin.Create(ctx, WenxinEndpoint, e.wreq)
		if err != nil {
			return err
		}
		if res.Result == "" {
			return errEmpty
		}
		return nil
	}
	res, err := e.Floor.Create(ctx, e.freq)
	if err != nil {
		return err
	}
	if res.Choices[0].Message.Content == "" {
		return errEmpty
	}
	return nil
}

func (e *VendorEnv) harborStream(ctx context.Context) error {
	return harborStream(ctx, e.Harbor, e.hreq)
}

// harborStream is the harbor side's Stream op on client c: every chunk read,
// text and usage required.
func harborStream(ctx context.Context, c *harbor.Client, req *harbor.ChatRequest) error {
	s, err := c.Chat.Completions.Stream(ctx, req)
	if err != nil {
		return err
	}
	n := 0
	for s.Next() {
		c := s.Current()
		if len(c.Choices) > 0 {
			n += len(c.Choices[0].Delta.Content)
		}
	}
	err = s.Err()
	_ = s.Close()
	if err != nil {
		return err
	}
	if n == 0 || s.Usage() == nil {
		return errEmpty
	}
	return nil
}

func (e *VendorEnv) floorStream(ctx context.Context) error {
	if e.Wenxin != nil {
		return e.wenxinStream(ctx)
	}
	s, err := e.Floor.Stream(ctx, e.freq)
	if err != nil {
		return err
	}
	n := 0
	var usage *FloorUsage
	for s.Next() {
		c := s.Current()
		if len(c.Choices) > 0 {
			n += len(c.Choices[0].Delta.Content)
		}
		if c.Usage != nil {
			usage = c.Usage
		}
	}
	err = s.Err()
	_ = s.Close()
	if err != nil {
		return err
	}
	if n == 0 || usage == nil {
		return errEmpty
	}
	return nil
}

func (e *VendorEnv) wenxinStream(ctx context.Context) error {
	s, err := e.Wenxin.Stream(ctx, WenxinEndpoint, e.wreq)
	if err != nil {
		return err
	}
	n := 0
	var usage WenxinUsage
	for s.Next() {
		c := s.Current()
		n += len(c.Result)
		usage = c.Usage // cumulative: the is_end event's is the total
	}
	err = s.Err()
	_ = s.Close()
	if err != nil {
		return err
	}
	if n == 0 || usage.TotalTokens == 0 {
		return errEmpty
	}
	return nil
}

func serial(op func(context.Context) error) func(*testing.B) {
	return func(b *testing.B) {
		ctx := context.Background()
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if err := op(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func parallel(op func(context.Context) error) func(*testing.B) {
	return func(b *testing.B) {
		ctx := context.Background()
		b.ReportAllocs()
		procs := runtime.GOMAXPROCS(0)
		b.SetParallelism((Parallelism + procs - 1) / procs)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := op(ctx); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
}

// Pair is one scenario run by both clients.
type Pair struct {
	Name   string // "Create" (DeepSeek), "Create/doubao", "Create/observed"…
	Vendor string
	// Variant names a harbor configuration other than the default, "" for the
	// default: Observed for the managed path's scenarios (managed.go).
	Variant       string
	Harbor, Floor func(*testing.B)
}

// Pairs returns the side-by-side scenarios. DeepSeek keeps its historical
// names: Create, Stream (every chunk consumed) and CreateParallel64 (about 64
// goroutines sharing one client). Every other vendor has Create/<vendor> and
// Stream/<vendor>.
func (e *Env) Pairs() []Pair {
	var out []Pair
	for _, v := range e.Vendors {
		suffix := "/" + v.Vendor
		if v.Vendor == DeepSeek {
			suffix = ""
		}
		out = append(out,
			Pair{Name: "Create" + suffix, Vendor: v.Vendor, Harbor: serial(v.harborCreate), Floor: serial(v.floorCreate)},
			Pair{Name: "Stream" + suffix, Vendor: v.Vendor, Harbor: serial(v.harborStream), Floor: serial(v.floorStream)},
		)
		if v.Vendor == DeepSeek {
			out = append(out, Pair{Name: "CreateParallel64", Vendor: v.Vendor, Harbor: parallel(v.harborCreate), Floor: parallel(v.floorCreate)})
		}
	}
	return out
}

var sinkClient *harbor.Client

// BenchNew measures harbor.New with the DeepSeek benchmark's options (built
// once).
func BenchNew(url, apiKey string) func(*testing.B) {
	opts := HarborOptions(url, apiKey)
	return func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			c, err := harbor.New(opts...)
			if err != nil {
				b.Fatal(err)
			}
			sinkClient = c
		}
	}
}

var sinkString string

// BenchRoute measures client.Route on a warm client; the budget is 0 allocs.
func (e *VendorEnv) BenchRoute(b *testing.B) {
	if _, err := e.Harbor.Route(e.Model); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := e.Harbor.Route(e.Model)
		if err != nil {
			b.Fatal(err)
		}
		sinkString = r.Provider
	}
}

// StreamChunks counts the chunks one harbor stream of the benchmark request
// yields, so a report can give the Stream scenarios' cost per chunk (both
// clients read the same events: TestFloorAndHarborAgree).
func (e *VendorEnv) StreamChunks(ctx context.Context) (int, error) {
	s, err := e.Harbor.Chat.Completions.Stream(ctx, e.hreq)
	if err != nil {
		return 0, err
	}
	defer s.Close()
	n := 0
	for s.Next() {
		n++
	}
	return n, s.Err()
}
