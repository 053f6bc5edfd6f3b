package gateway

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// KeyPrefix starts every virtual key NewKey makes, so that a key found in a
// log or a repository is recognisable as a harbor gateway key (never a
// vendor's).
const KeyPrefix = "hk-"

// ExampleKey is the virtual key of deploy/harbor.example.yaml. It is public,
// so New refuses a config that accepts it on an address other than loopback.
const ExampleKey = "hk-example-harbor-gateway-key"

// NewKey returns a new random virtual key (KeyPrefix and 43 URL-safe base64
// characters: 256 bits from crypto/rand) and its hash for the config
// (KeyConfig.SHA256).
func NewKey() (key, sha256Hex string, err error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", err
	}
	key = KeyPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return key, HashKey(key), nil
}

// HashKey is what the config stores for key: hex(sha256(key)).
func HashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// vkey is one virtual key at run time: its settings and its counters.
type vkey struct {
	id     string
	sum    [32]byte
	models []string // patterns; empty: all
	admin  bool

	mu          sync.Mutex
	rpm, tpm    bucket // zero rate: no limit
	budget      float64
	period      time.Duration
	spent       float64
	periodStart time.Time

	requests atomic.Int64
	tokens   atomic.Int64

	// owed is what this process counted for the key while the fleet-wide
	// limits' Redis did not answer, until Redis takes it (sharedlimits.go).
	owed ledger
}

// keyring holds the virtual keys. Lookups compare the presented key's hash with
// every key's, in constant time each and without stopping at a match, so the
// time taken says nothing about which key (if any) matched.
type keyring struct {
	keys []*vkey
}

func newKeyring(cfgs []KeyConfig, now time.Time) (*keyring, error) {
	kr := &keyring{}
	ids := map[string]bool{}
	sums := map[[32]byte]string{}
	for i, c := range cfgs {
		where := fmt.Sprintf("keys[%d]", i)
		if c.ID == "" {
			return nil, fmt.Errorf("%s: id is required (it names the key in logs and /stats)", where)
		}
		where = fmt.Sprintf("keys[%d] (%s)", i, c.ID)
		if ids[c.ID] {
			return nil, fmt.Errorf("%s: id %q is used twice", where, c.ID)
		}
		ids[c.ID] = true
		raw, err := hex.DecodeString(strings.ToLower(strings.TrimSpace(c.SHA256)))
		if err != nil || len(raw) != sha256.Size {
			return nil, fmt.Errorf("%s: sha256 must be 64 hex digits, the SHA-256 of the key ('harbor keys create' prints it)", where)
		}
		k := &vkey{id: c.ID, admin: c.Admin, budget: c.BudgetCNY, period: c.BudgetPeriod, periodStart: now}
		copy(k.sum[:], raw)
		if other, ok := sums[k.sum]; ok {
			return nil, fmt.Errorf("%s: the same key as %s", where, other)
		}
		sums[k.sum] = c.ID
		if c.Models != nil && len(c.Models) == 0 {
			return nil, fmt.Errorf("%s: models: an empty list would allow every model; leave models out (nil) for every model, or list some", where)
		}
		for _, m := range c.Models {
			if strings.TrimSpace(m) == "" {
				return nil, fmt.Errorf("%s: models: an empty pattern", where)
			}
			k.models = append(k.models, strings.TrimSpace(m))
		}
		switch {
		case c.RPM < 0, c.TPM < 0:
			return nil, fmt.Errorf("%s: rpm and tpm must not be negative", where)
		case c.BudgetCNY < 0 || math.IsNaN(c.BudgetCNY) || math.IsInf(c.BudgetCNY, 0):
			return nil, fmt.Errorf("%s: budget_cny must be a positive number (0: no budget)", where)
		case c.BudgetPeriod < 0:
			return nil, fmt.Errorf("%s: budget_period must not be negative", where)
		}
		k.rpm = newBucket(c.RPM, now)
		k.tpm = newBucket(c.TPM, now)
		kr.keys = append(kr.keys, k)
	}
	return kr, nil
}

// lookup returns the key whose hash matches presented, or nil.
func (kr *keyring) lookup(presented string) *vkey {
	sum := sha256.Sum256([]byte(presented))
	var found *vkey
	for _, k := range kr.keys {
		if subtle.ConstantTimeCompare(sum[:], k.sum[:]) == 1 {
			found = k
		}
	}
	return found
}

