package setup

import (
	"context"
	"errors"
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
