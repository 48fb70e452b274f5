package dynamo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/learnops/backoffice/shared/app/resources"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/messaging"
)

var (
	_ messaging.Store       = (*Store)(nil)
	_ messaging.PlanStore   = (*Store)(nil)
	_ messaging.OptOutStore = (*Store)(nil)
)

const (
	typeMessage           = "Message"
	typeMessagingSettings = "MessagingSettings"
	typeMessageCap        = "MessageCap"
	typeDelivery          = "Delivery"
	typeCampaignPage      = "CampaignPage"
)

// DeliveryTTL is how long a message's delivery records and counted-page
// markers are kept: as long as the plan queue's dead-letter queue keeps an
// item (14 days), so that no redelivery or redrive of a plan item plans a
// recipient twice or counts a page twice.
const DeliveryTTL = 14 * 24 * time.Hour

// capTTL is how long a learner's cap record outlives its last write: the
// longest cap window there may be.
const capTTL = messaging.MaxCapWindowDays * 24 * time.Hour

type messageRecord struct {
	key
	meta
	ID     string `dynamodbav:"id"`
	OrgID  string `dynamodbav:"orgId"`
	Status string `dynamodbav:"status"`
	Preset string `dynamodbav:"preset,omitempty"`
	// Audience is the audience as JSON: it is read and written whole.
	Audience    string     `dynamodbav:"audience"`
	Subject     string     `dynamodbav:"subject"`
	Content     string     `dynamodbav:"content"`
	ActionLabel string     `dynamodbav:"actionLabel,omitempty"`
	ActionURL   string     `dynamodbav:"actionUrl,omitempty"`
	SenderName  string     `dynamodbav:"senderName"`
	ReplyTo     string     `dynamodbav:"replyTo"`
	AuthorEmail string     `dynamodbav:"authorEmail"`
	AuthorName  string     `dynamodbav:"authorName,omitempty"`
	Targets     []string   `dynamodbav:"targets,omitempty"`
	Frontier    string     `dynamodbav:"frontier,omitempty"`
	SendingAt   *time.Time `dynamodbav:"sendingAt,omitempty"`
	SentAt      *time.Time `dynamodbav:"sentAt,omitempty"`
	// TermsBy and TermsAt record who accepted the terms to send, and when.
	TermsBy string     `dynamodbav:"termsAcceptedBy,omitempty"`
	TermsAt *time.Time `dynamodbav:"termsAcceptedAt,omitempty"`
	Version int        `dynamodbav:"version"`
}

func newMessageRecord(m messaging.Message) messageRecord {
	audience, err := json.Marshal(m.Audience)
	if err != nil {
		panic(err) // strings and lists of strings always encode
	}
	r := messageRecord{key: messageKey(m.OrgID, m.ID), meta: meta{Type: typeMessage, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt},
		ID: m.ID, OrgID: m.OrgID, Status: string(m.Status), Preset: string(m.Preset), Audience: string(audience),
		Subject: m.Subject, Content: m.Content, SenderName: m.SenderName, ReplyTo: string(m.ReplyTo),
		AuthorEmail: m.Author.Email, AuthorName: m.Author.Name, Targets: m.Targets, Frontier: m.Frontier, SendingAt: m.SendingAt, SentAt: m.SentAt, Version: m.Version,
		TermsBy: m.TermsAcceptedBy, TermsAt: m.TermsAcceptedAt}
	if c := m.CallToAction; c != nil {
		r.ActionLabel, r.ActionURL = c.Label, c.URL
	}
	return r
}

func (r messageRecord) message() (messaging.Message, error) {
	m := messaging.Message{ID: r.ID, OrgID: r.OrgID, Status: messaging.Status(r.Status), Preset: messaging.Preset(r.Preset),
		Subject: r.Subject, Content: r.Content, SenderName: r.SenderName, ReplyTo: messaging.ReplyTo(r.ReplyTo),
		Author: messaging.Author{Email: r.AuthorEmail, Name: r.AuthorName}, Targets: r.Targets, Frontier: r.Frontier,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, SendingAt: r.SendingAt, SentAt: r.SentAt, Version: r.Version,
		TermsAcceptedBy: r.TermsBy, TermsAcceptedAt: r.TermsAt}
	if r.ActionURL != "" {
		m.CallToAction = &messaging.CallToAction{Label: r.ActionLabel, URL: r.ActionURL}
	}
	if err := json.Unmarshal([]byte(r.Audience), &m.Audience); err != nil {
		return messaging.Message{}, fmt.Errorf("message %s: decode its audience: %w", r.ID, err)
	}
	return m, nil
}

