package messaging

import (
	"context"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// Verifier checks an unsubscribe token (optout.Signer).
type Verifier interface {
	// Verify returns the org and the address the token unsubscribes, and
	// EINVALID for a token that is not one of ours.
	Verify(token string) (orgID, emailKey string, err error)
}

// OptOutStore is what unsubscribing needs of storage.
type OptOutStore interface {
	GetOrg(ctx context.Context, orgID string) (bo.Org, error)
	// OptOut records that the address unsubscribed from the org's mail;
	// doing it again changes nothing.
	OptOut(ctx context.Context, orgID, emailKey string, at time.Time) error
}

// Unsubscriber serves the unsubscribe links of emails that are not
// transactional: no sign-in, the signed token is the proof.
type Unsubscriber struct {
	verifier Verifier
	store    OptOutStore
	// Now is the clock.
	Now func() time.Time
}

// NewUnsubscriber returns an Unsubscriber.
func NewUnsubscriber(verifier Verifier, store OptOutStore) *Unsubscriber {
	return &Unsubscriber{verifier: verifier, store: store, Now: func() time.Time { return time.Now().UTC() }}
}

// Subscription is whose mail from which org a link unsubscribes from.
type Subscription struct {
	// OrgName is "" when the org no longer exists.
	OrgName string
	Email   string
}

// Lookup returns what the token unsubscribes from, changing nothing (a
// link's page, which mail scanners may fetch). It returns EINVALID for a
// token that is not one of ours, and the store's error.
func (u *Unsubscriber) Lookup(ctx context.Context, token string) (Subscription, error) {
	orgID, emailKey, err := u.verifier.Verify(token)
	if err != nil {
		return Subscription{}, err
	}
	org, err := u.store.GetOrg(ctx, orgID)
	if err != nil && bo.ErrorCode(err) != bo.ENOTFOUND {
		return Subscription{}, err
	}
	return Subscription{OrgName: org.Name, Email: emailKey}, nil
}

// OptOut unsubscribes the token's address from the token's org: it gets
// none of the org's mail that is not transactional from then on (messages
// being planned skip it, and the mailer skips what is queued). Doing it
// again changes nothing. It returns the errors of Lookup.
func (u *Unsubscriber) OptOut(ctx context.Context, token string) (Subscription, error) {
	sub, err := u.Lookup(ctx, token)
	if err != nil {
		return Subscription{}, err
	}
	orgID, emailKey, _ := u.verifier.Verify(token)
	return sub, u.store.OptOut(ctx, orgID, emailKey, u.Now())
}
