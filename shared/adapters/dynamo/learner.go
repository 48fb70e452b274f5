package dynamo

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/learnops/backoffice/shared/app/resources"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/invite"
)

var _ invite.Store = (*Store)(nil)

const (
	typeLearner = "Learner"
	typeToken   = "InviteToken"
)

type learnerRecord struct {
	key
	meta
	GSI1PK string `dynamodbav:"GSI1PK"`
	GSI1SK string `dynamodbav:"GSI1SK"`
	GSI2PK string `dynamodbav:"GSI2PK"`
	GSI2SK string `dynamodbav:"GSI2SK"`
	GSI3SK string `dynamodbav:"GSI3SK,omitempty"`
	GSI4SK string `dynamodbav:"GSI4SK,omitempty"`
	GSI5SK string `dynamodbav:"GSI5SK"`
	// GSI7SK and GSI8SK sort the learner by their counts of enrollments
	// and of completions (learnerCountKey); the transactions that change
	// a count set its key with it.
	GSI7SK string `dynamodbav:"GSI7SK"`
	GSI8SK string `dynamodbav:"GSI8SK"`
	// GSI6PK and GSI6SK put the learner in the index of one person's
	// standing across programs (see keys.go).
	GSI6PK string `dynamodbav:"GSI6PK"`
	GSI6SK string `dynamodbav:"GSI6SK"`
	// NameKey is the full name lower-cased, for searches by name.
	NameKey string `dynamodbav:"nameKey"`
	// CurrentItems are the catalogue items the member is currently
	// enrolled in, for the members view's course filter.
	CurrentItems []string   `dynamodbav:"currentItems,stringset,omitempty"`
	OrgID        string     `dynamodbav:"orgId"`
	ProgramID    string     `dynamodbav:"programId"`
	Email        string     `dynamodbav:"email"`
	EmailKey     string     `dynamodbav:"emailKey"`
	FullName     string     `dynamodbav:"fullName"`
	ExternalID   string     `dynamodbav:"externalId,omitempty"`
	State        string     `dynamodbav:"state"`
	ContractID   string     `dynamodbav:"contractId"`
	InvitationID string     `dynamodbav:"invitationId"`
	InvitedAt    *time.Time `dynamodbav:"invitedAt,omitempty"`
	JoinedAt     *time.Time `dynamodbav:"joinedAt,omitempty"`
	RemovedAt    *time.Time `dynamodbav:"removedAt,omitempty"`
	AllowReturn  bool       `dynamodbav:"allowReturn"`
	ImportID     string     `dynamodbav:"importId,omitempty"`
	// InvitationMessage is the invitation's own message, if any.
	InvitationMessage string     `dynamodbav:"invitationMessage,omitempty"`
	EmailQueuedAt     *time.Time `dynamodbav:"emailQueuedAt,omitempty"`
	WelcomeQueuedAt   *time.Time `dynamodbav:"welcomeQueuedAt,omitempty"`
	// Enrollment counters, changed only in the enrollment transactions.
	CurrentEnrollments int        `dynamodbav:"currentEnrollments"`
	Enrollments        int        `dynamodbav:"enrollments"`
	UtilisedAt         *time.Time `dynamodbav:"utilisedAt,omitempty"`
	// Activity, kept by the activity function; the epoch-millisecond copies
	// serve its "only if later" conditions.
	LastActivityAt   *time.Time `dynamodbav:"lastActivityAt,omitempty"`
	LastActivityMs   int64      `dynamodbav:"lastActivityMs,omitempty"`
	LastCompletionAt *time.Time `dynamodbav:"lastCompletionAt,omitempty"`
	LastCompletionMs int64      `dynamodbav:"lastCompletionMs,omitempty"`
	Completions      int        `dynamodbav:"completions"`
	// Undeliverable marks a pending invitation whose address bounced or
	// complained; set by MarkUndeliverable, removed by Join.
	Undeliverable       bool       `dynamodbav:"undeliverable,omitempty"`
	UndeliverableReason string     `dynamodbav:"undeliverableReason,omitempty"`
	UndeliverableAt     *time.Time `dynamodbav:"undeliverableAt,omitempty"`
	// Profile is projected by no index: the reports and exports read it
	// from the table.
	Profile map[string]string `dynamodbav:"profile,omitempty"`
}

