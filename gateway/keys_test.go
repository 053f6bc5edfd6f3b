package gateway_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/gateway"
	"github.com/harborai/harbor-go/gateway/gatewaytest"
	"github.com/harborai/harbor-go/llm"
)

const hi = `{"model":"deepseek-v4-flash","messages":[{"role":"user","content":"hi"}]}`

func TestNewKey(t *testing.T) {
	k1, h1, err := gateway.NewKey()
	require.NoError(t, err)
	k2, h2, err := gateway.NewKey()
	require.NoError(t, err)
	assert.NotEqual(t, k1, k2)
	assert.True(t, strings.HasPrefix(k1, gateway.KeyPrefix))
	assert.Len(t, k1, len(gateway.KeyPrefix)+43)
	assert.Equal(t, gateway.HashKey(k1), h1)
	assert.Len(t, h2, 64)
	assert.Equal(t, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", gateway.HashKey("hello"))
}

func TestAuthentication(t *testing.T) {
	g := gatewaytest.Start(t, gateway.Config{})
	c := newBadCaller(t, g)
	res, body := c.chat(hi, "Authorization", "")
	require.Equal(t, http.StatusUnauthorized, res.StatusCode, "%s", body)
	assert.Equal(t, "missing_api_key", *decodeError(t, body).Error.Code)
	res, body = c.chat(hi, "Authorization", "Bearer hk-not-a-key-of-ours")
	require.Equal(t, http.StatusUnauthorized, res.StatusCode, "%s", body)
	assert.Equal(t, "invalid_api_key", *decodeError(t, body).Error.Code)
	assert.NotContains(t, string(body), "hk-not-a-key-of-ours", "the key is not echoed")
	res, _ = c.chat(hi, "Authorization", "bearer "+g.Key)
	assert.Equal(t, http.StatusOK, res.StatusCode, "the scheme is case-insensitive")
	res, _ = c.do(http.MethodGet, "/v1/models", "", "Authorization", "")
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	// A vendor key is not a gateway key.
	res, _ = c.chat(hi, "Authorization", "Bearer "+g.Mock("deepseek").APIKey())
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	assert.NotContains(t, g.AccessLog(), g.Key)
	assert.NotContains(t, g.AccessLog(), "hk-not-a-key-of-ours")
}

func TestKeyModels(t *testing.T) {
	key, sum, _ := gateway.NewKey()
	g := gatewaytest.Start(t, gateway.Config{Keys: []gateway.KeyConfig{{ID: "ds-only", SHA256: sum, Models: []string{"deepseek-*", "doubao/*"}}}})
	g.Key = key
	c := newCaller(t, g)
	res, _ := c.chat(hi)
	assert.Equal(t, http.StatusOK, res.StatusCode)
	res, _ = c.chat(`{"model":"doubao/doubao-seed-1-6-251015","messages":[{"role":"user","content":"hi"}]}`)
	assert.Equal(t, http.StatusOK, res.StatusCode)
	res, body := c.chat(`{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}`)
	require.Equal(t, http.StatusForbidden, res.StatusCode)
	e := decodeError(t, body)
	assert.Equal(t, "model_not_allowed", *e.Error.Code)
	assert.Equal(t, "model", *e.Error.Param)
}

// A key's patterns are written in any of the names routing uses, and a
// caller may send any name for the same model: "doubao/*" allows doubao's
// models by their bare names and an alias of one, "deepseek-*" allows
// "deepseek/deepseek-v4-pro"; a name that routes elsewhere stays refused,
// and /v1/models lists what the key may call.
func TestKeyModelsMatchTheRoutedName(t *testing.T) {
	key, sum, _ := gateway.NewKey()
	g := gatewaytest.Start(t, gateway.Config{
		Aliases: map[string]string{"cheap": "doubao/doubao-seed-1-6-251015", "fast": "deepseek/deepseek-v4-flash"},
		Fallbacks: map[string][]string{
			"sturdy": {"doubao-seed-1-6-251015", "doubao/doubao-seed-1-6-flash-250828"},
			"mixed":  {"doubao-seed-1-6-251015", "deepseek-v4-flash"},
		},
		Keys: []gateway.KeyConfig{{ID: "doubao-only", SHA256: sum, Models: []string{"doubao/*"}}},
	})
	g.Key = key
	c := newCaller(t, g)
	call := func(model string) int {
		res, body := c.chat(`{"model":"` + model + `","messages":[{"role":"user","content":"hi"}]}`)
		if res.StatusCode == http.StatusForbidden {
			assert.Equal(t, "model_not_allowed", *decodeError(t, body).Error.Code, model)
		}
		return res.StatusCode
	}
	for _, m := range []string{"doubao/doubao-seed-1-6-251015", "doubao-seed-1-6-251015", "cheap", "sturdy"} {
		assert.Equal(t, http.StatusOK, call(m), "%s routes to doubao", m)
	}
	for _, m := range []string{"deepseek-v4-flash", "fast", "mixed", "gpt-4o"} {
		assert.Equal(t, http.StatusForbidden, call(m), "%s does not (all of it) go to doubao", m)
	}

	res, body := c.do(http.MethodGet, "/v1/models", "")
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	var list struct {
		Data []llm.Model `json:"data"`
	}
	require.NoError(t, json.Unmarshal(body, &list))
	var ids []string
	for _, m := range list.Data {
		ids = append(ids, m.ID)
	}
	assert.Contains(t, ids, "doubao-seed-1-6-251015")
	assert.Contains(t, ids, "cheap")
	assert.Contains(t, ids, "sturdy")
	assert.NotContains(t, ids, "deepseek-v4-flash")
	assert.NotContains(t, ids, "fast")
	assert.NotContains(t, ids, "mixed")
	res, _ = c.do(http.MethodGet, "/v1/models/doubao-seed-1-6-251015", "")
	assert.Equal(t, http.StatusOK, res.StatusCode, "what the list shows, the key may retrieve")

	// The other way round: a bare-name pattern allows the explicit
	// "provider/model" of the same model, not one sent to another provider.
	key2, sum2, _ := gateway.NewKey()
	g2 := gatewaytest.Start(t, gateway.Config{Keys: []gateway.KeyConfig{{ID: "ds", SHA256: sum2, Models: []string{"deepseek-*"}}}})
	g2.Key = key2
	c = newCaller(t, g2)
	assert.Equal(t, http.StatusOK, call("deepseek/deepseek-v4-pro"))
	assert.Equal(t, http.StatusForbidden, call("doubao/deepseek-v4-pro"), "the same name at another provider")
}

// A pattern reaches no model through a name that routes elsewhere (found by
// a review): "gpt-4o", when a chain has that name, does not allow
// "openai/gpt-4o"; a pattern without "/" is not matched across the provider
// ("o*" is not "openai/gpt-5"); stars alone allow every name.
func TestKeyModelsNeverReachAModelThroughAnotherName(t *testing.T) {
	cheap, cheapSum, _ := gateway.NewKey()
	oseries, oSum, _ := gateway.NewKey()
	all, allSum, _ := gateway.NewKey()
	g := gatewaytest.Start(t, gateway.Config{
		Aliases:   map[string]string{"deepseek-v4-pro": "doubao/doubao-seed-1-6-251015"},
		Fallbacks: map[string][]string{"gpt-4o": {"deepseek-v4-flash", "doubao-seed-1-6-251015"}},
		Keys: []gateway.KeyConfig{
			{ID: "cheap", SHA256: cheapSum, Models: []string{"gpt-4o", "deepseek-*"}},
			{ID: "o-series", SHA256: oSum, Models: []string{"o*"}},
			{ID: "all", SHA256: allSum, Models: []string{"*"}},
		},
	})
	c := newCaller(t, g)
	status := func(key, model string) int {
		res, _ := c.chat(`{"model":"`+model+`","messages":[{"role":"user","content":"hi"}]}`, "Authorization", "Bearer "+key)
		return res.StatusCode
	}
	assert.Equal(t, http.StatusOK, status(cheap, "gpt-4o"), "the chain, by its name")
	assert.Equal(t, http.StatusForbidden, status(cheap, "openai/gpt-4o"), "OpenAI's gpt-4o is not the chain")
	assert.Equal(t, http.StatusOK, status(cheap, "deepseek/deepseek-v4-flash"))
	assert.Equal(t, http.StatusForbidden, status(cheap, "deepseek/deepseek-v4-pro"),
		"a bare deepseek-v4-pro is the alias to doubao here: the pattern names that, not deepseek's model")
	for _, m := range []string{"gpt-5", "openai/gpt-5", "deepseek-v4-flash"} {
		assert.Equal(t, http.StatusForbidden, status(oseries, m), "o* does not match %s through its provider", m)
	}
	for _, m := range []string{"gpt-4o", "openai/gpt-4o", "deepseek/deepseek-v4-flash", "deepseek-v4-pro"} {
		assert.NotEqual(t, http.StatusForbidden, status(all, m), "* allows %s", m)
	}
}

func TestKeyRateLimits(t *testing.T) {
	rk, rsum, _ := gateway.NewKey()
	tk, tsum, _ := gateway.NewKey()
	g := gatewaytest.Start(t, gateway.Config{Keys: []gateway.KeyConfig{
		{ID: "rpm", SHA256: rsum, RPM: 2},
		{ID: "tpm", SHA256: tsum, TPM: 10}, // one mock answer uses more than 10 tokens
	}})
	c := newCaller(t, g)
	for range 2 {
		res, _ := c.chat(hi, "Authorization", "Bearer "+rk)
		require.Equal(t, http.StatusOK, res.StatusCode)
	}
	res, body := c.chat(hi, "Authorization", "Bearer "+rk)
	require.Equal(t, http.StatusTooManyRequests, res.StatusCode, "%s", body)
	assert.Equal(t, "rate_limit_exceeded", *decodeError(t, body).Error.Code)
	ra, err := strconv.Atoi(res.Header.Get("Retry-After"))
	require.NoError(t, err)
	assert.InDelta(t, 30, ra, 1, "2 per minute: the next in 30 s")

	res, _ = c.chat(hi, "Authorization", "Bearer "+tk)
	require.Equal(t, http.StatusOK, res.StatusCode, "the first call is let in")
	res, body = c.chat(hi, "Authorization", "Bearer "+tk)
	require.Equal(t, http.StatusTooManyRequests, res.StatusCode, "%s", body)
	assert.Contains(t, decodeError(t, body).Error.Message, "tokens per minute")
	assert.NotEmpty(t, res.Header.Get("Retry-After"))
}

func TestKeyBudget(t *testing.T) {
	key, sum, _ := gateway.NewKey()
	g := gatewaytest.Start(t, gateway.Config{Keys: []gateway.KeyConfig{{ID: "small", SHA256: sum, BudgetCNY: 0.00001}}})
	g.Key = key
	c := newCaller(t, g)
	res, _ := c.chat(hi)
	require.Equal(t, http.StatusOK, res.StatusCode, "under budget")
	// Streams are charged too (from harbor's events).
	res, body := c.chat(hi)
	require.Equal(t, http.StatusPaymentRequired, res.StatusCode, "%s", body)
	e := decodeError(t, body)
	assert.Equal(t, "budget_exceeded", *e.Error.Code)
	assert.Equal(t, "insufficient_quota", e.Error.Type)
	assert.Empty(t, res.Header.Get("Retry-After"), "a budget without a period does not renew")

	// The alert "budget nearly spent" reads this gauge: the key is past its budget.
	res, body = c.do(http.MethodGet, "/metrics", "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	m := regexp.MustCompile(`(?m)^harbor_gateway_key_budget_spent_ratio\{key="small"\} (\S+)$`).FindStringSubmatch(string(body))
	require.NotNil(t, m, "%s", body)
	ratio, err := strconv.ParseFloat(m[1], 64)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, ratio, 1.0)
}

func TestKeyBudgetCountsStreams(t *testing.T) {
	key, sum, _ := gateway.NewKey()
	g := gatewaytest.Start(t, gateway.Config{Keys: []gateway.KeyConfig{{ID: "small", SHA256: sum, BudgetCNY: 0.00001, BudgetPeriod: time.Hour}}})
	g.Key = key
	c := newCaller(t, g)
	res, _ := c.chat(`{"model":"deepseek-v4-flash","stream":true,"messages":[{"role":"user","content":"hi"}]}`)
	require.Equal(t, http.StatusOK, res.StatusCode)
	res, body := c.chat(hi)
	require.Equal(t, http.StatusPaymentRequired, res.StatusCode, "%s", body)
	ra, err := strconv.Atoi(res.Header.Get("Retry-After"))
	require.NoError(t, err)
	assert.InDelta(t, 3600, ra, 5, "renews with the period")
}
