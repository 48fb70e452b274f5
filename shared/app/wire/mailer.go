package wire

import "github.com/learnops/backoffice/shared/app/functions/mailer"

// The mailer's wiring lives in its own package, so that its binary links
// nothing else; these names keep the dev runner and the tests reading as
// before.
type (
	// Mailer is mailer.Config.
	Mailer = mailer.Config
	// RateSource is mailer.RateSource.
	RateSource = mailer.RateSource
)

var (
	// ReadMailer is mailer.Read.
	ReadMailer = mailer.Read
	// InstanceRate is mailer.InstanceRate.
	InstanceRate = mailer.InstanceRate
	// MailerHandler is mailer.Handler.
	MailerHandler = mailer.Handler
)
