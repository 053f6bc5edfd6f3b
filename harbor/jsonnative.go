package harbor

// NativeJSONSchema reports whether every provider a call of req may reach takes
// response_format json_schema (Descriptor.JSONSchema): the model's, or, for a
// fallback chain, every model's — a chain that may end at a vendor without it
// (DeepSeek, Wenxin v1) must be asked the emulated way throughout. Package
// structured's CreateJSON decides native or emulated with it. A model no
// provider serves is false (Create reports it).
func (c *Client) NativeJSONSchema(req *ChatRequest, opts ...CallOption) bool {
	if c == nil || req == nil {
		return false
	}
	models := []string{req.Model}
	if ch := c.chainOf(req, opts); ch != nil {
		models = ch.models
	}
	for _, m := range models {
		r, err := c.resolve(m)
		if err != nil || !r.s.desc.JSONSchema {
			return false
		}
	}
	return true
}