func newLearnerRecord(l bo.Learner) learnerRecord {
	r := learnerRecord{
		key: learnerKey(l.ProgramID, l.EmailKey), meta: meta{Type: typeLearner, CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt},
		OrgID: l.OrgID, ProgramID: l.ProgramID, Email: l.Email, EmailKey: l.EmailKey, FullName: l.FullName,
		ExternalID: l.ExternalID, State: string(l.State), ContractID: l.ContractID, InvitationID: l.InvitationID,
		InvitedAt: l.InvitedAt, JoinedAt: l.JoinedAt, RemovedAt: l.RemovedAt, AllowReturn: l.AllowReturn,
		ImportID: l.ImportID, InvitationMessage: l.InvitationMessage, EmailQueuedAt: l.EmailQueuedAt, WelcomeQueuedAt: l.WelcomeQueuedAt,
		CurrentEnrollments: l.CurrentEnrollments, Enrollments: l.Enrollments, UtilisedAt: l.UtilisedAt,
		LastActivityAt: l.LastActivityAt, LastCompletionAt: l.LastCompletionAt, Completions: l.Completions,
		CurrentItems: l.CurrentItems, Undeliverable: l.Undeliverable, UndeliverableReason: l.UndeliverableReason, UndeliverableAt: l.UndeliverableAt,
		Profile: l.Profile,
	}
	r.GSI1PK, r.GSI1SK, r.GSI2PK, r.GSI2SK = learnerIndexKeys(l.ProgramID, string(l.State), l.EmailKey, l.FullName)
	r.GSI6PK, r.GSI6SK = emailIndexKeys(l.EmailKey, l.ProgramID)
	r.GSI3SK, r.GSI4SK, r.GSI5SK = learnerSortKeys(l.EmailKey, l.JoinedAt, l.InvitedAt, l.LastActivityAt)
	r.GSI7SK, r.GSI8SK = learnerCountKey(l.Enrollments, l.EmailKey), learnerCountKey(l.Completions, l.EmailKey)
	r.NameKey = strings.ToLower(l.FullName)
	return r
}

