package wire

import "github.com/learnops/backoffice/shared/app/triggers"

// Triggers is triggers.Triggers.
type Triggers = triggers.Triggers
