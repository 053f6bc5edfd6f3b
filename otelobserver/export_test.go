package otelobserver

// OpenSpans returns the number of calls whose span is open: started, not yet
// ended.
func (o *Observer) OpenSpans() int { return o.open.len() }
