package wire

import (
	"bytes"
	"io"
	"net/http"

	"github.com/harborai/harbor-go/llm"
)

// Classified returns cfg's Doer wrapped so that every request goes through
// DoClassified with classify (see llm.ClassifyingDoer), or the Doer as is when
// it cannot classify (a plain http.Client, which does not retry at all).
func Classified(cfg *llm.Config, classify func(*http.Response) llm.RetryVerdict) llm.Doer {
	d := Doer(cfg)
	if cd, ok := d.(llm.ClassifyingDoer); ok {
		return classifyingDoer{cd, classify}
	}
	return d
}

type classifyingDoer struct {
	d        llm.ClassifyingDoer
	classify func(*http.Response) llm.RetryVerdict
}

func (c classifyingDoer) Do(r *http.Request) (*http.Response, error) {
	return c.d.DoClassified(r, c.classify)
}

// PeekBody reads up to limit bytes of resp's body for a retry classifier and
// puts them back in front of the rest, so the response can still be returned
// and read whole. A read error is returned with what was read; the body then
// yields the same bytes and the same error again.
func PeekBody(resp *http.Response, limit int64) ([]byte, error) {
	if resp.Body == nil || resp.Body == http.NoBody {
		return nil, nil
	}
	orig := resp.Body
	b, err := io.ReadAll(io.LimitReader(orig, limit))
	resp.Body = &peekedBody{Reader: io.MultiReader(bytes.NewReader(b), orig), c: orig}
	return b, err
}

type peekedBody struct {
	io.Reader
	c io.Closer
}

func (b *peekedBody) Close() error { return b.c.Close() }
