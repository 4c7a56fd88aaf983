package auth

import "time"

// Session is a server-side login session. The token itself is never stored,
// only its hash.
type Session struct {
	ID         int64
	TokenHash  string
	UserID     int64
	CreatedAt  time.Time
	LastSeenAt time.Time
}

// Expired reports whether the session has been idle longer than IdleTimeout
// or has lived longer than AbsoluteTimeout at now.
func (s Session) Expired(now time.Time) bool {
	return now.Sub(s.LastSeenAt) >= IdleTimeout || now.Sub(s.CreatedAt) >= AbsoluteTimeout
}

// Locked reports whether the user is locked out at now.
func (u User) Locked(now time.Time) bool {
	return u.LockedUntil != nil && now.Before(*u.LockedUntil)
}

// AfterFailure returns the failure count and lock deadline after one more
// failed login at now: the MaxFailures-th consecutive failure locks the
// account for LockDuration and resets the count.
func (u User) AfterFailure(now time.Time) (failures int, lockedUntil *time.Time) {
	failures = u.FailedLogins + 1
	if failures >= MaxFailures {
		until := now.Add(LockDuration)
		return 0, &until
	}
	return failures, nil
}