func (r learnerRecord) learner() bo.Learner {
	return bo.Learner{
		OrgID: r.OrgID, ProgramID: r.ProgramID, Email: r.Email, EmailKey: r.EmailKey, FullName: r.FullName,
		ExternalID: r.ExternalID, State: bo.LearnerState(r.State), ContractID: r.ContractID, InvitationID: r.InvitationID,
		InvitedAt: r.InvitedAt, JoinedAt: r.JoinedAt, RemovedAt: r.RemovedAt, AllowReturn: r.AllowReturn,
		ImportID: r.ImportID, InvitationMessage: r.InvitationMessage, EmailQueuedAt: r.EmailQueuedAt, WelcomeQueuedAt: r.WelcomeQueuedAt,
		CurrentEnrollments: r.CurrentEnrollments, Enrollments: r.Enrollments, UtilisedAt: r.UtilisedAt,
		CurrentItems: r.CurrentItems, LastActivityAt: r.LastActivityAt, LastCompletionAt: r.LastCompletionAt, Completions: r.Completions,
		Undeliverable: r.Undeliverable, UndeliverableReason: r.UndeliverableReason, UndeliverableAt: r.UndeliverableAt,
		Profile: r.Profile, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

type tokenRecord struct {
	key
	meta
	OrgID        string `dynamodbav:"orgId"`
	ProgramID    string `dynamodbav:"programId"`
	EmailKey     string `dynamodbav:"emailKey"`
	InvitationID string `dynamodbav:"invitationId"`
	// GSI6PK and GSI6SK put the link in the index of one person (keys.go),
	// where an erasure finds it: the link is keyed by its hash alone.
	GSI6PK string `dynamodbav:"GSI6PK,omitempty"`
	GSI6SK string `dynamodbav:"GSI6SK,omitempty"`
	// ExpiresAt is the table's TTL attribute (epoch seconds): DynamoDB
	// deletes expired links some time after they expire.
	ExpiresAt int64 `dynamodbav:"expiresAt"`
}

// GetLearner returns the learner of the program with the email key, or ENOTFOUND.
func (s *Store) GetLearner(ctx context.Context, programID, emailKey string) (bo.Learner, error) {
	var r learnerRecord
	if err := s.get(ctx, learnerKey(programID, emailKey), &r, emailKey+" is not invited to or a member of this program"); err != nil {
		return bo.Learner{}, err
	}
	return r.learner(), nil
}

// addCounters is a transaction item that adds each delta to a counter of
// an existing item.
func addCounters(table *string, k key, deltas map[string]int) types.TransactWriteItem {
	names := map[string]string{}
	values := map[string]types.AttributeValue{}
	var adds []string
	for _, c := range slices.Sorted(mapsKeys(deltas)) {
		n := fmt.Sprintf("#c%d", len(adds))
		names[n] = c
		values[":v"+n[1:]] = num(deltas[c])
		adds = append(adds, n+" :v"+n[1:])
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName: table, Key: mustKey(k), UpdateExpression: aws.String("ADD " + strings.Join(adds, ", ")),
		ConditionExpression: aws.String("attribute_exists(PK)"), ExpressionAttributeNames: names, ExpressionAttributeValues: values,
	}}
}

func mapsKeys(m map[string]int) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func putToken(table *string, t bo.InviteToken, now time.Time) types.TransactWriteItem {
	return putNew(table, tokenRecord{
		key: tokenKey(t.Hash), meta: meta{Type: typeToken, CreatedAt: now, UpdatedAt: now},
		OrgID: t.OrgID, ProgramID: t.ProgramID, EmailKey: t.EmailKey, InvitationID: t.InvitationID, ExpiresAt: t.ExpiresAt.Unix(),
		GSI6PK: emailIndexPK(t.EmailKey), GSI6SK: tokenIndexSK(t.ProgramID),
	})
}

// learnerPut is the conditional put of a new invitation: on no learner at
// all, or on the removed learner as read (prev), whose history (enrollment
// counters, utilisation, activity) the invitation keeps: their enrollments
// and progress are still there.
func (s *Store) learnerPut(l bo.Learner, prev *bo.Learner) *types.Put {
	put := &types.Put{TableName: s.table, ConditionExpression: aws.String("attribute_not_exists(PK)")}
	if prev != nil {
		l.CurrentEnrollments, l.Enrollments, l.UtilisedAt = prev.CurrentEnrollments, prev.Enrollments, prev.UtilisedAt
		l.Completions, l.LastActivityAt, l.LastCompletionAt, l.CurrentItems = prev.Completions, prev.LastActivityAt, prev.LastCompletionAt, prev.CurrentItems
		// The profile they had, with the new invitation's values (an
		// import's columns) over it.
		l.Profile = prev.Profile.Merge(l.Profile)
		put.ConditionExpression = aws.String("#state = :removed AND updatedAt = :seen")
		put.ExpressionAttributeNames = map[string]string{"#state": "state"}
		put.ExpressionAttributeValues = map[string]types.AttributeValue{
			":removed": str(string(bo.StateDeletedMember)), ":seen": str(prev.UpdatedAt.Format(time.RFC3339Nano)),
		}
	}
	rec := newLearnerRecord(l)
	if prev != nil && prev.LastActivityAt != nil {
		rec.LastActivityMs = prev.LastActivityAt.UnixMilli()
	}
	if prev != nil && prev.LastCompletionAt != nil {
		rec.LastCompletionMs = prev.LastCompletionAt.UnixMilli()
	}
	put.Item = marshal(rec)
	return put
}

// LearnerItem returns the item a new learner is stored as: its table and
// index keys and its attributes, exactly as an invitation (one or an
// import's) writes it. Tools that load learners in bulk write it as it is;
// the import benchmark writes it to measure the endpoint's raw item rate on
// the very items an import writes.
func LearnerItem(l bo.Learner) map[string]types.AttributeValue {
	return marshal(newLearnerRecord(l))
}

// invitationWrites are the writes of a new invitation: the learner (new, or
// replacing a removed member read as prev), its link when tok is set, and
// the counters.
func (s *Store) invitationWrites(l bo.Learner, prev *bo.Learner, tok *bo.InviteToken) []types.TransactWriteItem {
	items := []types.TransactWriteItem{{Put: s.learnerPut(l, prev)}}
	if tok != nil {
		items = append(items, putToken(s.table, *tok, l.CreatedAt))
	}
	return append(items,
		addCounters(s.table, programKey(l.OrgID, l.ProgramID), map[string]int{"invited": 1, "invitationsSent": 1}),
		addCounters(s.table, contractKey(l.OrgID, l.ContractID), map[string]int{"pending": 1}),
		addCounters(s.table, orgKey(l.OrgID), map[string]int{"invited": 1, "invitationsSent": 1}))
}

// removedBefore returns the learner's removed record, nil when there is no
// learner, and ECONFLICT when they are invited or a member.
func (s *Store) removedBefore(ctx context.Context, l bo.Learner) (*bo.Learner, error) {
	prev, err := s.GetLearner(ctx, l.ProgramID, l.EmailKey)
	switch {
	case bo.ErrorCode(err) == bo.ENOTFOUND:
		return nil, nil
	case err != nil:
		return nil, err
	case prev.State != bo.StateDeletedMember:
		return nil, bo.Errorf(bo.ECONFLICT, "%s is already invited to or a member of this program", l.Email)
	}
	return &prev, nil
}

// CreateInvitation writes a new invitation with its link (when tok is set)
// and counts it on the program, the contract and the org, all or nothing. A
// removed learner's history is kept. It returns ECONFLICT when the email is
// invited to or a member of the program.
func (s *Store) CreateInvitation(ctx context.Context, l bo.Learner, tok *bo.InviteToken) error {
	prev, err := s.removedBefore(ctx, l)
	if err != nil {
		return err
	}
	return s.transact(ctx, s.invitationWrites(l, prev, tok), func(i int) error {
		if i == 0 {
			return bo.Errorf(bo.ECONFLICT, "%s is already invited to or a member of this program", l.Email)
		}
		if tok != nil && i == 1 {
			return bo.Errorf(bo.ECONFLICT, "the invitation link collided; retry")
		}
		return bo.Errorf(bo.ENOTFOUND, "the program or the contract no longer exists")
	})
}

// pendingCondition is a condition that the learner's invitation is still
// the pending one read.
func pendingCondition(l bo.Learner) (string, map[string]string, map[string]types.AttributeValue) {
	return "#state = :invited AND invitationId = :iid",
		map[string]string{"#state": "state"},
		map[string]types.AttributeValue{":invited": str(string(bo.StateInvited)), ":iid": str(l.InvitationID)}
}

// AddToken stores another link of a pending invitation. It returns
// ECONFLICT when the invitation is no longer the pending one.
func (s *Store) AddToken(ctx context.Context, l bo.Learner, tok bo.InviteToken) error {
	cond, names, values := pendingCondition(l)
	items := []types.TransactWriteItem{
		{ConditionCheck: &types.ConditionCheck{TableName: s.table, Key: mustKey(learnerKey(l.ProgramID, l.EmailKey)),
			ConditionExpression: aws.String(cond), ExpressionAttributeNames: names, ExpressionAttributeValues: values}},
		putToken(s.table, tok, time.Now().UTC()),
	}
	return s.transact(ctx, items, func(int) error {
		return bo.Errorf(bo.ECONFLICT, "the invitation of %s changed at the same time; reload and retry", l.Email)
	})
}

// GetToken returns the stored link with the hash, or ENOTFOUND.
func (s *Store) GetToken(ctx context.Context, hash string) (bo.InviteToken, error) {
	var r tokenRecord
	if err := s.get(ctx, tokenKey(hash), &r, "no such invitation link"); err != nil {
		return bo.InviteToken{}, err
	}
	return bo.InviteToken{Hash: hash, OrgID: r.OrgID, ProgramID: r.ProgramID, EmailKey: r.EmailKey,
		InvitationID: r.InvitationID, ExpiresAt: time.Unix(r.ExpiresAt, 0).UTC()}, nil
}

// MarkQueued records when an email about the learner was queued (field
// "emailQueuedAt" or "welcomeQueuedAt"), if the invitation is still the one read.
func (s *Store) MarkQueued(ctx context.Context, l bo.Learner, field string, at time.Time) error {
	if field != "emailQueuedAt" && field != "welcomeQueuedAt" {
		return fmt.Errorf("mark queued: unknown field %q", field)
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: s.table, Key: mustKey(learnerKey(l.ProgramID, l.EmailKey)),
		UpdateExpression:          aws.String("SET #f = :at"),
		ConditionExpression:       aws.String("invitationId = :iid"),
		ExpressionAttributeNames:  map[string]string{"#f": field},
		ExpressionAttributeValues: map[string]types.AttributeValue{":at": str(at.UTC().Format(time.RFC3339Nano)), ":iid": str(l.InvitationID)},
	})
	if isConditionFailed(err) {
		return nil // a newer invitation replaced this one; nothing to record
	} else if err != nil {
		return fmt.Errorf("mark %s of %s: %w", field, l.EmailKey, err)
	}
	return nil
}

