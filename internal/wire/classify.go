package wire

import (
	"io"
	"net/http"

	"github.com/harborai/harbor-go/llm"
)

// Classified returns cfg's Doer wrapped so that every request goes through
// DoClassified with classify (see llm.ClassifyingDoer), or the Doer as is when
// it cannot classify (a plain http.Client, which does not retry at all).
func Classified(cfg *llm.Config, classify func(*http.Response) llm.RetryVerdict) llm.Doer {
	d := Doer(cfg)
	if cd, ok := d.(classifying); ok {
		return cd.Classifying(classify)
	}
	if cd, ok := d.(llm.ClassifyingDoer); ok {
		return classifyingDoer{cd, classify}
	}
	return d
}

// classifying is implemented by harbor's Doer: Classifying returns a Doer with
// classify bound once, which saves DoClassified's per-request context.
type classifying interface {
	Classifying(classify func(*http.Response) llm.RetryVerdict) llm.Doer
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
//
// When the whole body fits in limit, the body left in resp holds it all (see
// Whole): ReadBody then uses those bytes instead of copying them again.
func PeekBody(resp *http.Response, limit int64) ([]byte, error) {
	if resp.Body == nil || resp.Body == http.NoBody {
		return nil, nil
	}
	size := int64(512)
	if n := resp.ContentLength; n >= 0 && n < limit {
		size = n + 1 // room to see the end of the body without growing
	}
	p := &peekedBody{b: make([]byte, 0, min(size, limit)), rest: resp.Body}
	for int64(len(p.b)) < limit {
		if len(p.b) == cap(p.b) {
			p.b = append(p.b, 0)[:len(p.b)]
		}
		n, err := p.rest.Read(p.b[len(p.b):min(int64(cap(p.b)), limit)])
		p.b = p.b[:len(p.b)+n]
		if err == io.EOF {
			p.eof = true
			break
		}
		if err != nil {
			p.err = err
			break
		}
	}
	resp.Body = p
	return p.b, p.err
}

// peekedBody yields the bytes PeekBody read, then what the body had left (or the
// read error PeekBody met).
type peekedBody struct {
	b    []byte
	off  int
	rest io.ReadCloser
	eof  bool  // b is the whole body
	err  error // the error that stopped PeekBody
}

func (p *peekedBody) Read(q []byte) (int, error) {
	if p.off < len(p.b) {
		n := copy(q, p.b[p.off:])
		p.off += n
		return n, nil
	}
	switch {
	case p.err != nil:
		return 0, p.err
	case p.eof:
		return 0, io.EOF
	}
	return p.rest.Read(q)
}

func (p *peekedBody) Close() error { return p.rest.Close() }

// Whole returns the body's bytes when PeekBody read all of it and nothing has been
// read since.
func (p *peekedBody) Whole() ([]byte, bool) { return p.b, p.eof && p.off == 0 }

// Whole is implemented by a body whose bytes are all in memory already.
type Whole interface {
	Whole() ([]byte, bool)
}