// refusal says why a key may not call now.
type refusal int

const (
	admitted refusal = iota
	overRPM
	overTPM
	overBudget
)

// admit checks the key's budget and limits and, when it may call, takes one
// request from its RPM bucket. wait is how long until it could, for
// Retry-After (0 for a budget: it ends with the period, if any).
func (k *vkey) admit(now time.Time) (refusal, time.Duration) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.budget > 0 {
		k.rollPeriod(now)
		if k.spent >= k.budget {
			var wait time.Duration
			if k.period > 0 {
				wait = k.periodStart.Add(k.period).Sub(now)
			}
			return overBudget, wait
		}
	}
	if wait, ok := k.tpm.positive(now); !ok {
		return overTPM, wait
	}
	if wait, ok := k.rpm.take(now, 1); !ok {
		return overRPM, wait
	}
	k.requests.Add(1)
	return admitted, 0
}

// admitted records a call the fleet-wide limits let in (sharedlimits.go):
// this process's buckets follow its own share of the key's calls, for when it
// must count alone.
func (k *vkey) admitted(now time.Time) {
	k.mu.Lock()
	k.rpm.spend(now, 1)
	k.mu.Unlock()
	k.requests.Add(1)
}

// charge counts an answer's tokens and cost against the key.
func (k *vkey) charge(now time.Time, tokens int, cost float64) {
	if tokens > 0 {
		k.tokens.Add(int64(tokens))
	}
	if tokens <= 0 && cost <= 0 {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.tpm.spend(now, float64(tokens))
	if k.budget > 0 {
		k.rollPeriod(now)
	}
	k.spent += cost
}

func (k *vkey) rollPeriod(now time.Time) {
	if k.period > 0 && now.Sub(k.periodStart) >= k.period {
		elapsed := now.Sub(k.periodStart) / k.period
		k.periodStart = k.periodStart.Add(elapsed * k.period)
		k.spent = 0
	}
}

// snapshot reads the key's figures for /stats.
func (k *vkey) snapshot(now time.Time) (spent, budget float64) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.budget > 0 {
		k.rollPeriod(now)
	}
	return k.spent, k.budget
}

// bucket is a token bucket refilled continuously at perMinute/60 per second,
// holding at most perMinute. A zero bucket (perMinute 0) never refuses.
type bucket struct {
	rate   float64 // tokens per second; 0: unlimited
	burst  float64
	tokens float64
	last   time.Time
}

func newBucket(perMinute int, now time.Time) bucket {
	if perMinute <= 0 {
		return bucket{}
	}
	return bucket{rate: float64(perMinute) / 60, burst: float64(perMinute), tokens: float64(perMinute), last: now}
}

func (b *bucket) refill(now time.Time) {
	if d := now.Sub(b.last); d > 0 {
		b.tokens = math.Min(b.burst, b.tokens+d.Seconds()*b.rate)
		b.last = now
	}
}

// take removes n tokens if there are that many, or says how long until there
// will be.
func (b *bucket) take(now time.Time, n float64) (time.Duration, bool) {
	if b.rate == 0 {
		return 0, true
	}
	b.refill(now)
	if b.tokens >= n {
		b.tokens -= n
		return 0, true
	}
	return secondsToDuration((n - b.tokens) / b.rate), false
}

// positive reports whether the bucket is out of debt (tokens spent after the
// fact may leave it below zero), or how long until it will be.
func (b *bucket) positive(now time.Time) (time.Duration, bool) {
	if b.rate == 0 {
		return 0, true
	}
	b.refill(now)
	if b.tokens > 0 {
		return 0, true
	}
	return secondsToDuration(-b.tokens/b.rate) + time.Millisecond, false
}

// spend removes n tokens, going into debt if need be (bounded at one burst,
// so one huge answer cannot lock a key out for more than a minute).
func (b *bucket) spend(now time.Time, n float64) {
	if b.rate == 0 {
		return
	}
	b.refill(now)
	b.tokens = math.Max(b.tokens-n, -b.burst)
}

func secondsToDuration(s float64) time.Duration {
	return time.Duration(math.Ceil(s * float64(time.Second)))
}
