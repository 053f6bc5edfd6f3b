package llm

import "context"

// BalanceChecker is implemented by providers whose vendor reports the account's
// balance; of the built-in ones, DeepSeek (GET /user/balance). harbor's
// Client.Balance calls it. Balance sends its request through Config.HTTP like any
// other and reports failures as *Error, as Chat does.
type BalanceChecker interface {
	Balance(ctx context.Context) (*Balance, error)
}

// Balance is an account's balance as the vendor reports it, one entry per
// currency. Amounts are decimal strings, as vendors send them, so no precision is
// lost.
type Balance struct {
	// IsAvailable reports whether the balance is enough to make calls.
	IsAvailable bool
	Infos       []BalanceInfo
}

// BalanceInfo is the balance in one currency.
type BalanceInfo struct {
	Currency string // "CNY", "USD"
	Total    string // all that can be spent
	// Granted and ToppedUp split Total into credit the vendor granted and credit
	// paid for (DeepSeek tells them apart).
	Granted, ToppedUp string
}
