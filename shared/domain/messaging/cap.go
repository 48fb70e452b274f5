package messaging

import (
	"context"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// Settings are an organisation's messaging settings: the per-learner cap
// on admin-written messages.
type Settings struct {
	// CapLimit is how many admin messages of the org a learner may get in
	// CapWindowDays days; messages beyond it are held as capped.
	CapLimit      int `json:"capLimit"`
	CapWindowDays int `json:"capWindowDays"`
}

// DefaultSettings apply to an org that has not changed them: 3 messages in
// 7 days.
var DefaultSettings = Settings{CapLimit: 3, CapWindowDays: 7}

// Bounds of the settings.
const (
	MaxCapLimit      = 50
	MaxCapWindowDays = 90
)

// validate returns EINVALID naming each setting out of bounds.
func (s Settings) validate() error {
	var v bo.Validation
	v.Check(s.CapLimit >= 1 && s.CapLimit <= MaxCapLimit, "capLimit", "must be from 1 to %d", MaxCapLimit)
	v.Check(s.CapWindowDays >= 1 && s.CapWindowDays <= MaxCapWindowDays, "capWindowDays", "must be from 1 to %d", MaxCapWindowDays)
	return v.Err()
}

// window is the cap's window as a duration.
func (s Settings) window() time.Duration { return time.Duration(s.CapWindowDays) * 24 * time.Hour }

// CapState is one learner's recent admin messages from one org, as stored:
// when each message took its place (Unix milliseconds, by message id), and
// the version of the record it was read at (0: there is none), which its
// next write is conditional on.
type CapState struct {
	Sends   map[string]int64
	Version int
}

// admit decides whether the message may reach the learner at now. A
// message that holds a place already (a redelivered plan, or the learner's
// second program) is admitted without taking another. Otherwise it takes a
// place when fewer than CapLimit messages took one within the window, and
// admit returns the state to write: the places still inside the window
// and the new one, at the same Version (the write is conditional on it).
func (s Settings) admit(st CapState, messageID string, now time.Time) (ok bool, next CapState, write bool) {
	if _, held := st.Sends[messageID]; held {
		return true, st, false
	}
	since := now.Add(-s.window()).UnixMilli()
	next = CapState{Sends: make(map[string]int64, len(st.Sends)+1), Version: st.Version}
	for id, at := range st.Sends {
		if at > since {
			next.Sends[id] = at
		}
	}
	if len(next.Sends) >= s.CapLimit {
		return false, st, false
	}
	next.Sends[messageID] = now.UnixMilli()
	return true, next, true
}

// CapStore is what Cap reads and writes: the org's settings and its
// learners' cap records.
type CapStore interface {
	MessagingSettings(ctx context.Context, orgID string) (Settings, error)
	capStore
}

// Cap applies an org's per-learner cap to emails an admin sends outside a
// message, such as invitations resent in bulk: each takes a place in the
// same window as the org's messages.
type Cap struct {
	store CapStore
}

// NewCap returns a Cap on the store.
func NewCap(store CapStore) *Cap { return &Cap{store: store} }

// Admit reports whether the email emailID (the same id always takes the
// same place, so a retry is admitted again without another) may reach the
// learner at now under the org's settings, recording its place when it
// may. It returns the store's errors.
func (c *Cap) Admit(ctx context.Context, orgID, emailKey, emailID string, now time.Time) (bool, error) {
	settings, err := c.store.MessagingSettings(ctx, orgID)
	if err != nil {
		return false, err
	}
	states, err := c.store.CapStates(ctx, orgID, []string{emailKey})
	if err != nil {
		return false, err
	}
	return admitCap(ctx, c.store, settings, orgID, emailKey, emailID, states[emailKey], now)
}