// CreateMessage writes a new message. It returns ECONFLICT when its id is
// taken, and the table's error.
func (s *Store) CreateMessage(ctx context.Context, m messaging.Message) error {
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: s.table, Item: marshal(newMessageRecord(m)),
		ConditionExpression: aws.String("attribute_not_exists(PK)")})
	if isConditionFailed(err) {
		return bo.Errorf(bo.ECONFLICT, "message %s exists already", m.ID)
	} else if err != nil {
		return fmt.Errorf("create message %s: %w", m.ID, err)
	}
	return nil
}

// GetMessage returns a message of the org. It returns ENOTFOUND when there
// is none, and the table's error.
func (s *Store) GetMessage(ctx context.Context, orgID, messageID string) (messaging.Message, error) {
	var r messageRecord
	if err := s.get(ctx, messageKey(orgID, messageID), &r, "message "+messageID+" not found"); err != nil {
		return messaging.Message{}, err
	}
	return r.message()
}

// UpdateDraft writes a draft as edited (m.Version is the new version), on
// condition that it is still a draft at the version it was read at. It
// returns ECONFLICT otherwise, and the table's error.
func (s *Store) UpdateDraft(ctx context.Context, m messaging.Message) error {
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: s.table, Item: marshal(newMessageRecord(m)),
		ConditionExpression:       aws.String("#status = :draft AND version = :read"),
		ExpressionAttributeNames:  map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":draft": str(string(messaging.StatusDraft)), ":read": num(m.Version - 1)}})
	if isConditionFailed(err) {
		return bo.Errorf(bo.ECONFLICT, "message %s was changed or sent at the same time; reload it", m.ID)
	} else if err != nil {
		return fmt.Errorf("update message %s: %w", m.ID, err)
	}
	return nil
}

// setStatus moves a message from one status to another with the SET
// clauses given, on condition that it has the first. It reports false when
// it had not, and returns the table's error.
func (s *Store) setStatus(ctx context.Context, orgID, messageID string, from messaging.Status, set string, values map[string]types.AttributeValue) (bool, error) {
	values[":from"] = str(string(from))
	values[":one"] = num(1)
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: s.table, Key: mustKey(messageKey(orgID, messageID)),
		UpdateExpression:          aws.String(set + " ADD version :one"),
		ConditionExpression:       aws.String("#status = :from"),
		ExpressionAttributeNames:  map[string]string{"#status": "status"},
		ExpressionAttributeValues: values})
	if isConditionFailed(err) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("message %s: %w", messageID, err)
	}
	return true, nil
}

// MarkSending turns a draft into a message being sent to the target
// programs, recording who accepted the terms to send it and when: the one
// conditional write that lets only one of concurrent sends through. It
// returns ECONFLICT for a message that is not a draft (or does not exist),
// and the table's error.
func (s *Store) MarkSending(ctx context.Context, orgID, messageID string, targets []string, acceptedBy string, at time.Time) error {
	ok, err := s.setStatus(ctx, orgID, messageID, messaging.StatusDraft,
		"SET #status = :to, targets = :targets, sendingAt = :at, updatedAt = :at, termsAcceptedBy = :by, termsAcceptedAt = :at REMOVE frontier",
		map[string]types.AttributeValue{":to": str(string(messaging.StatusSending)), ":targets": stringList(targets), ":at": timeValue(at),
			":by": str(acceptedBy)})
	if err == nil && !ok {
		return bo.Errorf(bo.ECONFLICT, "message %s is not a draft", messageID)
	}
	return err
}

// RevertSending turns a message being sent back into a draft (its plan
// could not be queued). It does nothing to a message that is not being
// sent, and returns the table's error.
func (s *Store) RevertSending(ctx context.Context, orgID, messageID string) error {
	_, err := s.setStatus(ctx, orgID, messageID, messaging.StatusSending, "SET #status = :to REMOVE targets, sendingAt, frontier, termsAcceptedBy, termsAcceptedAt",
		map[string]types.AttributeValue{":to": str(string(messaging.StatusDraft))})
	return err
}

