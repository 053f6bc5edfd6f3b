package deepseek

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/harborai/harbor-go/llm"
)

// Only DeepSeek's answers to a model name it does not serve (the retired names'
// of shared/vendors.md §1, and "Model Not Exist") are ErrNotFound; every other
// 400 keeps its status's class.
func TestRefineUnknownModel(t *testing.T) {
	for _, tc := range []struct {
		status int
		msg    string
		kind   error
	}{
		{400, "The supported API model names are deepseek-v4-pro or deepseek-v4-flash, but you passed deepseek-chat.", llm.ErrNotFound},
		{400, "The supported API model names are deepseek-v4-pro or deepseek-v4-flash, but you passed deepseek-reasoner.", llm.ErrNotFound},
		{400, "This model's maximum context length is 131072 tokens. However, you requested 140000 tokens.", llm.ErrInvalidRequest},
		{400, "Model Not Exist", llm.ErrNotFound},        // the real API's answer to any other unknown name
		{400, "Model Not Exist.", llm.ErrInvalidRequest}, // only the exact answer
		{500, "Model Not Exist", llm.ErrServer},
		{422, "The supported API model names are deepseek-v4-pro or deepseek-v4-flash, but you passed x.", llm.ErrInvalidRequest},
	} {
		kind, transient := llm.KindForStatus(tc.status)
		e := refine(&llm.Error{StatusCode: tc.status, Message: tc.msg, Kind: kind, Transient: transient}, nil)
		assert.True(t, errors.Is(e, tc.kind), "%d %q: %v", tc.status, tc.msg, e.Kind)
		if tc.kind == llm.ErrNotFound {
			assert.Equal(t, "model", e.Param)
			assert.False(t, e.Transient)
		} else {
			assert.Empty(t, e.Param)
		}
	}
}
