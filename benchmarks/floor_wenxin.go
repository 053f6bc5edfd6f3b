package benchmarks

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// WenxinFloor is a minimal Baidu Qianfan v1 (Wenxin) chat client: it fetches an
// OAuth access token once, then posts to the model's wenxinworkshop endpoint
// with ?access_token=. Like Floor, it has its own wire structs for exactly the
// fields used, one pooled transport, no retries, no stats, and no token
// refresh (a benchmark never outlives a 30-day token).
type WenxinFloor struct {
	base, key, secret string
	tr                *http.Transport
	hc                *http.Client

	mu      sync.Mutex
	token   string
	chatURL map[string]string // endpoint -> chat URL with the token, built once
}

// NewWenxinFloor returns a WenxinFloor for baseURL ("https://aip.baidubce.com"
// or the mock's URL). It does no I/O: the token is fetched on first use.
func NewWenxinFloor(baseURL, apiKey, secretKey string) *WenxinFloor {
	tr := floorTransport()
	return &WenxinFloor{
		base: strings.TrimRight(baseURL, "/"), key: apiKey, secret: secretKey,
		tr: tr, hc: &http.Client{Transport: tr},
		chatURL: map[string]string{},
	}
}

// Close releases idle connections.
func (f *WenxinFloor) Close() { f.tr.CloseIdleConnections() }

// WenxinRequest is the request body: no model (the endpoint picks it), the
// system prompt at the top level.
type WenxinRequest struct {
	Messages        []FloorMessage `json:"messages"`
	System          string         `json:"system,omitempty"`
	Temperature     float64        `json:"temperature"`
	MaxOutputTokens int            `json:"max_output_tokens"`
	Stream          bool           `json:"stream,omitempty"`
}

// WenxinUsage counts tokens.
type WenxinUsage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// WenxinResponse is a non-streamed answer, or one stream event. Errors come
// with HTTP 200 and error_code set.
type WenxinResponse struct {
	ID               string      `json:"id"`
	Created          int64       `json:"created"`
	SentenceID       int         `json:"sentence_id"`
	IsEnd            bool        `json:"is_end"`
	IsTruncated      bool        `json:"is_truncated"`
	Result           string      `json:"result"`
	NeedClearHistory bool        `json:"need_clear_history"`
	FinishReason     string      `json:"finish_reason"`
	Usage            WenxinUsage `json:"usage"`
	ErrorCode        int         `json:"error_code"`
	ErrorMsg         string      `json:"error_msg"`
}

type wenxinToken struct {
	AccessToken      string `json:"access_token"`
	ExpiresIn        int64  `json:"expires_in"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// url returns the chat URL for endpoint, fetching the access token the first
// time.
func (f *WenxinFloor) url(ctx context.Context, endpoint string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if u, ok := f.chatURL[endpoint]; ok {
		return u, nil
	}
	if f.token == "" {
		q := url.Values{"grant_type": {"client_credentials"}, "client_id": {f.key}, "client_secret": {f.secret}}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.base+"/oauth/2.0/token?"+q.Encode(), nil)
		if err != nil {
			return "", err
		}
		resp, err := f.hc.Do(req)
		if err != nil {
			return "", err
		}
		var t wenxinToken
		err = json.NewDecoder(resp.Body).Decode(&t)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		switch {
		case err != nil:
			return "", fmt.Errorf("wenxin: decode token: %w", err)
		case t.AccessToken == "":
			return "", fmt.Errorf("wenxin: token: HTTP %d: %s %s", resp.StatusCode, t.Error, t.ErrorDescription)
		}
		f.token = t.AccessToken
	}
	u := f.base + "/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/" + endpoint + "?access_token=" + url.QueryEscape(f.token)
	f.chatURL[endpoint] = u
	return u, nil
}

func (f *WenxinFloor) post(ctx context.Context, endpoint string, body []byte, stream bool) (*http.Response, error) {
	u, err := f.url(ctx, endpoint)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
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
		return nil, fmt.Errorf("wenxin: HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(msg))
	}
	return resp, nil
}

// Create sends a non-streaming request to endpoint and decodes the whole answer.
func (f *WenxinFloor) Create(ctx context.Context, endpoint string, req *WenxinRequest) (*WenxinResponse, error) {
	r := *req
	r.Stream = false
	body, err := json.Marshal(&r)
	if err != nil {
		return nil, err
	}
	resp, err := f.post(ctx, endpoint, body, false)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out WenxinResponse
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("wenxin: decode response: %w", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body) // read to EOF so the connection is reused
	if out.ErrorCode != 0 {
		return nil, fmt.Errorf("wenxin: error %d: %s", out.ErrorCode, out.ErrorMsg)
	}
	return &out, nil
}

// Stream sends a streaming request to endpoint and returns once the headers
// arrive. A stream that cannot start comes back as a JSON error body, which
// Next reports.
func (f *WenxinFloor) Stream(ctx context.Context, endpoint string, req *WenxinRequest) (*WenxinStream, error) {
	r := *req
	r.Stream = true
	body, err := json.Marshal(&r)
	if err != nil {
		return nil, err
	}
	resp, err := f.post(ctx, endpoint, body, true)
	if err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	return &WenxinStream{body: resp.Body, sc: sc}, nil
}

// WenxinStream reads SSE lines and decodes every data: event until the one
// with is_end:true (Wenxin sends no [DONE]).
type WenxinStream struct {
	body  io.ReadCloser
	sc    *bufio.Scanner
	cur   WenxinResponse
	err   error
	done  bool
	clean bool // saw is_end
}

// Next decodes the next event; false after the is_end event or on error (see
// Err). The is_end event itself is returned: it carries the final usage.
func (s *WenxinStream) Next() bool {
	if s.done {
		return false
	}
	for s.sc.Scan() {
		line := s.sc.Bytes()
		if len(line) == 0 || line[0] == ':' {
			continue
		}
		data, ok := bytes.CutPrefix(line, dataPrefix)
		if !ok {
			if line[0] == '{' { // a JSON error body instead of a stream
				data = line
			} else {
				continue
			}
		}
		var ev WenxinResponse
		if err := json.Unmarshal(data, &ev); err != nil {
			s.done, s.err = true, fmt.Errorf("wenxin: decode event: %w", err)
			return false
		}
		if ev.ErrorCode != 0 {
			s.done, s.err = true, fmt.Errorf("wenxin: error %d: %s", ev.ErrorCode, ev.ErrorMsg)
			return false
		}
		s.cur = ev
		if ev.IsEnd {
			s.done, s.clean = true, true
		}
		return true
	}
	s.done = true
	if s.err = s.sc.Err(); s.err == nil {
		s.err = ErrFloorTruncated
	}
	return false
}

// Current returns the event Next decoded.
func (s *WenxinStream) Current() *WenxinResponse { return &s.cur }

// Err returns what ended the stream, nil after the is_end event.
func (s *WenxinStream) Err() error { return s.err }

// Close releases the connection; after a clean end it reads the body to EOF
// first so the connection goes back to the pool.
func (s *WenxinStream) Close() error {
	if s.clean {
		_, _ = io.Copy(io.Discard, io.LimitReader(s.body, 64<<10))
	}
	return s.body.Close()
}
