package setup

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/harborai/harbor-go/llm"
)

type nilProvider struct{}

func (*nilProvider) Name() string { return "nil" }
func (*nilProvider) Chat(context.Context, *llm.ChatRequest, *llm.CallOptions) (*llm.ChatCompletion, error) {
	return nil, nil
}
func (*nilProvider) ChatStream(context.Context, *llm.ChatRequest, *llm.CallOptions) (llm.ChunkSource, error) {
	return nil, nil
}

// A constructor's nil *Provider and error become a nil interface, not a nil pointer
// inside a non-nil one.
func TestAsProvider(t *testing.T) {
	boom := errors.New("boom")
	p, err := AsProvider[*nilProvider](nil, boom)
	if p != nil || err != boom {
		t.Errorf("on error: got (%#v, %v), want a nil interface and the error", p, err)
	}
	want := &nilProvider{}
	if p, err := AsProvider(want, nil); p != want || err != nil {
		t.Errorf("on success: got (%#v, %v)", p, err)
	}
}

// A base URL's error never shows a secret it may hold, whatever its shape
// (found by a review: "admin:s3cret@host/v1" parses as the scheme "admin").
func TestCheckBaseURLShowsNoSecret(t *testing.T) {
	for v, shown := range map[string]string{
		"admin:s3cret@proxy.corp/v1":              "",
		"proxy.corp/v1?token=s3cret":              "",
		"ftp://u:s3cret@proxy/v1?k=s3cret#s3cret": `"ftp://proxy/v1"`,
		"http//proxy.corp/v1#s3cret":              "",
		" http://u:s3cret@h/v1":                   `"http://h/v1"`,
		"http:///v1?api-key=s3cret":               "",
	} {
		err := CheckBaseURL("p", "BASE", v)
		if err == nil {
			t.Fatalf("%q: no error", v)
		}
		if strings.Contains(err.Message, "s3cret") {
			t.Errorf("%q: %s", v, err.Message)
		}
		if shown != "" && !strings.Contains(err.Message, "got "+shown) {
			t.Errorf("%q: %s, want it to show %s", v, err.Message, shown)
		}
	}
	if err := CheckBaseURL("p", "BASE", "https://api.example.com/v1"); err != nil {
		t.Errorf("a good URL: %v", err)
	}
}
