package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/learnops/backoffice/shared/app/resources"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/reminders"
)

var (
	_ reminders.Store         = (*Store)(nil)
	_ reminders.SettingsStore = (*Store)(nil)
)

const (
	typeReminder    = "Reminder"
	typeReminderRun = "ReminderRun"
	// reminderLifetime is how long reminder and run records are kept (the
	// table's TTL deletes them later): long past the second Saturday, and
	// past any retry of a run.
	reminderLifetime = 90 * 24 * time.Hour
)

// reminderRecord is one reminder of one invitation, written once.
type reminderRecord struct {
	key
	meta
	OrgID     string     `dynamodbav:"orgId"`
	ProgramID string     `dynamodbav:"programId"`
	EmailKey  string     `dynamodbav:"emailKey"`
	SentAt    time.Time  `dynamodbav:"invitedAt"`
	N         int        `dynamodbav:"n"`
	Saturday  string     `dynamodbav:"saturday"`
	Campaign  string     `dynamodbav:"campaign"`
	Outcome   string     `dynamodbav:"outcome"`
	RunID     string     `dynamodbav:"runId"`
	ClaimedAt time.Time  `dynamodbav:"claimedAt"`
	QueuedAt  *time.Time `dynamodbav:"queuedAt,omitempty"`
	ExpiresAt int64      `dynamodbav:"expiresAt"`
}

func (r reminderRecord) reminder() reminders.Reminder {
	sat, _ := time.Parse(reminders.DateLayout, r.Saturday)
	return reminders.Reminder{
		ReminderKey: reminders.ReminderKey{ProgramID: r.ProgramID, EmailKey: r.EmailKey, Sent: r.SentAt, N: r.N},
		OrgID:       r.OrgID, Saturday: sat, Campaign: r.Campaign, Outcome: r.Outcome, RunID: r.RunID, ClaimedAt: r.ClaimedAt, QueuedAt: r.QueuedAt,
	}
}

func reminderKeyOf(k reminders.ReminderKey) key {
	return reminderKey(k.ProgramID, k.EmailKey, k.Sent, k.N)
}

// runRecord is where the runs of one Saturday stand.
type runRecord struct {
	key
	meta
	Saturday     string     `dynamodbav:"saturday"`
	RunID        string     `dynamodbav:"runId"`
	ProgramShard int        `dynamodbav:"programShard"`
	ProgramAfter string     `dynamodbav:"programAfter"`
	Program      string     `dynamodbav:"program"`
	Stream       int        `dynamodbav:"stream"`
	After        string     `dynamodbav:"after"`
	Done         bool       `dynamodbav:"done"`
	FinishedAt   *time.Time `dynamodbav:"finishedAt,omitempty"`
	ExpiresAt    int64      `dynamodbav:"expiresAt"`
}

