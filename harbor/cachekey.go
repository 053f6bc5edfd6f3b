package harbor

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"hash"
)

// cacheKey is the digest of everything that can change an answer: the routed
// provider, the model actually sent, the thinking mode the model name implies, and
// every field of the request (its JSON, which is what the vendor would be asked,
// plus ExtraBody). The caller's own model name is left out — two names routed to
// the same model share answers — and so is everything that cannot change the
// answer: whether it is streamed, per-call headers, timeouts.
//
// SHA-256 keeps unrelated requests apart (no collisions in practice) and means the
// key never contains the prompt or anything secret; API keys are not part of the
// request at all.
type cacheKey [sha256.Size]byte

// keyVersion changes whenever the key's recipe or the cached encoding changes, so
// that a fleet upgraded one process at a time does not share incompatible entries.
const keyVersion = "harbor-cache-v1\x00"

func newCacheKey(provider, sent, thinking string, req *ChatRequest) (cacheKey, error) {
	h := sha256.New()
	writeField(h, keyVersion)
	writeField(h, provider)
	writeField(h, sent)
	writeField(h, thinking)
	cp := *req
	cp.Model = "" // the name the caller used; sent stands for it
	enc := json.NewEncoder(h)
	if err := enc.Encode(&cp); err != nil {
		return cacheKey{}, err
	}
	if len(cp.ExtraBody) > 0 {
		writeField(h, "extra_body")
		if err := enc.Encode(cp.ExtraBody); err != nil { // maps encode with sorted keys
			return cacheKey{}, err
		}
	}
	var k cacheKey
	h.Sum(k[:0])
	return k, nil
}

// writeField writes s with its length, so that ("ab","c") and ("a","bc") differ.
func writeField(h hash.Hash, s string) {
	var n [8]byte
	l := len(s)
	for i := range n {
		n[i] = byte(l >> (8 * i))
	}
	h.Write(n[:])
	h.Write([]byte(s))
}

// shared is the key's name in the shared tier: the namespace, then the digest in hex.
func (k cacheKey) shared(namespace string) string {
	return namespace + ":" + hex.EncodeToString(k[:])
}
