package wenxin

import (
	"testing"

	gen "github.com/harborai/harbor-go/generated/qianfanv1"
	"github.com/harborai/harbor-go/internal/wiretest"
)

// The generated AppendJSON writes json.Marshal's bytes for every field of the
// generated request.
func TestAppendRequestMatchesMarshal(t *testing.T) {
	wiretest.CheckEncoder[gen.ChatRequest](t, nil, 500)
}

// The generated DecodeJSON reads what json.Unmarshal reads, or gives up.
func TestDecodeJSONMatchesUnmarshal(t *testing.T) {
	wiretest.CheckDecoder[gen.ChatResponse](t, nil, 300)
}
