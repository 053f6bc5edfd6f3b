package gateway

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// What a key owes its buckets shrinks as they refill, and never exceeds their
// range; what it owes its budget stays whole, with the time of its latest
// spending. A key without a limit owes it nothing.
func TestLedgerOwes(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	kr, err := newKeyring([]KeyConfig{
		{ID: "all", SHA256: HashKey("a"), RPM: 60, TPM: 600, BudgetCNY: 1},
		{ID: "rpm", SHA256: HashKey("b"), RPM: 60},
	}, t0)
	require.NoError(t, err)
	all, rpm := kr.keys[0], kr.keys[1]
	l := &sharedLimits{}

	l.owe(all, t0, 3, 100, 0.5)
	assert.True(t, all.owed.owing.Load())
	l.owe(all, t0.Add(2*time.Second), 0, 0, 0.25) // 1 request and 10 tokens a second refilled
	o := all.owed.pending
	assert.InDelta(t, 1, o.requests, 1e-9)
	assert.InDelta(t, 80, o.tokens, 1e-9)
	assert.InDelta(t, 0.75, o.cost, 1e-12)
	assert.Equal(t, t0.Add(2*time.Second), o.costAt)

	l.owe(all, t0.Add(3*time.Second), 1000, 1e6, 0)
	o = all.owed.pending
	assert.InDelta(t, 120, o.requests, 1e-9, "at most the bucket's range: full to one burst of debt")
	assert.InDelta(t, 1200, o.tokens, 1e-9)
	o.decay(all, t0.Add(10*time.Minute))
	assert.Zero(t, o.requests, "refilled long since")
	assert.Zero(t, o.tokens)
	assert.InDelta(t, 0.75, o.cost, 1e-12, "a budget does not refill")

	l.owe(rpm, t0, 1, 100, 0.5)
	assert.Equal(t, owed{requests: 1, at: t0}, rpm.owed.pending, "no tpm, no budget: only the request")
}
