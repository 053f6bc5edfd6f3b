// Package benchmarks measures harbor against the "floor": hand-written
// net/http + encoding/json clients doing the same calls with nothing around
// them, one per wire format (OpenAI-shaped chat completions, Wenxin v1). The
// floor is what a careful engineer writes without an SDK, so harbor's budget is
// client CPU per call at or below it (ratio <= 1.0).
package benchmarks

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// floorTransport returns a transport tuned like harbor's (256 idle connections
// per host), so that only the client code differs.
func floorTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          0,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 2 * time.Minute,
		ExpectContinueTimeout: time.Second,
	}
}

// FloorConfig points an OpenAI-shaped Floor at one vendor.
type FloorConfig struct {
	Vendor  string // for error messages ("deepseek")
	BaseURL string // "http://127.0.0.1:port/api/v3"
	Path    string // appended to BaseURL; "" means "/chat/completions"
	Auth    string // the Authorization header value ("Bearer sk-…")
}

// Floor is a minimal OpenAI-shaped chat client (DeepSeek, Doubao on Ark,
// Qianfan v2, OpenAI): its own wire structs for exactly the fields used, one
// pooled transport, no retries, no stats.
type Floor struct {
	vendor string
	url    string // base URL + path
	auth   string
	tr     *http.Transport
	hc     *http.Client
}

// NewOpenAIFloor returns a Floor for cfg.
func NewOpenAIFloor(cfg FloorConfig) *Floor {
	path := cfg.Path
	if path == "" {
		path = "/chat/completions"
	}
	tr := floorTransport()
	return &Floor{
		vendor: cfg.Vendor,
		url:    strings.TrimRight(cfg.BaseURL, "/") + path,
		auth:   cfg.Auth,
		tr:     tr,
		hc:     &http.Client{Transport: tr},
	}
}

// NewFloor returns a DeepSeek Floor for baseURL.
func NewFloor(baseURL, apiKey string) *Floor {
	return NewOpenAIFloor(FloorConfig{Vendor: "deepseek", BaseURL: baseURL, Auth: "Bearer " + apiKey})
}

// Close releases idle connections.
func (f *Floor) Close() { f.tr.CloseIdleConnections() }

// FloorRequest is the request body.
type FloorRequest struct {
	Model       string         `json:"model"`
	Messages    []FloorMessage `json:"messages"`
	Thinking    *FloorThinking `json:"thinking,omitempty"`
	Temperature float64        `json:"temperature"`
	MaxTokens   int            `json:"max_tokens,omitempty"`
	// MaxCompletionTokens replaces max_tokens for Qianfan v2, which has none.
	MaxCompletionTokens int                 `json:"max_completion_tokens,omitempty"`
	Stream              bool                `json:"stream,omitempty"`
	StreamOptions       *FloorStreamOptions `json:"stream_options,omitempty"`
}

// FloorMessage is one conversation turn.
type FloorMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// FloorThinking switches DeepSeek's and Ark's reasoning on or off.
type FloorThinking struct {
	Type string `json:"type"`
}

// FloorStreamOptions asks for usage on the last chunk.
type FloorStreamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

// FloorUsage counts tokens. The cache counts are DeepSeek's; other vendors
// leave them 0.
type FloorUsage struct {
	PromptTokens          int `json:"prompt_tokens"`
	CompletionTokens      int `json:"completion_tokens"`
	TotalTokens           int `json:"total_tokens"`
	PromptCacheHitTokens  int `json:"prompt_cache_hit_tokens"`
	PromptCacheMissTokens int `json:"prompt_cache_miss_tokens"`
}