// DeleteInvitation deletes a pending invitation and uncounts it; its links
// stop working because they name an invitation that no longer exists. It
// returns ENOTFOUND when the invitation is no longer pending.
func (s *Store) DeleteInvitation(ctx context.Context, l bo.Learner) error {
	cond, names, values := pendingCondition(l)
	items := []types.TransactWriteItem{
		{Delete: &types.Delete{TableName: s.table, Key: mustKey(learnerKey(l.ProgramID, l.EmailKey)),
			ConditionExpression: aws.String(cond), ExpressionAttributeNames: names, ExpressionAttributeValues: values}},
		addCounters(s.table, programKey(l.OrgID, l.ProgramID), map[string]int{"invited": -1}),
		addCounters(s.table, contractKey(l.OrgID, l.ContractID), map[string]int{"pending": -1}),
		addCounters(s.table, orgKey(l.OrgID), map[string]int{"invited": -1}),
	}
	return s.transact(ctx, items, func(int) error {
		return bo.Errorf(bo.ENOTFOUND, "%s has no pending invitation to this program", l.Email)
	})
}

// memberIndexUpdate returns the SET clause and values that move a
// learner's index keys to the MEMBER state, with the state, join time,
// update time and profile (when l has one).
func memberIndexUpdate(l bo.Learner, now time.Time, names map[string]string, values map[string]types.AttributeValue) string {
	gsi1pk, gsi1sk, gsi2pk, gsi2sk := learnerIndexKeys(l.ProgramID, string(bo.StateMember), l.EmailKey, l.FullName)
	names["#state"] = "state"
	names["#gsi1pk"], names["#gsi1sk"], names["#gsi2pk"], names["#gsi2sk"] = "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK"
	values[":member"] = str(string(bo.StateMember))
	values[":now"] = str(now.UTC().Format(time.RFC3339Nano))
	values[":g1pk"], values[":g1sk"], values[":g2pk"], values[":g2sk"] = str(gsi1pk), str(gsi1sk), str(gsi2pk), str(gsi2sk)
	g3, _, g5 := learnerSortKeys(l.EmailKey, &now, l.InvitedAt, l.LastActivityAt)
	names["#gsi3sk"], names["#gsi5sk"] = "GSI3SK", "GSI5SK"
	values[":g3sk"], values[":g5sk"] = str(g3), str(g5)
	set := "SET #state = :member, joinedAt = :now, updatedAt = :now, " +
		"#gsi1pk = :g1pk, #gsi1sk = :g1sk, #gsi2pk = :g2pk, #gsi2sk = :g2sk, #gsi3sk = :g3sk, #gsi5sk = :g5sk"
	if len(l.Profile) > 0 {
		// The profile as read with the token's claims over it (the
		// learner's join condition holds it to the state read).
		values[":profile"] = &types.AttributeValueMemberM{Value: marshal(map[string]string(l.Profile))}
		set += ", profile = :profile"
	}
	return set
}

