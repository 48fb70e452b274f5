package backoffice

import (
	"context"
	"fmt"
	"log/slog"
)

// MaxRemovals is how many learners one bulk removal (of invitations or of
// members) may name.
const MaxRemovals = 100

// Removal is the outcome of removing one learner of a bulk removal.
type Removal struct {
	Email   string `json:"email"`
	Removed bool   `json:"removed"`
	Reason  string `json:"reason,omitempty"`
}

// RemoveEach runs remove for each email and reports every email's outcome:
// removed, or the reason of remove's error ("internal error" for an
// unexpected one, which it logs with what, e.g. "remove member"). It
// returns EINVALID, removing nothing, for an empty list or one of more than
// MaxRemovals emails.
func RemoveEach(ctx context.Context, log *slog.Logger, what string, emails []string, remove func(ctx context.Context, email string) error) ([]Removal, error) {
	if len(emails) == 0 || len(emails) > MaxRemovals {
		return nil, Invalid(fmt.Sprintf("give 1 to %d emails", MaxRemovals),
			FieldError{Field: "emails", Message: fmt.Sprintf("must hold 1 to %d emails", MaxRemovals)})
	}
	out := make([]Removal, 0, len(emails))
	for _, email := range emails {
		r := Removal{Email: email}
		err := remove(ctx, email)
		switch ErrorCode(err) {
		case "":
			r.Removed = true
		case EINTERNAL:
			log.ErrorContext(ctx, what, slog.String("email", email), slog.String("error", err.Error()))
			fallthrough
		default:
			r.Reason = ErrorMessage(err)
		}
		out = append(out, r)
	}
	return out, nil
}