// FloorCompletion is a non-streamed answer.
type FloorCompletion struct {
	ID      string `json:"id"`
	Model   string `json:"model"`
	Created int64  `json:"created"`
	Choices []struct {
		Index   int `json:"index"`
		Message struct {
			Role             string `json:"role"`
			Content          string `json:"content"`
			ReasoningContent string `json:"reasoning_content"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage FloorUsage `json:"usage"`
}

// FloorChunk is one streamed event.
type FloorChunk struct {
	ID      string `json:"id"`
	Model   string `json:"model"`
	Created int64  `json:"created"`
	Choices []struct {
		Index int `json:"index"`
		Delta struct {
			Role             string `json:"role"`
			Content          string `json:"content"`
			ReasoningContent string `json:"reasoning_content"`
		} `json:"delta"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *FloorUsage `json:"usage"`
	// Error is an in-band error event (Ark, Qianfan v2, OpenAI send
	// data: {"error":{…}} when a stream fails midway).
	Error *FloorError `json:"error"`
}

// FloorError is the OpenAI-shaped error object.
type FloorError struct {
	Message string `json:"message"`
	Code    any    `json:"code"`
}

func (f *Floor) post(ctx context.Context, body []byte, stream bool) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", f.auth)
	if stream {
		req.Header.Set("Accept", "text/event-stream")
	}
	resp, err := f.hc.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		return nil, fmt.Errorf("%s: HTTP %d: %s", f.vendor, resp.StatusCode, bytes.TrimSpace(msg))
	}
	return resp, nil
}

// Create sends a non-streaming request and decodes the whole answer.
func (f *Floor) Create(ctx context.Context, req *FloorRequest) (*FloorCompletion, error) {
	r := *req
	r.Stream, r.StreamOptions = false, nil
	body, err := json.Marshal(&r)
	if err != nil {
		return nil, err
	}
	resp, err := f.post(ctx, body, false)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out FloorCompletion
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("%s: decode response: %w", f.vendor, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body) // read to EOF so the connection is reused
	if len(out.Choices) == 0 {
		return nil, fmt.Errorf("%s: response has no choices", f.vendor)
	}
	return &out, nil
}

var includeUsage = &FloorStreamOptions{IncludeUsage: true}

// Stream sends a streaming request and returns once the headers arrive.
func (f *Floor) Stream(ctx context.Context, req *FloorRequest) (*FloorStream, error) {
	r := *req
	r.Stream, r.StreamOptions = true, includeUsage
	body, err := json.Marshal(&r)
	if err != nil {
		return nil, err
	}
	resp, err := f.post(ctx, body, true)
	if err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	return &FloorStream{vendor: f.vendor, body: resp.Body, sc: sc}, nil
}

// ErrFloorTruncated reports a stream that ended before its end marker
// (data: [DONE], or Wenxin's is_end event).
var ErrFloorTruncated = errors.New("floor: stream ended before its end marker")

// FloorStream reads SSE lines and decodes every data: event.
type FloorStream struct {
	vendor string
	body   io.ReadCloser
	sc     *bufio.Scanner
	cur    FloorChunk
	err    error
	done   bool
	clean  bool // saw [DONE]
}

var (
	dataPrefix = []byte("data:")
	doneMarker = []byte("[DONE]")
)

// Next decodes the next chunk; false at [DONE] or on error (see Err).
func (s *FloorStream) Next() bool {
	if s.done {
		return false
	}
	for s.sc.Scan() {
		line := s.sc.Bytes()
		if len(line) == 0 || line[0] == ':' { // event separator, keep-alive comment
			continue
		}
		data, ok := bytes.CutPrefix(line, dataPrefix)
		if !ok {
			continue
		}
		data = bytes.TrimSpace(data)
		if bytes.Equal(data, doneMarker) {
			s.done, s.clean = true, true
			return false
		}
		var c FloorChunk
		if err := json.Unmarshal(data, &c); err != nil {
			s.done, s.err = true, fmt.Errorf("%s: decode chunk: %w", s.vendor, err)
			return false
		}
		if c.Error != nil {
			s.done, s.err = true, fmt.Errorf("%s: stream error %v: %s", s.vendor, c.Error.Code, c.Error.Message)
			return false
		}
		s.cur = c
		return true
	}
	s.done = true
	if s.err = s.sc.Err(); s.err == nil {
		s.err = ErrFloorTruncated
	}
	return false
}

// Current returns the chunk Next decoded.
func (s *FloorStream) Current() *FloorChunk { return &s.cur }

// Err returns what ended the stream, nil after [DONE].
func (s *FloorStream) Err() error { return s.err }

// Close releases the connection; after a clean end it reads the body to EOF
// first so the connection goes back to the pool.
func (s *FloorStream) Close() error {
	if s.clean {
		_, _ = io.Copy(io.Discard, io.LimitReader(s.body, 64<<10))
	}
	return s.body.Close()
}
