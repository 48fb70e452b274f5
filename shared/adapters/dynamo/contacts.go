package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/mail"
)

var (
	_ mail.Reach    = (*Store)(nil)
	_ mail.Outcomes = (*Store)(nil)
)

const (
	typeSuppression = "Suppression"
	typeOptOut      = "OptOut"
	typeCampaign    = "CampaignCounts"
)

// contactRecord is a suppression or an opt-out of one address.
type contactRecord struct {
	key
	meta
	EmailKey string `dynamodbav:"emailKey"`
	OrgID    string `dynamodbav:"orgId,omitempty"`
	// Reason is why the address is suppressed ("bounce", "complaint"), with
	// SES's detail.
	Reason string `dynamodbav:"reason,omitempty"`
}

// Suppress puts the address on the suppression list (every org), with the
// reason. Suppressing an address again keeps the first record. It returns
// the table's error.
func (s *Store) Suppress(ctx context.Context, emailKey, reason string, at time.Time) error {
	item := marshal(contactRecord{key: suppressionKey(emailKey), meta: meta{Type: typeSuppression, CreatedAt: at, UpdatedAt: at},
		EmailKey: emailKey, Reason: reason})
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: s.table, Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)")})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("suppress %s: %w", emailKey, err)
	}
	return nil
}

// OptOut records that the address unsubscribed from the org's mail. Opting
// out again keeps the first record. It returns the table's error.
func (s *Store) OptOut(ctx context.Context, orgID, emailKey string, at time.Time) error {
	item := marshal(contactRecord{key: optOutKey(emailKey, orgID), meta: meta{Type: typeOptOut, CreatedAt: at, UpdatedAt: at},
		EmailKey: emailKey, OrgID: orgID})
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: s.table, Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)")})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("opt out %s: %w", emailKey, err)
	}
	return nil
}

// Reachability returns, for the addresses (email keys) that may not be
// sent the org's mail that is not transactional, why: bo.Suppressed wins
// over bo.Unsubscribed. Reachable addresses are left out of the map. It
// reads two items an address with BatchGetItem (50 addresses a call) and
// returns the table's error.
func (s *Store) Reachability(ctx context.Context, orgID string, emailKeys []string) (map[string]bo.Reach, error) {
	keys := make([]key, 0, 2*len(emailKeys))
	for _, e := range emailKeys {
		keys = append(keys, suppressionKey(e), optOutKey(e, orgID))
	}
	recs, err := batchGet[contactRecord](ctx, s, keys)
	if err != nil {
		return nil, fmt.Errorf("reachability: %w", err)
	}
	out := make(map[string]bo.Reach, len(recs))
	for _, r := range recs {
		if r.Type == typeSuppression || out[r.EmailKey] == "" {
			out[r.EmailKey] = reachOf(r.Type)
		}
	}
	return out, nil
}

func reachOf(recordType string) bo.Reach {
	if recordType == typeSuppression {
		return bo.Suppressed
	}
	return bo.Unsubscribed
}

// CountOutcomes adds n to each named counter of the campaign (the mail
// outcomes, and the planners' own: planned, queued, capped ...), creating
// its counts item on first use. It returns the table's error.
func (s *Store) CountOutcomes(ctx context.Context, campaign string, counts map[string]int) error {
	u := s.campaignCounts(campaign, counts)
	if u == nil {
		return nil
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: u.TableName, Key: u.Key, UpdateExpression: u.UpdateExpression,
		ExpressionAttributeNames: u.ExpressionAttributeNames, ExpressionAttributeValues: u.ExpressionAttributeValues,
	})
	if err != nil {
		return fmt.Errorf("count campaign %s: %w", campaign, err)
	}
	return nil
}

// campaignCounts is the update that adds the counts (those not 0) to the
// campaign's counters, creating its item; nil when there is nothing to add.
func (s *Store) campaignCounts(campaign string, counts map[string]int) *types.Update {
	names := map[string]string{"#type": "type"}
	values := map[string]types.AttributeValue{":type": str(typeCampaign)}
	expr := ""
	i := 0
	for name, n := range counts {
		if n == 0 {
			continue
		}
		if expr != "" {
			expr += ", "
		}
		names[fmt.Sprintf("#c%d", i)] = name
		values[fmt.Sprintf(":c%d", i)] = num(n)
		expr += fmt.Sprintf("#c%d :c%d", i, i)
		i++
	}
	if expr == "" {
		return nil
	}
	return &types.Update{
		TableName: s.table, Key: mustKey(campaignKey(campaign)),
		UpdateExpression:          aws.String("SET #type = :type ADD " + expr),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	}
}

// CountOutcome adds one to the campaign's counter of the outcome; it is
// the mailer's use of CountOutcomes.
func (s *Store) CountOutcome(ctx context.Context, campaign string, o mail.Outcome) error {
	return s.CountOutcomes(ctx, campaign, map[string]int{string(o): 1})
}

// CampaignCounts returns the campaign's counters (an empty map for a
// campaign nothing was counted for), read strongly consistent. It returns
// the table's error.
func (s *Store) CampaignCounts(ctx context.Context, campaign string) (map[string]int, error) {
	res, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: s.table, Key: mustKey(campaignKey(campaign)), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("campaign %s counts: %w", campaign, err)
	}
	out := map[string]int{}
	for name, av := range res.Item {
		if n, ok := av.(*types.AttributeValueMemberN); ok {
			var v int
			if _, err := fmt.Sscan(n.Value, &v); err == nil {
				out[name] = v
			}
		}
	}
	return out, nil
}
