package harbor_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/harbortest"
	"github.com/harborai/harbor-go/conformance/mockvendor"
	"github.com/harborai/harbor-go/harbor"
)

// Client.Balance against the DeepSeek mock (GET /user/balance), and its typed
// errors: a provider without a balance, an unknown name, a nil context, a key
// the vendor rejects.
func TestClientBalance(t *testing.T) {
	m := harbortest.Start(t, harbortest.DeepSeek)
	ctx := context.Background()

	b, err := m.Client().Balance(ctx, "deepseek")
	require.NoError(t, err)
	assert.Equal(t, &harbor.Balance{IsAvailable: true, Infos: []harbor.BalanceInfo{
		{Currency: "CNY", Total: "59.40", Granted: "59.40", ToppedUp: "0.00"},
	}}, b, "amounts stay decimal strings")
	assert.Equal(t, []string{"deepseek"}, m.Client().BoundProviders(), "Balance binds the provider")

	c, err := m.NewClient(harbor.WithAPIKey("doubao", "ark-key"))
	require.NoError(t, err)
	_, err = c.Balance(ctx, "doubao")
	var e *harbor.Error
	require.ErrorAs(t, err, &e)
	assert.ErrorIs(t, err, harbor.ErrInvalidRequest)
	assert.Equal(t, "doubao", e.Provider)

	_, err = c.Balance(ctx, "nobody")
	assert.ErrorIs(t, err, harbor.ErrUnknownModel)
	var nilCtx context.Context // a nil context is an error, not a panic
	_, err = c.Balance(nilCtx, "deepseek")
	assert.ErrorIs(t, err, harbor.ErrInvalidRequest)
	_, err = c.Balance(ctx, "qianfan")
	assert.ErrorIs(t, err, harbor.ErrNoCredentials, "binding needs the provider's key")

	c, err = m.NewClient(harbor.WithAPIKey("deepseek", "sk-wrong-key-0000"))
	require.NoError(t, err)
	_, err = c.Balance(ctx, "deepseek")
	require.ErrorAs(t, err, &e)
	assert.ErrorIs(t, err, harbor.ErrAuthentication)
	assert.Equal(t, "deepseek", e.Provider)
	assert.NotContains(t, err.Error(), "sk-wrong-key-0000")
}

// Asking DeepSeek for the account balance, here from the built-in mock.
func ExampleClient_Balance() {
	mock, _ := mockvendor.Listen("127.0.0.1:0", mockvendor.NewDeepSeek(mockvendor.DeepSeekConfig{}))
	defer mock.Close()
	client := harbor.Must(harbor.New(harbor.WithBaseURL("deepseek", mock.URL()), harbor.WithAPIKey("deepseek", "sk-mock")))

	b, err := client.Balance(context.Background(), "deepseek")
	if err != nil {
		panic(err)
	}
	fmt.Println(b.IsAvailable)
	for _, in := range b.Infos {
		fmt.Println(in.Currency, in.Total)
	}
	// Output:
	// true
	// CNY 59.40
}

// A balance answer cut short is a transport error, a garbled one ErrBadResponse,
// as for Create; neither shows the key.
func TestClientBalanceReadFailures(t *testing.T) {
	for _, tc := range []struct {
		name string
		body func(w http.ResponseWriter)
		want error
	}{
		{"cut short", func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", "100")
			_, _ = w.Write([]byte(`{"is_available":true,`))
		}, harbor.ErrStreamTruncated},
		{"garbled", func(w http.ResponseWriter) { _, _ = w.Write([]byte(`{"is_available":"yes"`)) }, harbor.ErrBadResponse},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			tc.body(w)
		}))
		c := harbor.Must(harbor.New(harbor.WithGetenv(func(string) string { return "" }), harbor.WithMaxRetries(0),
			harbor.WithAPIKey("deepseek", "sk-balancekey123"), harbor.WithBaseURL("deepseek", srv.URL)))
		_, err := c.Balance(context.Background(), "deepseek")
		srv.Close()
		require.ErrorIs(t, err, tc.want, tc.name)
		assert.NotContains(t, err.Error(), "sk-balancekey123", tc.name)
	}
}
