package vendorerr

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/harborai/harbor-go/llm"
)

// Error() prints the cause too: a secret the Message had redacted must not come
// back through it, for any class.
func TestTransportErrorsKeepSecretsOut(t *testing.T) {
	const secret = "SECRETVALUE99"
	for _, cause := range []error{
		errors.New("dial https://x/?key=" + secret + ": connection refused"),
		fmt.Errorf("post https://x/?key=%s: %w", secret, context.Canceled),
		fmt.Errorf("post https://x/?key=%s: %w", secret, context.DeadlineExceeded),
	} {
		e := Transport("p", "m", cause, secret)
		assert.NotContains(t, e.Error(), secret, cause.Error())
		assert.ErrorIs(t, e, cause, "the cause is still found")
	}
	e := BadResponse("p", "m", errors.New("bad token "+secret), []byte("{}"), secret)
	assert.NotContains(t, e.Error(), secret)
	assert.ErrorIs(t, Transport("p", "m", fmt.Errorf("x: %w", context.Canceled)), llm.ErrCanceled)
}
