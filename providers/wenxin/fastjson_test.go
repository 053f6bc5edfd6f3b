package wenxin

import (
	"testing"

	gen "github.com/harborai/harbor-go/generated/qianfanv1"
	"github.com/harborai/harbor-go/internal/wiretest"
)

// appendRequest writes json.Marshal's bytes for every field of the generated
// request: a field added to the spec and not to appendRequest fails here.
func TestAppendRequestMatchesMarshal(t *testing.T) {
	wiretest.CheckEncoder[gen.ChatRequest](t, appendRequest, nil, 500)
}
