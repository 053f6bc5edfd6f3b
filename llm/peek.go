package llm

import (
	"io"
	"net/http"
)

// PeekBody reads up to limit bytes of resp's body for a RetryRule and
// puts them back in front of the rest, so the response can still be returned
// and read whole. A read error is returned with what was read; the body then
// yields the same bytes and the same error again.
//
// When the whole body fits in limit, the body left in resp holds it all, and says
// so to harbor's internals: harbor then needs no idle timeout for it, and its body
// reader uses those bytes instead of copying them again.
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
// read since. It is not part of llm's API: harbor's internals find it by its method
// (internal/wire.Whole), to skip copying or timing a body already in memory.
func (p *peekedBody) Whole() ([]byte, bool) { return p.b, p.eof && p.off == 0 }