// MarkSent records that every recipient of a message being sent is
// planned. It does nothing to a message that is not being sent (a
// redelivered last plan item), and returns the table's error.
func (s *Store) MarkSent(ctx context.Context, orgID, messageID string, at time.Time) error {
	_, err := s.setStatus(ctx, orgID, messageID, messaging.StatusSending, "SET #status = :to, sentAt = :at, updatedAt = :at",
		map[string]types.AttributeValue{":to": str(string(messaging.StatusSent)), ":at": timeValue(at)})
	return err
}

// AdvancePlan moves the planning frontier of a message being sent from one
// position to another, on condition that it is at from ("": at the start,
// no frontier). It reports whether it moved, and returns the table's
// error.
func (s *Store) AdvancePlan(ctx context.Context, orgID, messageID, from, to string) (bool, error) {
	cond := "#status = :sending AND frontier = :from"
	values := map[string]types.AttributeValue{":sending": str(string(messaging.StatusSending)), ":to": str(to), ":from": str(from)}
	if from == "" {
		cond = "#status = :sending AND attribute_not_exists(frontier)"
		delete(values, ":from")
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: s.table, Key: mustKey(messageKey(orgID, messageID)),
		UpdateExpression: aws.String("SET frontier = :to"), ConditionExpression: aws.String(cond),
		ExpressionAttributeNames: map[string]string{"#status": "status"}, ExpressionAttributeValues: values})
	if isConditionFailed(err) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("advance the plan of message %s: %w", messageID, err)
	}
	return true, nil
}

func stringList(ss []string) types.AttributeValue {
	l := make([]types.AttributeValue, len(ss))
	for i, s := range ss {
		l[i] = str(s)
	}
	return &types.AttributeValueMemberL{Value: l}
}

func timeValue(t time.Time) types.AttributeValue {
	av, err := attributevalue.Marshal(t)
	if err != nil {
		panic(err) // a time always encodes
	}
	return av
}

type settingsRecord struct {
	key
	meta
	messaging.Settings
}

// MessagingSettings returns the org's messaging settings, or
// messaging.DefaultSettings when it has none. It returns the table's
// error.
func (s *Store) MessagingSettings(ctx context.Context, orgID string) (messaging.Settings, error) {
	var r settingsRecord
	err := s.get(ctx, messagingSettingsKey(orgID), &r, "no settings")
	if bo.ErrorCode(err) == bo.ENOTFOUND {
		return messaging.DefaultSettings, nil
	} else if err != nil {
		return messaging.Settings{}, err
	}
	return r.Settings, nil
}

// PutMessagingSettings writes the org's messaging settings. It returns the
// table's error.
func (s *Store) PutMessagingSettings(ctx context.Context, orgID string, set messaging.Settings, at time.Time) error {
	r := settingsRecord{key: messagingSettingsKey(orgID), meta: meta{Type: typeMessagingSettings, CreatedAt: at, UpdatedAt: at}, Settings: set}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: s.table, Item: marshal(r)}); err != nil {
		return fmt.Errorf("put messaging settings of %s: %w", orgID, err)
	}
	return nil
}

type capRecord struct {
	key
	meta
	EmailKey string           `dynamodbav:"emailKey"`
	OrgID    string           `dynamodbav:"orgId"`
	Sends    map[string]int64 `dynamodbav:"sends"`
	Version  int              `dynamodbav:"version"`
}

// CapStates returns the cap records of the learners in the org, by email
// key; a learner without one is left out. It reads them with BatchGetItem
// (100 a call) and returns the table's error.
func (s *Store) CapStates(ctx context.Context, orgID string, emailKeys []string) (map[string]messaging.CapState, error) {
	keys := make([]key, len(emailKeys))
	for i, k := range emailKeys {
		keys[i] = capKey(k, orgID)
	}
	recs, err := batchGet[capRecord](ctx, s, keys)
	if err != nil {
		return nil, fmt.Errorf("message caps: %w", err)
	}
	out := make(map[string]messaging.CapState, len(recs))
	for _, r := range recs {
		out[r.EmailKey] = messaging.CapState{Sends: r.Sends, Version: r.Version}
	}
	return out, nil
}