// licenceWrites are the writes every join shares: one licence of the
// learner's contract, under its cap and within its term, the counters, and
// the day's roll-ups (a join on now's UTC day).
// pendingDelta is -1 when the join consumes a pending invitation.
func (s *Store) licenceWrites(l bo.Learner, now time.Time, pendingDelta int) []types.TransactWriteItem {
	update := "ADD used :one SET updatedAt = :now"
	values := map[string]types.AttributeValue{
		":one": num(1), ":ms": &types.AttributeValueMemberN{Value: fmt.Sprint(now.UnixMilli())},
		":true": &types.AttributeValueMemberBOOL{Value: true}, ":now": str(now.UTC().Format(time.RFC3339Nano)),
		":perEnrollment": str(string(bo.LicencePerEnrollment)),
	}
	if pendingDelta != 0 {
		update = "ADD used :one, pending :pending SET updatedAt = :now"
		values[":pending"] = num(pendingDelta)
	}
	contract := types.TransactWriteItem{Update: &types.Update{
		TableName: s.table, Key: mustKey(contractKey(l.OrgID, l.ContractID)),
		UpdateExpression: aws.String(update),
		// A per-enrollment contract admits members without a cap: their
		// enrollments take its licences (Enroll).
		ConditionExpression: aws.String("attribute_exists(PK) AND startsMs <= :ms AND endsMs > :ms AND " +
			"(unlimited = :true OR licenceKind = :perEnrollment OR used < licences)"),
		ExpressionAttributeValues: values,
	}}
	programCounts := map[string]int{"members": 1, "joined": 1}
	orgCounts := map[string]int{"joined": 1}
	if pendingDelta != 0 {
		programCounts["invited"], orgCounts["invited"] = -1, -1
	}
	program := addCounters(s.table, programKey(l.OrgID, l.ProgramID), programCounts)
	// A program being deleted admits no one.
	program.Update.ConditionExpression = aws.String("attribute_exists(PK) AND attribute_not_exists(deleting)")
	return append([]types.TransactWriteItem{contract, program, addCounters(s.table, orgKey(l.OrgID), orgCounts)},
		trendAdds(s.table, l.OrgID, l.ProgramID, now, now, map[string]int{trendJoins: 1})...)
}

