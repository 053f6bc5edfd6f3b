package gateway

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBucket(t *testing.T) {
	t0 := time.Unix(0, 0)
	b := newBucket(60, t0) // one per second, burst 60
	for range 60 {
		_, ok := b.take(t0, 1)
		require.True(t, ok)
	}
	wait, ok := b.take(t0, 1)
	assert.False(t, ok)
	assert.Equal(t, time.Second, wait)
	_, ok = b.take(t0.Add(time.Second), 1)
	assert.True(t, ok, "refilled")

	tpm := newBucket(600, t0) // 10 per second
	tpm.spend(t0, 650)        // into debt: 600 - 650
	wait, ok = tpm.positive(t0)
	assert.False(t, ok)
	assert.InDelta(t, 5*time.Second, wait, float64(10*time.Millisecond))
	_, ok = tpm.positive(t0.Add(6 * time.Second))
	assert.True(t, ok)
	tpm.spend(t0, 1e9)
	assert.GreaterOrEqual(t, tpm.tokens, -600.0, "debt is bounded by one burst")

	var unlimited bucket
	_, ok = unlimited.take(t0, 1e9)
	assert.True(t, ok)
}

func TestBudgetPeriod(t *testing.T) {
	t0 := time.Unix(1000, 0)
	kr, err := newKeyring([]KeyConfig{{ID: "k", SHA256: HashKey("x"), BudgetCNY: 1, BudgetPeriod: time.Hour}}, t0)
	require.NoError(t, err)
	k := kr.lookup("x")
	require.NotNil(t, k)
	assert.Nil(t, kr.lookup("y"))
	k.charge(t0, 10, 1.5)
	why, wait := k.admit(t0.Add(time.Minute))
	assert.Equal(t, overBudget, why)
	assert.Equal(t, 59*time.Minute, wait)
	why, _ = k.admit(t0.Add(61 * time.Minute))
	assert.Equal(t, admitted, why, "a new period")
}

func TestKeyringRejects(t *testing.T) {
	good := HashKey("k")
	for _, tc := range []struct {
		keys []KeyConfig
		want string
	}{
		{[]KeyConfig{{SHA256: good}}, "id is required"},
		{[]KeyConfig{{ID: "a", SHA256: "abc"}}, "64 hex digits"},
		{[]KeyConfig{{ID: "a", SHA256: good}, {ID: "a", SHA256: HashKey("j")}}, "used twice"},
		{[]KeyConfig{{ID: "a", SHA256: good}, {ID: "b", SHA256: good}}, "the same key as a"},
		{[]KeyConfig{{ID: "a", SHA256: good, RPM: -1}}, "must not be negative"},
		{[]KeyConfig{{ID: "a", SHA256: good, Models: []string{" "}}}, "empty pattern"},
	} {
		_, err := newKeyring(tc.keys, time.Now())
		assert.ErrorContains(t, err, tc.want)
	}
}
