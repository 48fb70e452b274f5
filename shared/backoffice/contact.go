package backoffice

// Reach says whether an address may be sent mail that is not
// transactional (admin messages, reminders) on behalf of an org.
type Reach string

// The reaches of an address. Transactional email (invitations, welcomes,
// exits, report links) ignores them.
const (
	// Reachable: nothing holds mail back.
	Reachable Reach = ""
	// Suppressed: the address bounced hard or its owner complained; it is
	// on the suppression list for every org.
	Suppressed Reach = "suppressed"
	// Unsubscribed: the address opted out of the org's mail.
	Unsubscribed Reach = "unsubscribed"
)