// join runs a join transaction whose first item writes the learner; it
// maps a failed condition on the learner to ECONFLICT and on the contract
// to the contract's refusal (ELIMIT).
func (s *Store) join(ctx context.Context, l bo.Learner, now time.Time, learner types.TransactWriteItem, pendingDelta int) error {
	items := append([]types.TransactWriteItem{learner}, s.licenceWrites(l, now, pendingDelta)...)
	return s.transact(ctx, items, func(i int) error {
		switch i {
		case 0:
			return bo.Errorf(bo.ECONFLICT, "%s changed at the same time", l.Email)
		case 1:
			return s.contractRefusal(ctx, l.OrgID, l.ContractID, now)
		}
		return bo.Errorf(bo.ENOTFOUND, "the program no longer exists")
	})
}

// Join makes the invited learner a member in one transaction: the learner
// moves from INVITED to MEMBER (an undeliverable mark goes: the invitation
// reached them), the contract's used licences go up by one under its cap
// and within its term, and the program's and org's counters move. The link
// stays, so that accepting again answers "already a member"; it can admit
// no one else, as it names this invitation only. It returns the learner as
// stored, ECONFLICT when the invitation changed in between (read it again),
// and ELIMIT when the contract is full or outside its term.
func (s *Store) Join(ctx context.Context, l bo.Learner, now time.Time) (bo.Learner, error) {
	cond, names, values := pendingCondition(l)
	set := memberIndexUpdate(l, now, names, values) + " REMOVE undeliverable, undeliverableReason, undeliverableAt"
	err := s.join(ctx, l, now, types.TransactWriteItem{Update: &types.Update{
		TableName: s.table, Key: mustKey(learnerKey(l.ProgramID, l.EmailKey)), UpdateExpression: aws.String(set),
		ConditionExpression: aws.String(cond), ExpressionAttributeNames: names, ExpressionAttributeValues: values,
	}}, -1)
	if err != nil {
		return bo.Learner{}, err
	}
	l = asMember(l, now)
	l.Undeliverable, l.UndeliverableReason, l.UndeliverableAt = false, "", nil
	return l, nil
}

// asMember is l as memberIndexUpdate leaves it: a member since now.
func asMember(l bo.Learner, now time.Time) bo.Learner {
	now = storedTime(now)
	l.State, l.JoinedAt, l.UpdatedAt = bo.StateMember, &now, now
	return l
}

// storedTime is t as the table gives it back: UTC, without a monotonic
// clock reading.
func storedTime(t time.Time) time.Time { return t.UTC().Round(0) }

// JoinByDomain makes a learner with no standing in the program a member
// (l is the new member, with the whitelisted domain's contract). It returns
// the learner as stored (created now), ECONFLICT when the learner has a
// standing in the program already (read it again), and ELIMIT when the
// contract is full or outside its term.
func (s *Store) JoinByDomain(ctx context.Context, l bo.Learner, now time.Time) (bo.Learner, error) {
	l = asMember(l, now)
	l.CreatedAt = l.UpdatedAt
	err := s.join(ctx, l, now, types.TransactWriteItem{Put: &types.Put{
		TableName: s.table, Item: marshal(newLearnerRecord(l)), ConditionExpression: aws.String("attribute_not_exists(PK)"),
	}}, 0)
	if err != nil {
		return bo.Learner{}, err
	}
	return l, nil
}

// Rejoin makes a learner removed with return allowed a member again, on the
// contract they had. It returns the learner as stored, ECONFLICT when the
// learner is no longer removed with return allowed, and ELIMIT when the
// contract is full or outside its term.
func (s *Store) Rejoin(ctx context.Context, l bo.Learner, now time.Time) (bo.Learner, error) {
	names := map[string]string{}
	values := map[string]types.AttributeValue{":removed": str(string(bo.StateDeletedMember)), ":true": &types.AttributeValueMemberBOOL{Value: true}}
	set := memberIndexUpdate(l, now, names, values) + " REMOVE removedAt, welcomeQueuedAt"
	err := s.join(ctx, l, now, types.TransactWriteItem{Update: &types.Update{
		TableName: s.table, Key: mustKey(learnerKey(l.ProgramID, l.EmailKey)), UpdateExpression: aws.String(set),
		ConditionExpression:      aws.String("#state = :removed AND allowReturn = :true"),
		ExpressionAttributeNames: names, ExpressionAttributeValues: values,
	}}, 0)
	if err != nil {
		return bo.Learner{}, err
	}
	l = asMember(l, now)
	l.RemovedAt, l.WelcomeQueuedAt = nil, nil
	return l, nil
}

