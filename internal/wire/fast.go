package wire

import (
	"encoding/json"
	"net/http"

	"github.com/harborai/harbor-go/llm"
)

// DecodeCompletion is DecodeReply for a chat answer: the fast decoder reads
// what it can and fast converts it; anything else is decoded by encoding/json
// into the vendor's generated type G and converted by slow. One place, so the
// OpenAI-shaped providers differ only in their conversions.
func DecodeCompletion[G any](provider, model string, resp *http.Response, s *ReplySchema,
	fast func(*Reply) *llm.ChatCompletion, slow func(*G) *llm.ChatCompletion, secrets ...string) (*llm.ChatCompletion, error) {
	var res *llm.ChatCompletion
	err := DecodeReply(provider, model, resp, s,
		func(r *Reply) { res = fast(r) },
		func(b []byte) error {
			var out G
			if err := json.Unmarshal(b, &out); err != nil {
				return err
			}
			res = slow(&out)
			return nil
		}, secrets...)
	if err != nil {
		return nil, err
	}
	return res, nil
}

// FastChunks returns one stream's ChunkDecoder: events the fast decoder reads
// are converted by fast, the rest (tool calls, logprobs…) go to slow, which
// decodes them with encoding/json into the generated type.
func FastChunks(s *ReplySchema, model string, fast func(*Reply) llm.Chunk, slow ChunkDecoder) ChunkDecoder {
	d := NewReplyDecoder(s, model)
	var r Reply
	return func(data []byte) (llm.Chunk, bool, error) {
		if d.Decode(data, &r) {
			return fast(&r), false, nil
		}
		return slow(data)
	}
}
