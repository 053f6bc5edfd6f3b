package harbor

import (
	"context"

	"github.com/harborai/harbor-go/llm"
)

// Balance is an account's balance as Client.Balance returns it: IsAvailable (the
// balance is enough to make calls) and Infos, one BalanceInfo per currency.
type Balance = llm.Balance

// BalanceInfo is the balance in one currency: Currency ("CNY"), Total, and, when
// the vendor tells them apart (DeepSeek does), Granted and ToppedUp. Amounts are
// decimal strings, as the vendor sends them, so no precision is lost.
type BalanceInfo = llm.BalanceInfo

// Balance asks a provider's vendor for the account balance, binding the provider
// if needed (so with its key, base URL and the Client's retries). Of the built-in
// providers only DeepSeek reports a balance; another provider implements
// llm.BalanceChecker to take part. A provider without one is an *Error of class
// ErrInvalidRequest, an unknown provider name an ErrUnknownModel, and the vendor's
// failures are classified as a Create's are.
func (c *Client) Balance(ctx context.Context, provider string) (*Balance, error) {
	p, err := c.bind(ctx, provider)
	if err != nil {
		return nil, err
	}
	b, ok := p.(llm.BalanceChecker)
	if !ok {
		return nil, &Error{Provider: provider, Kind: ErrInvalidRequest, Message: "this vendor reports no account balance (only DeepSeek's does)"}
	}
	return b.Balance(ctx)
}
