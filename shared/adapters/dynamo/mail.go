package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/learnops/backoffice/shared/app/resources"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/mail"
)

var _ mail.Claims = (*Store)(nil)

const typeMailClaim = "MailClaim"

// MailClaimTTL is how long a mail claim is kept: as long as the mail queue's
// dead-letter queue keeps a message (14 days, the SQS maximum), so that no
// redelivery or redrive of a sent email can outlive its claim.
const MailClaimTTL = 14 * 24 * time.Hour

// mailClaimRecord is the claim of one email. It keeps neither the email's
// id nor anything else: ids name their recipients ("program-welcome/<pid>/
// <email>"), and the claim is keyed by the id's digest (mailClaimKey), so
// that an erased person's address stays in no claim.
type mailClaimRecord struct {
	key
	meta
}

// Claim records that the email with this ID is being sent, with a conditional
// put on MAIL#<sha256(emailID)> that succeeds only for the first caller. It returns
// true when this call made the claim, false when the ID was claimed already,
// and the table's error otherwise. The claim expires (the table's TTL) after
// MailClaimTTL.
func (s *Store) Claim(ctx context.Context, emailID string) (bool, error) {
	now := time.Now().UTC()
	item := marshal(mailClaimRecord{
		key:  mailClaimKey(emailID),
		meta: meta{Type: typeMailClaim, CreatedAt: now, UpdatedAt: now},
	})
	item[resources.AttrTTL] = num(int(now.Add(MailClaimTTL).Unix()))
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           s.table,
		Item:                item,
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	if isConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("claim email %s: %w", emailID, err)
	}
	return true, nil
}

// Release deletes the claim of the email with this ID, so that a redelivery
// can send it. Releasing an ID that is not claimed does nothing. It returns
// the table's error.
func (s *Store) Release(ctx context.Context, emailID string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: s.table, Key: mustKey(mailClaimKey(emailID))})
	if err != nil {
		return fmt.Errorf("release email %s: %w", emailID, err)
	}
	return nil
}

// MailLedger is the store as the mailer uses it (claims, reach and campaign
// outcomes), as method values of the Store and nothing more. The mailer
// holds it rather than the Store because its binary runs templates, which
// call methods by name through reflection: it keeps every exported method
// of every type reachable from a value held in an interface, so a held
// *Store would link all of the store.
type MailLedger struct {
	claim   func(context.Context, string) (bool, error)
	release func(context.Context, string) error
	reach   func(context.Context, string, []string) (map[string]bo.Reach, error)
	count   func(context.Context, string, mail.Outcome) error
	erased  func(context.Context, string, []string) (map[string]bool, error)
}

var (
	_ mail.Claims   = MailLedger{}
	_ mail.Reach    = MailLedger{}
	_ mail.Outcomes = MailLedger{}
	_ mail.Erasures = MailLedger{}
)

// MailLedger returns the store's MailLedger.
func (s *Store) MailLedger() MailLedger {
	return MailLedger{claim: s.Claim, release: s.Release, reach: s.Reachability, count: s.CountOutcome, erased: s.Erased}
}

// Erased is Store.Erased.
func (l MailLedger) Erased(ctx context.Context, orgID string, emailKeys []string) (map[string]bool, error) {
	return l.erased(ctx, orgID, emailKeys)
}

// Claim is Store.Claim.
func (l MailLedger) Claim(ctx context.Context, emailID string) (bool, error) {
	return l.claim(ctx, emailID)
}

// Release is Store.Release.
func (l MailLedger) Release(ctx context.Context, emailID string) error {
	return l.release(ctx, emailID)
}

// Reachability is Store.Reachability.
func (l MailLedger) Reachability(ctx context.Context, orgID string, emailKeys []string) (map[string]bo.Reach, error) {
	return l.reach(ctx, orgID, emailKeys)
}

// CountOutcome is Store.CountOutcome.
func (l MailLedger) CountOutcome(ctx context.Context, campaign string, o mail.Outcome) error {
	return l.count(ctx, campaign, o)
}