// PutCap writes a learner's cap record at st.Version+1, on condition that
// it is still at st.Version (that there is none, for 0). It returns
// ECONFLICT otherwise, and the table's error. The record expires when the
// longest cap window after this write has passed.
func (s *Store) PutCap(ctx context.Context, orgID, emailKey string, st messaging.CapState, at time.Time) error {
	item := marshal(capRecord{key: capKey(emailKey, orgID), meta: meta{Type: typeMessageCap, CreatedAt: at, UpdatedAt: at},
		EmailKey: emailKey, OrgID: orgID, Sends: st.Sends, Version: st.Version + 1})
	item[resources.AttrTTL] = num(int(at.Add(capTTL).Unix()))
	in := &dynamodb.PutItemInput{TableName: s.table, Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)")}
	if st.Version > 0 {
		in.ConditionExpression = aws.String("version = :read")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":read": num(st.Version)}
	}
	_, err := s.db.PutItem(ctx, in)
	if isConditionFailed(err) {
		return bo.Errorf(bo.ECONFLICT, "the message cap of %s changed at the same time", emailKey)
	} else if err != nil {
		return fmt.Errorf("put message cap of %s: %w", emailKey, err)
	}
	return nil
}

type deliveryRecord struct {
	key
	meta
	Campaign  string `dynamodbav:"campaign"`
	EmailKey  string `dynamodbav:"emailKey"`
	ProgramID string `dynamodbav:"programId"`
	Page      string `dynamodbav:"page"`
	Outcome   string `dynamodbav:"outcome"`
	ExpiresAt int64  `dynamodbav:"expiresAt"`
}

func (r deliveryRecord) delivery() messaging.Delivery {
	return messaging.Delivery{Campaign: r.Campaign, EmailKey: r.EmailKey, ProgramID: r.ProgramID, Page: r.Page, Outcome: r.Outcome, At: r.CreatedAt}
}

// PutDelivery writes the delivery record of one recipient of a campaign
// with a conditional put: the first write for the address wins. It returns
// the record that stands (d, or the one written before, read from the
// failed condition or else strongly consistent) and whether this call
// wrote it, and the table's error. BatchWriteItem cannot carry the
// condition, which is the point of the record, so the planner makes these
// puts concurrently instead.
func (s *Store) PutDelivery(ctx context.Context, d messaging.Delivery) (messaging.Delivery, bool, error) {
	k := deliveryKey(d.Campaign, d.EmailKey)
	r := deliveryRecord{key: k, meta: meta{Type: typeDelivery, CreatedAt: d.At, UpdatedAt: d.At},
		Campaign: d.Campaign, EmailKey: d.EmailKey, ProgramID: d.ProgramID, Page: d.Page, Outcome: d.Outcome,
		ExpiresAt: d.At.Add(DeliveryTTL).Unix()}
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: s.table, Item: marshal(r),
		ConditionExpression:                 aws.String("attribute_not_exists(PK)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	if err == nil {
		return d, true, nil
	}
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		return messaging.Delivery{}, false, fmt.Errorf("put delivery of %s: %w", d.EmailKey, err)
	}
	var old deliveryRecord
	if len(ccf.Item) > 0 {
		if err := attributevalue.UnmarshalMap(ccf.Item, &old); err != nil {
			return messaging.Delivery{}, false, fmt.Errorf("decode delivery of %s: %w", d.EmailKey, err)
		}
		return old.delivery(), false, nil
	}
	if err := s.get(ctx, k, &old, "delivery of "+d.EmailKey+" not found"); err != nil {
		return messaging.Delivery{}, false, err
	}
	return old.delivery(), false, nil
}

// CountPage adds the counts of one planned page to the campaign's counters
// in one transaction with a marker of the page, written only if it is not
// there: a page counted already (a redelivered plan item) adds nothing.
// It returns the table's error.
func (s *Store) CountPage(ctx context.Context, campaign, page string, counts map[string]int) error {
	u := s.campaignCounts(campaign, counts)
	if u == nil {
		return nil
	}
	now := time.Now().UTC()
	marker := marshal(struct {
		key
		meta
		ExpiresAt int64 `dynamodbav:"expiresAt"`
	}{key: campaignPageKey(campaign, page), meta: meta{Type: typeCampaignPage, CreatedAt: now, UpdatedAt: now}, ExpiresAt: now.Add(DeliveryTTL).Unix()})
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{ClientRequestToken: aws.String(requestToken()),
		TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: s.table, Item: marker, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
			{Update: u},
		}})
	if failed, cancelled := cancelledAt(err); cancelled && len(failed) == 1 && failed[0] == 0 {
		return nil // counted by an earlier delivery
	} else if err != nil {
		return fmt.Errorf("count page %s of %s: %w", page, campaign, err)
	}
	return nil
}
