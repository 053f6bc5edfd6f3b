// Package floorprobe is the floor's cold-start probe, shared by the probes
// ../../floor (the floor alone) and ../../floor-deps (the floor with harbor's
// third-party dependencies linked in): a hand-written net/http +
// encoding/json client (its transport tuned like harbor's), one chat
// completion against the DeepSeek mock at os.Args[1], and exit. See package
// coldstartprobe.
package floorprobe

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

type message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type request struct {
	Model       string    `json:"model"`
	Messages    []message `json:"messages"`
	Thinking    *thinking `json:"thinking,omitempty"`
	Temperature float64   `json:"temperature"`
	MaxTokens   int       `json:"max_tokens,omitempty"`
}

type thinking struct {
	Type string `json:"type"`
}

type completion struct {
	Choices []struct {
		Message struct {
			Content string `json:"content"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage struct {
		TotalTokens int `json:"total_tokens"`
	} `json:"usage"`
}

// Main is the probe's main; start is the wall clock main read first.
func Main(start time.Time) {
	if err := run(start); err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		os.Exit(1)
	}
}

func run(start time.Time) error {
	if len(os.Args) != 2 {
		return errors.New("usage: probe MOCK_URL (key in HARBOR_PROBE_KEY)")
	}
	t := time.Now()
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 2 * time.Minute,
		ExpectContinueTimeout: time.Second,
	}
	hc := &http.Client{Transport: tr}
	newDur := time.Since(t)
	defer tr.CloseIdleConnections()

	body, err := json.Marshal(&request{
		Model: "deepseek-v4-flash",
		Messages: []message{
			{Role: "system", Content: "You are a concise support assistant for a shipping company. Answer in plain English, in at most three sentences, and never invent tracking numbers."},
			{Role: "user", Content: "My parcel left Rotterdam on Monday and the tracking page has not changed since. What usually causes that kind of delay?"},
		},
		Thinking:    &thinking{Type: "disabled"},
		Temperature: 0.7,
		MaxTokens:   256,
	})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, strings.TrimRight(os.Args[1], "/")+"/chat/completions", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+os.Getenv("HARBOR_PROBE_KEY"))
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		// The status only: a vendor's error body may quote (part of) the key.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	var out completion
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return fmt.Errorf("decode response: %w", err)
	}
	if len(out.Choices) == 0 || out.Choices[0].Message.Content == "" {
		return errors.New("empty answer")
	}
	fmt.Printf("ok main_ns=%d new_ns=%d main_at=%d\n", time.Since(start).Nanoseconds(), newDur.Nanoseconds(), start.UnixNano())
	return nil
}
