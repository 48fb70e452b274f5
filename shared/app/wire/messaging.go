package wire

import "github.com/learnops/backoffice/shared/app/functions/messaging"

// The messaging function's wiring lives in its own package, so that its
// binary links nothing else; these names keep the dev runner and the tests
// reading as before.

// Messaging is messaging.Config.
type Messaging = messaging.Config

var (
	// ReadMessaging is messaging.Read.
	ReadMessaging = messaging.Read
	// MessagingHandler is messaging.Handler.
	MessagingHandler = messaging.Handler
)
