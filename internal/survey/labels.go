package survey

// Statuses of a round.
const (
	StatusOpen   = "open"   // not closed yet
	StatusClosed = "closed" // closed, its snapshot kept
)

// Statuses lists the statuses of a round.
func Statuses() []string { return []string{StatusOpen, StatusClosed} }

// StatusLabel is the Chinese name of a round's status.
func StatusLabel(s string) string {
	switch s {
	case StatusOpen:
		return "进行中"
	case StatusClosed:
		return "已结束"
	}
	return s
}

// Status is the round's status.
func (r *Round) Status() string {
	if r.Open() {
		return StatusOpen
	}
	return StatusClosed
}
