package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/activity"
	"github.com/learnops/backoffice/shared/domain/enroll"
	"github.com/learnops/backoffice/shared/domain/members"
)

const typeEnrollment = "Enrollment"

type enrollmentRecord struct {
	key
	meta
	OrgID           string     `dynamodbav:"orgId"`
	ProgramID       string     `dynamodbav:"programId"`
	EmailKey        string     `dynamodbav:"emailKey"`
	ItemID          string     `dynamodbav:"itemId"`
	ItemType        string     `dynamodbav:"itemType"`
	ItemName        string     `dynamodbav:"itemName"`
	CollectionID    string     `dynamodbav:"collectionId"`
	State           string     `dynamodbav:"state"`
	EnrolledAt      time.Time  `dynamodbav:"enrolledAt"`
	UnenrolledAt    *time.Time `dynamodbav:"unenrolledAt,omitempty"`
	Progress        float64    `dynamodbav:"progress"`
	LearningMinutes int        `dynamodbav:"learningMinutes"`
	Grade           *float64   `dynamodbav:"grade,omitempty"`
	CompletedAt     *time.Time `dynamodbav:"completedAt,omitempty"`
	LastActivityAt  *time.Time `dynamodbav:"lastActivityAt,omitempty"`
	GradeAt         *time.Time `dynamodbav:"gradeAt,omitempty"`
	// LessonsCompleted, LessonsTotal and Verified come from activity events.
	LessonsCompleted int  `dynamodbav:"lessonsCompleted,omitempty"`
	LessonsTotal     int  `dynamodbav:"lessonsTotal,omitempty"`
	Verified         bool `dynamodbav:"verified,omitempty"`
	Version          int  `dynamodbav:"version"`
}

func newEnrollmentRecord(e bo.Enrollment) enrollmentRecord {
	return enrollmentRecord{
		key: enrollmentKey(e.ProgramID, e.EmailKey, e.ItemID), meta: meta{Type: typeEnrollment, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt},
		OrgID: e.OrgID, ProgramID: e.ProgramID, EmailKey: e.EmailKey, ItemID: e.ItemID, ItemType: string(e.ItemType),
		ItemName: e.ItemName, CollectionID: e.CollectionID, State: string(e.State), EnrolledAt: e.EnrolledAt,
		UnenrolledAt: e.UnenrolledAt, Progress: e.Progress, LearningMinutes: e.LearningMinutes, Grade: e.Grade,
		CompletedAt: e.CompletedAt, LastActivityAt: e.LastActivityAt, GradeAt: e.GradeAt, Version: e.Version,
		LessonsCompleted: e.LessonsCompleted, LessonsTotal: e.LessonsTotal, Verified: e.Verified,
	}
}

