package llm

import "testing"

// BenchmarkMessageMarshalJSON is one message's encoding, as every plain answer
// and every request sent as JSON pays it once per message.
func BenchmarkMessageMarshalJSON(b *testing.B) {
	for _, bc := range []struct {
		name string
		m    Message
	}{
		{"text", AssistantMessage("Parcels often sit between scans while they wait for a connecting truck or customs clearance, " +
			"so a page that has not changed for a few days is usually normal.")},
		{"tool_calls", Message{Role: RoleAssistant, ReasoningContent: "The user wants the parcel's status.", ToolCalls: []ToolCall{{ID: "call_0", Type: "function",
			Function: FunctionCall{Name: "track_parcel", Arguments: `{"parcel_id":"RT-1042"}`}}}}},
		{"parts", UserParts(TextPart("What is in this picture?"), ImagePart("https://example.com/parcel.jpg", "low"))},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bc.m.MarshalJSON(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