// ReminderPrograms returns up to limit programs of every org in the shard
// of the program index, in order of org and id, after the key ("" for the
// first page). It returns the table's error.
func (s *Store) ReminderPrograms(ctx context.Context, shard int, after string, limit int) ([]reminders.Program, error) {
	in := &dynamodb.QueryInput{
		TableName: s.table, IndexName: aws.String(resources.IndexLearnersByEmail), Limit: aws.Int32(int32(limit)),
		KeyConditionExpression:    aws.String("GSI1PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(programIndexPK(shard))},
	}
	if after != "" {
		in.KeyConditionExpression = aws.String("GSI1PK = :pk AND GSI1SK > :after")
		in.ExpressionAttributeValues[":after"] = str(after)
	}
	res, err := s.db.Query(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("query programs of shard %d: %w", shard, err)
	}
	var recs []programRecord
	if err := attributevalue.UnmarshalListOfMaps(res.Items, &recs); err != nil {
		return nil, fmt.Errorf("decode programs: %w", err)
	}
	out := make([]reminders.Program, len(recs))
	for i, r := range recs {
		out[i] = reminders.Program{OrgID: r.OrgID, ID: r.ID, Name: r.Name, Tagline: r.Tagline, Slug: r.Slug,
			Off: r.RemindersOff, Deleting: r.Deleting, Key: r.GSI1SK}
	}
	return out, nil
}

// PendingInvitations returns up to limit pending invitations of the
// program in the learner shard sent in the window, oldest first, after the
// invitation whose index sort key is after ("" for the first page), and the
// key to pass for the next page ("" after the last). It returns the
// table's error.
func (s *Store) PendingInvitations(ctx context.Context, programID string, shard int, w reminders.Window, after string, limit int) ([]reminders.Invitation, string, error) {
	pk := learnerIndexPK(programID, string(bo.StateInvited), shard)
	in := &dynamodb.QueryInput{
		TableName: s.table, IndexName: aws.String(resources.IndexLearnersByInvited), Limit: aws.Int32(int32(limit)),
		KeyConditionExpression: aws.String("GSI1PK = :pk AND GSI4SK BETWEEN :lo AND :hi"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(pk), ":lo": str(invitedSortKey(w.From)), ":hi": str(invitedSortKey(w.To)),
		},
	}
	if after != "" {
		_, emailKey, ok := strings.Cut(after, "#")
		if !ok {
			return nil, "", fmt.Errorf("pending invitations of %s: bad position %q", programID, after)
		}
		lk := learnerKey(programID, emailKey)
		in.ExclusiveStartKey = map[string]types.AttributeValue{
			resources.AttrPK: str(lk.PK), resources.AttrSK: str(lk.SK), resources.AttrGSI1PK: str(pk), resources.AttrGSI4SK: str(after),
		}
	}
	res, err := s.db.Query(ctx, in)
	if err != nil {
		return nil, "", fmt.Errorf("query pending invitations of %s shard %d: %w", programID, shard, err)
	}
	var entries []learnerRecord
	if err := attributevalue.UnmarshalListOfMaps(res.Items, &entries); err != nil {
		return nil, "", fmt.Errorf("decode invitations: %w", err)
	}
	next := ""
	if len(res.LastEvaluatedKey) > 0 && len(entries) > 0 {
		next = entries[len(entries)-1].GSI4SK
	}
	// GSI4 projects the keys and the members view's filters; the reminder
	// needs the whole invitation.
	recs, err := s.wholeLearners(ctx, entries)
	if err != nil {
		return nil, "", fmt.Errorf("pending invitations of %s shard %d: %w", programID, shard, err)
	}
	out := make([]reminders.Invitation, len(recs))
	for i, r := range recs {
		out[i] = reminders.Invitation{Learner: r.learner(), Key: r.GSI4SK}
	}
	return out, next, nil
}

// errReminderExists marks a claim whose reminder record exists.
var errReminderExists = errors.New("reminder exists")

// ClaimReminder writes the reminder's record and counts its outcome (and
// one planned) on its campaign, in one transaction under the conditions
// that the learner's invitation invitationID is still pending and that no
// record of the reminder exists. It returns (nil, nil) when it wrote it;
// ENOTFOUND when the invitation is no longer pending; the existing record
// when the reminder was claimed before; and the table's error.
func (s *Store) ClaimReminder(ctx context.Context, r reminders.Reminder, invitationID string) (*reminders.Reminder, error) {
	cond, names, values := pendingCondition(bo.Learner{InvitationID: invitationID})
	rec := reminderRecord{
		key: reminderKeyOf(r.ReminderKey), meta: meta{Type: typeReminder, CreatedAt: r.ClaimedAt, UpdatedAt: r.ClaimedAt},
		OrgID: r.OrgID, ProgramID: r.ProgramID, EmailKey: r.EmailKey, SentAt: r.Sent.UTC(), N: r.N,
		Saturday: r.Saturday.Format(reminders.DateLayout), Campaign: r.Campaign, Outcome: r.Outcome, RunID: r.RunID,
		ClaimedAt: r.ClaimedAt, ExpiresAt: r.Saturday.Add(reminderLifetime).Unix(),
	}
	items := []types.TransactWriteItem{
		{ConditionCheck: &types.ConditionCheck{TableName: s.table, Key: mustKey(learnerKey(r.ProgramID, r.EmailKey)),
			ConditionExpression: aws.String(cond), ExpressionAttributeNames: names, ExpressionAttributeValues: values}},
		putNew(s.table, rec),
		{Update: &types.Update{
			TableName: s.table, Key: mustKey(campaignKey(r.Campaign)),
			UpdateExpression:         aws.String("SET #type = :type ADD #planned :one, #outcome :one"),
			ExpressionAttributeNames: map[string]string{"#type": "type", "#planned": "planned", "#outcome": r.Outcome},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":type": str(typeCampaign), ":one": num(1),
			},
		}},
	}
	err := s.transact(ctx, items, func(i int) error {
		if i == 0 {
			return bo.Errorf(bo.ENOTFOUND, "%s has no pending invitation %s", r.EmailKey, invitationID)
		}
		return errReminderExists
	})
	if !errors.Is(err, errReminderExists) {
		return nil, err
	}
	var prev reminderRecord
	if err := s.get(ctx, rec.key, &prev, "reminder "+rec.PK+" not found"); err != nil {
		return nil, err
	}
	out := prev.reminder()
	return &out, nil
}

// TakeOverReminder makes run to the owner of a reminder that run from
// claimed and has not queued. It returns false when the reminder changed
// in between (queued, or taken over by another run), and the table's error.
func (s *Store) TakeOverReminder(ctx context.Context, k reminders.ReminderKey, from, to string, at time.Time) (bool, error) {
	ts := str(at.UTC().Format(time.RFC3339Nano))
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: s.table, Key: mustKey(reminderKeyOf(k)),
		UpdateExpression:          aws.String("SET runId = :to, claimedAt = :at, updatedAt = :at"),
		ConditionExpression:       aws.String("runId = :from AND attribute_not_exists(queuedAt)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":to": str(to), ":from": str(from), ":at": ts},
	})
	if isConditionFailed(err) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("take over reminder of %s: %w", k.EmailKey, err)
	}
	return true, nil
}