// RemoveMember removes a member from the program in one transaction: the
// learner becomes DELETED_MEMBER with the removal time and whether they may
// return without an invitation, keeping everything else (their progress
// lives in their enrollments); their licence goes back to the contract and
// the program's member count drops. It returns ECONFLICT when the learner is
// not a member (any more).
func (s *Store) RemoveMember(ctx context.Context, l bo.Learner, allowReturn bool, now time.Time) error {
	gsi1pk, gsi1sk, gsi2pk, gsi2sk := learnerIndexKeys(l.ProgramID, string(bo.StateDeletedMember), l.EmailKey, l.FullName)
	at := str(now.UTC().Format(time.RFC3339Nano))
	items := []types.TransactWriteItem{
		{Update: &types.Update{
			TableName: s.table, Key: mustKey(learnerKey(l.ProgramID, l.EmailKey)),
			UpdateExpression: aws.String("SET #state = :removed, allowReturn = :allow, removedAt = :now, updatedAt = :now, " +
				"GSI1PK = :g1pk, GSI1SK = :g1sk, GSI2PK = :g2pk, GSI2SK = :g2sk"),
			ConditionExpression:      aws.String("#state = :member"),
			ExpressionAttributeNames: map[string]string{"#state": "state"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":removed": str(string(bo.StateDeletedMember)), ":member": str(string(bo.StateMember)),
				":allow": &types.AttributeValueMemberBOOL{Value: allowReturn}, ":now": at,
				":g1pk": str(gsi1pk), ":g1sk": str(gsi1sk), ":g2pk": str(gsi2pk), ":g2sk": str(gsi2sk),
			},
		}},
		addCounters(s.table, contractKey(l.OrgID, l.ContractID), map[string]int{"used": -1}),
		addCounters(s.table, programKey(l.OrgID, l.ProgramID), map[string]int{"members": -1}),
	}
	return s.transact(ctx, items, func(i int) error {
		if i == 0 {
			return bo.Errorf(bo.ECONFLICT, "%s is not a member of this program", l.Email)
		}
		return bo.Errorf(bo.ENOTFOUND, "the program or the contract no longer exists")
	})
}

// contractRefusal explains why a contract admitted no one: outside its
// term, or full.
func (s *Store) contractRefusal(ctx context.Context, orgID, contractID string, now time.Time) error {
	return s.refusal(ctx, orgID, contractID, now, "the program cannot admit new members", "the program is full: all %d licences of its contract are in use")
}

// refusal explains why a contract refused a licence: what (the refused
// act) outside its term, or full, said with the cap.
func (s *Store) refusal(ctx context.Context, orgID, contractID string, now time.Time, what, full string) error {
	c, err := s.GetContract(ctx, orgID, contractID)
	if err != nil {
		return err
	}
	switch c.Status(now) {
	case bo.ContractExpired:
		return bo.Errorf(bo.ELIMIT, "%s: its contract ended on %s", what, c.EndsAt.Format("2 January 2006"))
	case bo.ContractUpcoming:
		return bo.Errorf(bo.ELIMIT, "%s before %s, when its contract starts", what, c.StartsAt.Format("2 January 2006"))
	}
	return bo.Errorf(bo.ELIMIT, full, c.Licences)
}

// learnerCursor is the position after the last learner of a page: the
// index's sort key, with the list it belongs to (program, state, order and
// search), so that a cursor works only for the list that issued it.
type learnerCursor struct {
	Program string `json:"p"`
	State   string `json:"s"`
	ByName  bool   `json:"n,omitempty"`
	Prefix  string `json:"q,omitempty"`
	After   string `json:"k"`
}

