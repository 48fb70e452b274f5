package backoffice

// Counter names of a campaign's counters item (an admin message, or one
// Saturday's reminders of a program) that the planners move; the mailer
// moves the others under its outcomes' names ("sent", "failed",
// "suppressed", "unsubscribed").
const (
	CounterPlanned = "planned"
	CounterQueued  = "queued"
	CounterCapped  = "capped"
)

// CampaignCounts are what became of a campaign's recipients, each counted
// once: planned, then queued for the mailer, capped (over the per-learner
// cap; admin messages only), suppressed or unsubscribed (held back when
// planned, or by the mailer when sending); the mailer's sent and failed.
type CampaignCounts struct {
	Planned      int `json:"planned"`
	Queued       int `json:"queued"`
	Sent         int `json:"sent"`
	Failed       int `json:"failed"`
	Suppressed   int `json:"suppressed"`
	Unsubscribed int `json:"unsubscribed"`
	Capped       int `json:"capped"`
}

// CampaignCountsOf reads a campaign's counters item, a count by counter
// name; a counter never moved counts 0.
func CampaignCountsOf(c map[string]int) CampaignCounts {
	return CampaignCounts{Planned: c[CounterPlanned], Queued: c[CounterQueued], Sent: c["sent"], Failed: c["failed"],
		Suppressed: c[string(Suppressed)], Unsubscribed: c[string(Unsubscribed)], Capped: c[CounterCapped]}
}