func (r enrollmentRecord) enrollment() bo.Enrollment {
	return bo.Enrollment{
		OrgID: r.OrgID, ProgramID: r.ProgramID, EmailKey: r.EmailKey, ItemID: r.ItemID, ItemType: bo.ItemType(r.ItemType),
		ItemName: r.ItemName, CollectionID: r.CollectionID, State: bo.EnrollmentState(r.State), EnrolledAt: r.EnrolledAt,
		UnenrolledAt: r.UnenrolledAt, Progress: r.Progress, LearningMinutes: r.LearningMinutes, Grade: r.Grade,
		CompletedAt: r.CompletedAt, LastActivityAt: r.LastActivityAt, GradeAt: r.GradeAt, Version: r.Version,
		LessonsCompleted: r.LessonsCompleted, LessonsTotal: r.LessonsTotal, Verified: r.Verified,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

// GetEnrollment returns a member's enrollment in an item, or ENOTFOUND.
func (s *Store) GetEnrollment(ctx context.Context, programID, emailKey, itemID string) (bo.Enrollment, error) {
	var r enrollmentRecord
	if err := s.get(ctx, enrollmentKey(programID, emailKey, itemID), &r, "not enrolled in "+itemID); err != nil {
		return bo.Enrollment{}, err
	}
	return r.enrollment(), nil
}

// ListEnrollments returns every enrollment of a member, current or not
// (a member has at most one per catalogue item).
func (s *Store) ListEnrollments(ctx context.Context, programID, emailKey string) ([]bo.Enrollment, error) {
	k := enrollmentKey(programID, emailKey, "")
	recs, err := queryAll[enrollmentRecord](ctx, s, k.PK, k.SK)
	if err != nil {
		return nil, err
	}
	out := make([]bo.Enrollment, len(recs))
	for i, r := range recs {
		out[i] = r.enrollment()
	}
	return out, nil
}

// Enroll enrolls the member l (as read) in one transaction: the enrollment
// is written (new, or a past one made current again, keeping its
// progress), and the member's current enrollments go up by one under the
// program's limit (0: none), as do the item's enrolled count in the
// program; the first enrollment of a member marks their licence utilised
// and counts them as enrolled; the day's roll-ups count the enrollment
// (now's UTC day). It returns ECONFLICT when
// the member is enrolled already or changed in between, ELIMIT when the
// limit is reached or a per-enrollment contract has no licence left (or
// is outside its term), and EFORBIDDEN when l is no longer a member.
//
// A member's first enrollment in an item takes a licence of their
// contract (enrollmentLicence); enrolling again in an item left keeps the
// one taken. Which of the two it is comes from reading the enrollment,
// and the write is conditional on what was read: no enrollment, or one
// left.
func (s *Store) Enroll(ctx context.Context, l bo.Learner, e bo.Enrollment, limit int) error {
	now := e.UpdatedAt
	nowAV := str(now.UTC().Format(time.RFC3339Nano))
	past, err := s.GetEnrollment(ctx, e.ProgramID, e.EmailKey, e.ItemID)
	first := bo.ErrorCode(err) == bo.ENOTFOUND
	switch {
	case first:
	case err != nil:
		return err
	case past.State == bo.Enrolled:
		return bo.Errorf(bo.ECONFLICT, "already enrolled in %s", e.ItemName)
	}
	enrollCond := "#state = :unenrolled"
	if first {
		enrollCond = "attribute_not_exists(PK)"
	}
	enroll := types.TransactWriteItem{Update: &types.Update{
		TableName: s.table, Key: mustKey(enrollmentKey(e.ProgramID, e.EmailKey, e.ItemID)),
		UpdateExpression: aws.String("SET #type = :type, orgId = :org, programId = :program, emailKey = :email, itemId = :item, " +
			"itemType = :itemType, itemName = :itemName, collectionId = :collection, #state = :enrolled, enrolledAt = :now, " +
			"updatedAt = :now, createdAt = if_not_exists(createdAt, :now), progress = if_not_exists(progress, :zero), " +
			"learningMinutes = if_not_exists(learningMinutes, :zeroInt), version = if_not_exists(version, :zeroInt) + :oneInt REMOVE unenrolledAt"),
		ConditionExpression:      aws.String(enrollCond),
		ExpressionAttributeNames: map[string]string{"#state": "state", "#type": "type"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":type": str(typeEnrollment), ":org": str(e.OrgID), ":program": str(e.ProgramID), ":email": str(e.EmailKey),
			":item": str(e.ItemID), ":itemType": str(string(e.ItemType)), ":itemName": str(e.ItemName),
			":collection": str(e.CollectionID), ":enrolled": str(string(bo.Enrolled)), ":unenrolled": str(string(bo.Unenrolled)),
			":now": nowAV, ":zero": &types.AttributeValueMemberN{Value: "0"}, ":zeroInt": num(0), ":oneInt": num(1),
		},
	}}
	utilised := l.UtilisedAt == nil
	// The GSI7 key (by enrollments) is set with the count it follows, so
	// the write holds only on the count read: a concurrent enrollment of
	// the same member fails it (ECONFLICT, retry) rather than leave the key
	// one behind.
	cond := "#state = :member AND " + countIs("enrollments", ":enrollments", l.Enrollments)
	update := "ADD currentEnrollments :one, enrollments :one, currentItems :item SET GSI7SK = :g7"
	values := map[string]types.AttributeValue{":member": str(string(bo.StateMember)), ":one": num(1),
		":item": &types.AttributeValueMemberSS{Value: []string{e.ItemID}}, ":enrollments": num(l.Enrollments),
		":g7": str(learnerCountKey(l.Enrollments+1, l.EmailKey))}
	if limit > 0 {
		cond += " AND (attribute_not_exists(currentEnrollments) OR currentEnrollments < :limit)"
		values[":limit"] = num(limit)
	}
	if utilised {
		cond += " AND attribute_not_exists(utilisedAt)"
		update += ", utilisedAt = :now"
		values[":now"] = nowAV
	} else {
		cond += " AND attribute_exists(utilisedAt)"
	}
	learner := types.TransactWriteItem{Update: &types.Update{
		TableName: s.table, Key: mustKey(learnerKey(l.ProgramID, l.EmailKey)), UpdateExpression: aws.String(update),
		ConditionExpression: aws.String(cond), ExpressionAttributeNames: map[string]string{"#state": "state"}, ExpressionAttributeValues: values,
	}}
	programCounts, orgCounts := map[string]int{"enrollments": 1}, map[string]int{"enrollments": 1}
	items := []types.TransactWriteItem{enroll, learner}
	if utilised {
		programCounts["enrolled"], orgCounts["enrolled"] = 1, 1
	}
	contract, touches := s.enrollmentLicence(l, first, utilised, now)
	if touches {
		items = append(items, contract)
	}
	items = append(items, addCounters(s.table, programKey(l.OrgID, l.ProgramID), programCounts),
		addCounters(s.table, orgKey(l.OrgID), orgCounts),
		countItem(s.table, l.ProgramID, e.ItemID, map[string]int{"enrolled": 1}))
	items = append(items, trendAdds(s.table, l.OrgID, l.ProgramID, now, now, map[string]int{trendEnrollments: 1})...)
	return s.transact(ctx, items, func(i int) error {
		switch {
		case i == 0:
			return bo.Errorf(bo.ECONFLICT, "your enrollment in %s changed at the same time; retry", e.ItemName)
		case i == 2 && touches:
			return s.enrollmentRefusal(ctx, l, now)
		case i != 1:
			return bo.Errorf(bo.ENOTFOUND, "the program or the contract no longer exists")
		}
		now, err := s.GetLearner(ctx, l.ProgramID, l.EmailKey)
		switch {
		case err != nil || now.State != bo.StateMember:
			return bo.Errorf(bo.EFORBIDDEN, "only members of the program may enroll")
		case limit > 0 && now.CurrentEnrollments >= limit:
			return bo.Errorf(bo.ELIMIT, "the program's enrollment limit of %d current enrollments is reached: unenroll from one first", limit)
		}
		return bo.Errorf(bo.ECONFLICT, "your enrollments changed at the same time; retry")
	})
}

// Unenroll ends a current enrollment, keeping its progress, and frees one
// of the member's enrollment places (the item's enrolled count in the
// program drops by one with it). It returns ENOTFOUND when the member is
// not currently enrolled in the item.
func (s *Store) Unenroll(ctx context.Context, l bo.Learner, itemID string, now time.Time) error {
	nowAV := str(now.UTC().Format(time.RFC3339Nano))
	items := []types.TransactWriteItem{
		{Update: &types.Update{
			TableName: s.table, Key: mustKey(enrollmentKey(l.ProgramID, l.EmailKey, itemID)),
			UpdateExpression:          aws.String("SET #state = :unenrolled, unenrolledAt = :now, updatedAt = :now, version = version + :one"),
			ConditionExpression:       aws.String("#state = :enrolled"),
			ExpressionAttributeNames:  map[string]string{"#state": "state"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":unenrolled": str(string(bo.Unenrolled)), ":enrolled": str(string(bo.Enrolled)), ":now": nowAV, ":one": num(1)},
		}},
		{Update: &types.Update{
			TableName: s.table, Key: mustKey(learnerKey(l.ProgramID, l.EmailKey)),
			UpdateExpression:          aws.String("ADD currentEnrollments :minus DELETE currentItems :item"),
			ConditionExpression:       aws.String("attribute_exists(PK)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":minus": num(-1), ":item": &types.AttributeValueMemberSS{Value: []string{itemID}}},
		}},
		countItem(s.table, l.ProgramID, itemID, map[string]int{"enrolled": -1}),
	}
	return s.transact(ctx, items, func(int) error {
		return bo.Errorf(bo.ENOTFOUND, "not currently enrolled in %s", itemID)
	})
}

var (
	_ enroll.Store   = (*Store)(nil)
	_ activity.Store = (*Store)(nil)
)

// SaveProgress writes an enrollment's progress from activity events if it
// is still at the version read (prev: every write of an enrollment bumps
// its version), with the counters that move: the learning minutes added,
// and a first completion (the learner's, the program's, the org's and the
// item's completed count in the program), which the roll-ups of at's UTC
// day (the event's time) count too. It returns ECONFLICT when the
// enrollment changed in between.
func (s *Store) SaveProgress(ctx context.Context, prev, next bo.Enrollment, at time.Time) error {
	now := time.Now().UTC()
	next.Version, next.UpdatedAt = prev.Version+1, now
	rec := newEnrollmentRecord(next)
	put := types.TransactWriteItem{Put: &types.Put{
		TableName: s.table, Item: marshal(rec),
		ConditionExpression:       aws.String("version = :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": num(prev.Version)},
	}}
	items := []types.TransactWriteItem{put}
	programCounts, orgCounts := map[string]int{}, map[string]int{}
	if d := next.LearningMinutes - prev.LearningMinutes; d > 0 {
		programCounts["learningMinutes"], orgCounts["learningMinutes"] = d, d
	}
	completes := prev.CompletedAt == nil && next.CompletedAt != nil
	if completes {
		programCounts["completions"], orgCounts["completions"] = 1, 1
		completion, err := s.learnerCompletion(ctx, next)
		if err != nil {
			return err
		}
		items = append(items, completion, countItem(s.table, next.ProgramID, next.ItemID, map[string]int{"completed": 1}))
	}
	if len(programCounts) > 0 {
		items = append(items, addCounters(s.table, programKey(next.OrgID, next.ProgramID), programCounts),
			addCounters(s.table, orgKey(next.OrgID), orgCounts))
		items = append(items, trendAdds(s.table, next.OrgID, next.ProgramID, at, now, map[string]int{
			trendLearningMinutes: programCounts["learningMinutes"], trendCompletions: programCounts["completions"]})...)
	}
	return s.transact(ctx, items, func(i int) error {
		if i == 0 || (i == 1 && completes) {
			// The enrollment, or the learner's completions (a concurrent
			// first completion), changed since read: the caller retries.
			return bo.Errorf(bo.ECONFLICT, "the enrollment of %s in %s changed at the same time", next.EmailKey, next.ItemID)
		}
		return bo.Errorf(bo.ENOTFOUND, "the learner or the program no longer exists")
	})
}

// countIs is the condition that a learner's counter attr (absent on items
// written before it was kept reads as 0) holds n, the value read, as the
// placeholder name.
func countIs(attr, name string, n int) string {
	if n == 0 {
		return "(attribute_not_exists(" + attr + ") OR " + attr + " = " + name + ")"
	}
	return attr + " = " + name
}

// learnerCompletion returns the update of the learner item that counts
// a first completion of theirs: completions up by one and the GSI8 key
// (by completions) set to the new count, under the count read just now
// (a strongly consistent read of the learner: first completions are rare,
// and the write must know the count to key it). A concurrent completion
// fails the condition and the transaction (ECONFLICT); the activity path
// retries. It returns ENOTFOUND when the learner is gone, and the store's
// errors.
func (s *Store) learnerCompletion(ctx context.Context, e bo.Enrollment) (types.TransactWriteItem, error) {
	k := learnerKey(e.ProgramID, e.EmailKey)
	res, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: s.table, Key: mustKey(k), ConsistentRead: aws.Bool(true),
		ProjectionExpression: aws.String("completions")})
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("read the completions of %s: %w", e.EmailKey, err)
	}
	if res.Item == nil {
		return types.TransactWriteItem{}, bo.Errorf(bo.ENOTFOUND, "the learner or the program no longer exists")
	}
	var read struct {
		Completions int `dynamodbav:"completions"`
	}
	if err := attributevalue.UnmarshalMap(res.Item, &read); err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("read the completions of %s: %w", e.EmailKey, err)
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName: s.table, Key: mustKey(k), UpdateExpression: aws.String("ADD completions :one SET GSI8SK = :g8"),
		ConditionExpression: aws.String("attribute_exists(PK) AND " + countIs("completions", ":read", read.Completions)),
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1), ":read": num(read.Completions),
			":g8": str(learnerCountKey(read.Completions+1, e.EmailKey))},
	}}, nil
}