func (c learnerCursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// parseLearnerCursor returns the sort key a cursor resumes after, and
// EINVALID for a cursor of another list.
func parseLearnerCursor(want learnerCursor, cursor string) (string, error) {
	if cursor == "" {
		return "", nil
	}
	var got learnerCursor
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err == nil {
		err = json.Unmarshal(b, &got)
	}
	want.After = got.After
	if err != nil || got != want || got.After == "" {
		return "", bo.Invalid("invalid cursor: use the nextCursor of the previous page of the same list",
			bo.FieldError{Field: "cursor", Message: "is not a cursor of this list"})
	}
	return got.After, nil
}

// maxSortKey is above every sort key: the highest code point.
const maxSortKey = "\U0010FFFF"

// ListLearners returns one page of the program's learners in a state, in
// email order (GSI1) or name order (GSI2), whose email or name starts with
// q.Prefix. It queries the learner shards in parallel, each for one more
// than a page, and merges them; the cursor is the last sort key returned.
func (s *Store) ListLearners(ctx context.Context, programID string, state bo.LearnerState, q invite.ListQuery) ([]bo.Learner, string, error) {
	list := learnerCursor{Program: programID, State: string(state), ByName: q.ByName, Prefix: q.Prefix}
	after, err := parseLearnerCursor(list, q.Cursor)
	if err != nil {
		return nil, "", err
	}
	index, skName := resources.IndexLearnersByEmail, resources.AttrGSI1SK
	pkName := resources.AttrGSI1PK
	if q.ByName {
		index, skName, pkName = resources.IndexLearnersByName, resources.AttrGSI2SK, resources.AttrGSI2PK
	}
	type shardPage struct {
		recs []learnerRecord
		more bool
		err  error
	}
	pages := make([]shardPage, LearnerShards)
	var wg sync.WaitGroup
	for shard := range LearnerShards {
		wg.Go(func() {
			in := &dynamodb.QueryInput{
				TableName: s.table, IndexName: aws.String(index), Limit: aws.Int32(int32(q.Limit + 1)),
				ExpressionAttributeNames:  map[string]string{"#pk": pkName, "#sk": skName},
				ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(learnerIndexPK(programID, string(state), shard))},
			}
			lo := max(q.Prefix, after)
			switch {
			case lo == "":
				delete(in.ExpressionAttributeNames, "#sk")
				in.KeyConditionExpression = aws.String("#pk = :pk")
			default:
				in.KeyConditionExpression = aws.String("#pk = :pk AND #sk BETWEEN :lo AND :hi")
				in.ExpressionAttributeValues[":lo"] = str(lo)
				in.ExpressionAttributeValues[":hi"] = str(q.Prefix + maxSortKey)
			}
			res, err := s.db.Query(ctx, in)
			if err != nil {
				pages[shard].err = fmt.Errorf("query learners of %s shard %d: %w", programID, shard, err)
				return
			}
			var recs []learnerRecord
			if err := attributevalue.UnmarshalListOfMaps(res.Items, &recs); err != nil {
				pages[shard].err = fmt.Errorf("decode learners: %w", err)
				return
			}
			pages[shard] = shardPage{recs: recs, more: len(res.LastEvaluatedKey) > 0}
		})
	}
	wg.Wait()
	var all []learnerRecord
	more := false
	for _, p := range pages {
		if p.err != nil {
			return nil, "", p.err
		}
		more = more || p.more
		for _, r := range p.recs {
			if sortKey(r, q.ByName) != after {
				all = append(all, r)
			}
		}
	}
	slices.SortFunc(all, func(a, b learnerRecord) int { return strings.Compare(sortKey(a, q.ByName), sortKey(b, q.ByName)) })
	if len(all) > q.Limit {
		all, more = all[:q.Limit], true
	}
	next := ""
	if more && len(all) > 0 {
		list.After = sortKey(all[len(all)-1], q.ByName)
		next = list.encode()
	}
	whole, err := s.wholeLearners(ctx, all)
	if err != nil {
		return nil, "", fmt.Errorf("list learners of %s: %w", programID, err)
	}
	out := make([]bo.Learner, len(whole))
	for i, r := range whole {
		out[i] = r.learner()
	}
	return out, next, nil
}

// wholeLearners reads whole, from the table, the learners of the index
// entries (GSI1 to GSI5 project only the keys and what the members view
// filters on), in the entries' order, with an eventually consistent
// BatchGetItem (as consistent as the index read, at half the cost of a
// strong read). A learner deleted since the index was read is left out. It
// returns the table's error.
func (s *Store) wholeLearners(ctx context.Context, entries []learnerRecord) ([]learnerRecord, error) {
	if len(entries) == 0 {
		return nil, nil
	}
	keys := make([]key, len(entries))
	for i, e := range entries {
		keys[i] = e.key
	}
	recs, err := batchRead[learnerRecord](ctx, s, keys, false)
	if err != nil {
		return nil, fmt.Errorf("read learners: %w", err)
	}
	byKey := make(map[key]learnerRecord, len(recs))
	for _, r := range recs {
		byKey[r.key] = r
	}
	out := make([]learnerRecord, 0, len(entries))
	for _, e := range entries {
		if r, ok := byKey[e.key]; ok {
			out = append(out, r)
		}
	}
	return out, nil
}

func sortKey(r learnerRecord, byName bool) string {
	if byName {
		return r.GSI2SK
	}
	return r.GSI1SK
}