// MarkReminderQueued records when the reminder's email went on the mail
// queue. It returns the table's error.
func (s *Store) MarkReminderQueued(ctx context.Context, k reminders.ReminderKey, at time.Time) error {
	ts := str(at.UTC().Format(time.RFC3339Nano))
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: s.table, Key: mustKey(reminderKeyOf(k)),
		UpdateExpression:          aws.String("SET queuedAt = :at, updatedAt = :at"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":at": ts},
	})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("mark reminder of %s queued: %w", k.EmailKey, err)
	}
	return nil
}

// GetReminderRun returns where the runs of the Saturday stand, or
// ENOTFOUND before the first.
func (s *Store) GetReminderRun(ctx context.Context, saturday time.Time) (reminders.Run, error) {
	date := saturday.Format(reminders.DateLayout)
	var r runRecord
	if err := s.get(ctx, reminderRunKey(date), &r, "no reminder run on "+date); err != nil {
		return reminders.Run{}, err
	}
	return reminders.Run{
		Saturday: saturday, RunID: r.RunID, Done: r.Done, StartedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, FinishedAt: r.FinishedAt,
		Position: reminders.Position{ProgramShard: r.ProgramShard, ProgramAfter: r.ProgramAfter, Program: r.Program, Stream: r.Stream, After: r.After},
	}, nil
}

// SaveReminderRun writes where the run of the Saturday stands, unless a run
// of it is done: then it returns ECONFLICT. It returns the table's error.
func (s *Store) SaveReminderRun(ctx context.Context, r reminders.Run) error {
	date := r.Saturday.Format(reminders.DateLayout)
	p := r.Position
	rec := runRecord{
		key: reminderRunKey(date), meta: meta{Type: typeReminderRun, CreatedAt: r.StartedAt, UpdatedAt: r.UpdatedAt},
		Saturday: date, RunID: r.RunID, ProgramShard: p.ProgramShard, ProgramAfter: p.ProgramAfter, Program: p.Program,
		Stream: p.Stream, After: p.After, Done: r.Done, FinishedAt: r.FinishedAt, ExpiresAt: r.Saturday.Add(reminderLifetime).Unix(),
	}
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: s.table, Item: marshal(rec),
		ConditionExpression:       aws.String("attribute_not_exists(PK) OR done = :false"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":false": &types.AttributeValueMemberBOOL{Value: false}},
	})
	if isConditionFailed(err) {
		return bo.Errorf(bo.ECONFLICT, "the reminders of %s are done", date)
	} else if err != nil {
		return fmt.Errorf("save reminder run %s: %w", date, err)
	}
	return nil
}

// MarkRemindersRun records the Saturday as the program's last reminder run,
// unless a later Saturday is recorded or the program is gone. It returns
// the table's error.
func (s *Store) MarkRemindersRun(ctx context.Context, orgID, programID string, saturday time.Time) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: s.table, Key: mustKey(programKey(orgID, programID)),
		UpdateExpression:          aws.String("SET remindersLastRun = :d"),
		ConditionExpression:       aws.String("attribute_exists(PK) AND (attribute_not_exists(remindersLastRun) OR remindersLastRun < :d)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":d": str(saturday.Format(reminders.DateLayout))},
	})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("mark reminders run on program %s: %w", programID, err)
	}
	return nil
}

// SetInvitationReminders switches the program's invitation reminder on or
// off (and indexes the program among every program) and returns the
// program. It returns ENOTFOUND when the org has no such program, and the
// table's error.
func (s *Store) SetInvitationReminders(ctx context.Context, orgID, programID string, on bool, at time.Time) (bo.Program, error) {
	res, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: s.table, Key: mustKey(programKey(orgID, programID)),
		UpdateExpression:    aws.String("SET remindersOff = :off, updatedAt = :at, GSI1PK = :g1pk, GSI1SK = :g1sk"),
		ConditionExpression: aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: withProgramIndex(orgID, programID, map[string]types.AttributeValue{
			":off": &types.AttributeValueMemberBOOL{Value: !on}, ":at": str(at.UTC().Format(time.RFC3339Nano)),
		}),
		ReturnValues: types.ReturnValueAllNew,
	})
	if isConditionFailed(err) {
		return bo.Program{}, bo.Errorf(bo.ENOTFOUND, "program %s not found", programID)
	} else if err != nil {
		return bo.Program{}, fmt.Errorf("switch reminders of program %s: %w", programID, err)
	}
	var r programRecord
	if err := attributevalue.UnmarshalMap(res.Attributes, &r); err != nil {
		return bo.Program{}, fmt.Errorf("decode program %s: %w", programID, err)
	}
	return r.program(), nil
}
