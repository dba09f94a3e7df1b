package session

// Plan returns the plan of the current attempt's call; ok is false between
// attempts (before Open returned, or after the call ended).
func (s *Session) Plan() (p Plan, ok bool) {
	if b := s.call.Load(); b != nil {
		return b.plan, true
	}
	return Plan{}, false
}
