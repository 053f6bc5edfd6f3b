package wenxin

import (
	"testing"

	"github.com/harborai/harbor-go/internal/engine/enginetest"
)

// TestRulesMatchDoc: doc.go lists the rules of rules.go, one bullet a rule, in order.
func TestRulesMatchDoc(t *testing.T) { enginetest.RulesMatchDoc(t, rules[:]) }