// activityKeyMoves reports whether activity at t moves the learner's GSI5
// key from the one of the learner as read: onto a later day. The key a
// concurrent event wrote can only be later than the one read, so when t's
// day is not later than the read key's, the stored key needs no change;
// when it is, the write sets it (again, if another event of the day did,
// which costs nothing: the value does not change).
func activityKeyMoves(l bo.Learner, t time.Time) bool {
	_, _, read := learnerSortKeys(l.EmailKey, l.JoinedAt, l.InvitedAt, l.LastActivityAt)
	_, _, next := learnerSortKeys(l.EmailKey, l.JoinedAt, l.InvitedAt, &t)
	return next > read
}

// TouchLearner records the member's latest activity, and latest completion
// when completed is set, each only when later than the stored one. It
// moves the learner's GSI5 key only when the activity falls on a later day
// than the learner's as read (activityKeyMoves).
func (s *Store) TouchLearner(ctx context.Context, l bo.Learner, lastActivity time.Time, completed *time.Time) error {
	set := func(field string, at time.Time) error {
		update := "SET #at = :at, #ms = :ms"
		values := map[string]types.AttributeValue{
			":at": str(at.UTC().Format(time.RFC3339Nano)), ":ms": &types.AttributeValueMemberN{Value: fmt.Sprint(at.UnixMilli())},
		}
		if field == "lastActivity" && activityKeyMoves(l, at) {
			// The members view sorts and filters by the day of the latest
			// activity; a later event of the same day leaves the index keys
			// (and so GSI1 to GSI5) alone.
			_, _, g5 := learnerSortKeys(l.EmailKey, l.JoinedAt, l.InvitedAt, &at)
			update += ", GSI5SK = :g5"
			values[":g5"] = str(g5)
		}
		_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: s.table, Key: mustKey(learnerKey(l.ProgramID, l.EmailKey)),
			UpdateExpression:          aws.String(update),
			ConditionExpression:       aws.String("attribute_exists(PK) AND (attribute_not_exists(#ms) OR #ms < :ms)"),
			ExpressionAttributeNames:  map[string]string{"#at": field + "At", "#ms": field + "Ms"},
			ExpressionAttributeValues: values,
		})
		if err != nil && !isConditionFailed(err) {
			return fmt.Errorf("record %s of %s: %w", field, l.EmailKey, err)
		}
		return nil
	}
	if err := set("lastActivity", lastActivity); err != nil {
		return err
	}
	if completed != nil {
		return set("lastCompletion", *completed)
	}
	return nil
}

var _ members.Store = (*Store)(nil)
