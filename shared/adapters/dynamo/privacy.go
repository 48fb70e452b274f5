package dynamo

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/learnops/backoffice/shared/app/resources"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/audit"
	"github.com/learnops/backoffice/shared/domain/invite"
	"github.com/learnops/backoffice/shared/domain/messaging"
	"github.com/learnops/backoffice/shared/domain/privacy"
)

var _ privacy.Store = (*Store)(nil)

const (
	typeDataExport = "DataExport"
	typeErasure    = "Erasure"
	typeTombstone  = "Tombstone"
)

// privacyJobRecord is a personal-data export or erasure: it keeps the
// person's digest, never their address.
type privacyJobRecord struct {
	key
	meta
	ID          string           `dynamodbav:"id"`
	OrgID       string           `dynamodbav:"orgId"`
	Kind        string           `dynamodbav:"kind"`
	Status      string           `dynamodbav:"status"`
	Progress    privacy.Progress `dynamodbav:"progress"`
	Counts      map[string]int   `dynamodbav:"counts"`
	Error       string           `dynamodbav:"error,omitempty"`
	AnonymousID string           `dynamodbav:"anonymousId,omitempty"`
	Subject     string           `dynamodbav:"subject"`
	Requester   string           `dynamodbav:"requester,omitempty"`
	RequestedBy string           `dynamodbav:"requestedBy"`
	// RequestedByEmail and RequestedByRole are the asker's, for the
	// erasure's audit record of its outcome.
	RequestedByEmail string     `dynamodbav:"requestedByEmail,omitempty"`
	RequestedByRole  string     `dynamodbav:"requestedByRole,omitempty"`
	FileKey          string     `dynamodbav:"fileKey,omitempty"`
	FinishedAt       *time.Time `dynamodbav:"finishedAt,omitempty"`
	ExpiresAt        *int64     `dynamodbav:"expiresAt,omitempty"`
}

func newPrivacyJobRecord(j privacy.Job) privacyJobRecord {
	typ := typeDataExport
	if j.Kind == privacy.KindErasure {
		typ = typeErasure
	}
	r := privacyJobRecord{key: privacyJobKey(j.OrgID, j.Kind == privacy.KindErasure, j.ID),
		meta: meta{Type: typ, CreatedAt: j.CreatedAt, UpdatedAt: j.UpdatedAt},
		ID:   j.ID, OrgID: j.OrgID, Kind: string(j.Kind), Status: string(j.Status), Progress: j.Progress, Counts: j.Counts,
		Error: j.Error, AnonymousID: j.AnonymousID, Subject: j.Subject, Requester: j.Requester, RequestedBy: j.RequestedBy,
		FileKey: j.FileKey, FinishedAt: j.FinishedAt, RequestedByEmail: j.Actor.Email, RequestedByRole: j.Actor.Role}
	if j.ExpiresAt != nil {
		at := j.ExpiresAt.Unix()
		r.ExpiresAt = &at
	}
	return r
}

func (r privacyJobRecord) job() privacy.Job {
	j := privacy.Job{ID: r.ID, OrgID: r.OrgID, Kind: privacy.Kind(r.Kind), Status: privacy.Status(r.Status), Progress: r.Progress,
		Counts: r.Counts, Error: r.Error, AnonymousID: r.AnonymousID, Subject: r.Subject, Requester: r.Requester,
		RequestedBy: r.RequestedBy, FileKey: r.FileKey, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, FinishedAt: r.FinishedAt,
		Actor: audit.Actor{Subject: r.RequestedBy, Email: r.RequestedByEmail, Role: r.RequestedByRole}}
	if j.Counts == nil {
		j.Counts = map[string]int{}
	}
	if r.ExpiresAt != nil {
		at := time.Unix(*r.ExpiresAt, 0).UTC()
		j.ExpiresAt = &at
	}
	return j
}

// CreatePrivacyJob writes a new export or erasure job. It returns ECONFLICT
// when its id is taken, and the table's error.
func (s *Store) CreatePrivacyJob(ctx context.Context, j privacy.Job) error {
	return s.putIf(ctx, marshal(newPrivacyJobRecord(j)), "attribute_not_exists(PK)", nil, nil,
		bo.Errorf(bo.ECONFLICT, "job %s exists", j.ID), "create "+string(j.Kind)+" "+j.ID)
}

// GetPrivacyJob returns a job of the org, or ENOTFOUND.
func (s *Store) GetPrivacyJob(ctx context.Context, orgID string, kind privacy.Kind, id string) (privacy.Job, error) {
	var r privacyJobRecord
	if err := s.get(ctx, privacyJobKey(orgID, kind == privacy.KindErasure, id), &r, "no such "+string(kind)); err != nil {
		return privacy.Job{}, err
	}
	return r.job(), nil
}

// PutPrivacyJob writes the job over the stored one. It returns ENOTFOUND
// when the job is gone, and the table's error.
func (s *Store) PutPrivacyJob(ctx context.Context, j privacy.Job) error {
	return s.putIf(ctx, marshal(newPrivacyJobRecord(j)), "attribute_exists(PK)", nil, nil,
		bo.Errorf(bo.ENOTFOUND, "no such %s", j.Kind), "update "+string(j.Kind)+" "+j.ID)
}

type tombstoneRecord struct {
	key
	meta
	OrgID       string    `dynamodbav:"orgId"`
	AnonymousID string    `dynamodbav:"anonymousId"`
	ErasureID   string    `dynamodbav:"erasureId"`
	ErasedAt    time.Time `dynamodbav:"erasedAt"`
}

// PutTombstone writes the tombstone of a person unless one stands, and
// returns the one that stands (the first erasure's anonymous id is kept).
// It returns the table's error.
func (s *Store) PutTombstone(ctx context.Context, t privacy.Tombstone) (privacy.Tombstone, error) {
	k := tombstoneKey(t.OrgID, t.Subject)
	r := tombstoneRecord{key: k, meta: meta{Type: typeTombstone, CreatedAt: t.ErasedAt, UpdatedAt: t.ErasedAt},
		OrgID: t.OrgID, AnonymousID: t.AnonymousID, ErasureID: t.ErasureID, ErasedAt: t.ErasedAt}
	exists := bo.Errorf(bo.ECONFLICT, "erased already")
	err := s.putIf(ctx, marshal(r), "attribute_not_exists(PK)", nil, nil, exists, "put tombstone")
	if err == exists {
		if err := s.get(ctx, k, &r, "tombstone gone"); err != nil {
			return privacy.Tombstone{}, err
		}
	} else if err != nil {
		return privacy.Tombstone{}, err
	}
	return privacy.Tombstone{OrgID: r.OrgID, Subject: t.Subject, AnonymousID: r.AnonymousID, ErasureID: r.ErasureID, ErasedAt: r.ErasedAt}, nil
}

// Erased returns which of the email keys are of people erased from the org
// (a tombstone stands), with BatchGetItem, 100 keys a call. It returns the
// table's error.
func (s *Store) Erased(ctx context.Context, orgID string, emailKeys []string) (map[string]bool, error) {
	byDigest := map[string]string{}
	var keys []key
	for _, k := range emailKeys {
		d := bo.PersonDigest(orgID, k)
		if _, ok := byDigest[d]; !ok {
			byDigest[d] = k
			keys = append(keys, tombstoneKey(orgID, d))
		}
	}
	recs, err := batchGet[key](ctx, s, keys)
	if err != nil {
		return nil, fmt.Errorf("tombstones: %w", err)
	}
	out := map[string]bool{}
	for _, r := range recs {
		out[byDigest[strings.TrimPrefix(r.SK, prefixErased)]] = true
	}
	return out, nil
}

// ClearErasure deletes the tombstone of the address in the org, if any: an
// admin invites the person again on purpose. It returns the table's error.
func (s *Store) ClearErasure(ctx context.Context, orgID, emailKey string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: s.table, Key: mustKey(tombstoneKey(orgID, bo.PersonDigest(orgID, emailKey)))})
	if err != nil {
		return fmt.Errorf("clear tombstone: %w", err)
	}
	return nil
}

// IsOrgAdmin reports whether the address is an admin of the org.
func (s *Store) IsOrgAdmin(ctx context.Context, orgID, emailKey string) (bool, error) {
	_, err := s.GetAdmin(ctx, orgID, emailKey)
	if bo.ErrorCode(err) == bo.ENOTFOUND {
		return false, nil
	}
	return err == nil, err
}

// personIndexEntry is an item of one person on GSI6: a learner item
// (PROGRAM#<pid>) or an invitation link (TOKEN#<pid>).
type personIndexEntry struct {
	key
	GSI6SK    string `dynamodbav:"GSI6SK"`
	OrgID     string `dynamodbav:"orgId"`
	ProgramID string `dynamodbav:"programId"`
}

// personIndex returns the person's entries on GSI6 whose sort key begins
// with prefix, in every org.
func (s *Store) personIndex(ctx context.Context, emailKey, prefix string) ([]personIndexEntry, error) {
	in := &dynamodb.QueryInput{
		TableName: s.table, IndexName: aws.String(resources.IndexProgramsByEmail),
		KeyConditionExpression:    aws.String("#pk = :pk AND begins_with(#sk, :prefix)"),
		ExpressionAttributeNames:  map[string]string{"#pk": resources.AttrGSI6PK, "#sk": resources.AttrGSI6SK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(emailIndexPK(emailKey)), ":prefix": str(prefix)},
	}
	return queryEvery[personIndexEntry](ctx, s, in, "person index")
}

// personLearners returns the person's learner items in the org, read
// whole (strongly consistent), and whether they have any in another org.
func (s *Store) personLearners(ctx context.Context, orgID, emailKey string) ([]bo.Learner, bool, error) {
	entries, err := s.personIndex(ctx, emailKey, prefixProgram)
	if err != nil {
		return nil, false, err
	}
	var out []bo.Learner
	elsewhere := false
	for _, e := range entries {
		if e.OrgID != orgID {
			elsewhere = true
			continue
		}
		l, err := s.GetLearner(ctx, e.ProgramID, emailKey)
		if bo.ErrorCode(err) == bo.ENOTFOUND {
			continue // the index lags a write that moved it
		} else if err != nil {
			return nil, false, err
		}
		out = append(out, l)
	}
	return out, elsewhere, nil
}

// orgMessages returns the org's messages.
func (s *Store) orgMessages(ctx context.Context, orgID string) ([]messageRecord, error) {
	return queryAll[messageRecord](ctx, s, orgPK(orgID), "MESSAGE#")
}

// personDeliveries returns the person's delivery records of the org's
// messages, each with its message.
func (s *Store) personDeliveries(ctx context.Context, orgID, emailKey string) ([]deliveryRecord, map[string]messageRecord, error) {
	msgs, err := s.orgMessages(ctx, orgID)
	if err != nil {
		return nil, nil, err
	}
	byCampaign := map[string]messageRecord{}
	var keys []key
	for _, m := range msgs {
		c := messaging.Campaign(orgID, m.ID)
		byCampaign[c] = m
		keys = append(keys, deliveryKey(c, emailKey))
	}
	out, err := batchGet[deliveryRecord](ctx, s, keys)
	if err != nil {
		return nil, nil, fmt.Errorf("deliveries: %w", err)
	}
	return out, byCampaign, nil
}

// PersonalData returns, by section, every item of the org that names the
// person: their learner items (profile, invitations, memberships), their
// enrollments (and the activity in them), the org's messages delivered to
// them with the delivery records, their suppression, opt-out and message
// cap, and their own personal-data exports. No section is read with a
// Scan: GSI6 finds the person's programs, the rest are keys and Queries of
// the org. It returns the table's error.
func (s *Store) PersonalData(ctx context.Context, orgID string, email bo.Email) (privacy.Sections, error) {
	out := privacy.Sections{}
	add := func(section string, r privacy.Record) { out[section] = append(out[section], r) }
	learners, _, err := s.personLearners(ctx, orgID, email.Key)
	if err != nil {
		return nil, err
	}
	for _, l := range learners {
		add("profile", privacy.Record{"programId": l.ProgramID, "email": l.Email, "fullName": l.FullName, "externalId": l.ExternalID})
		if l.InvitedAt != nil {
			add("invitations", privacy.Record{"programId": l.ProgramID, "invitationId": l.InvitationID, "invitedAt": l.InvitedAt,
				"contractId": l.ContractID, "importId": l.ImportID, "emailQueuedAt": l.EmailQueuedAt, "undeliverable": l.Undeliverable,
				"undeliverableReason": l.UndeliverableReason, "undeliverableAt": l.UndeliverableAt})
		}
		add("memberships", privacy.Record{"programId": l.ProgramID, "state": string(l.State), "contractId": l.ContractID,
			"joinedAt": l.JoinedAt, "removedAt": l.RemovedAt, "allowReturn": l.AllowReturn, "utilisedAt": l.UtilisedAt,
			"currentEnrollments": l.CurrentEnrollments, "completions": l.Completions, "lastActivityAt": l.LastActivityAt})
		enrollments, err := s.ListEnrollments(ctx, l.ProgramID, email.Key)
		if err != nil {
			return nil, err
		}
		for _, e := range enrollments {
			add("enrollments", privacy.Record{"programId": e.ProgramID, "itemId": e.ItemID, "itemType": string(e.ItemType),
				"itemName": e.ItemName, "collectionId": e.CollectionID, "state": string(e.State), "enrolledAt": e.EnrolledAt,
				"unenrolledAt": e.UnenrolledAt})
			if e.LastActivityAt != nil || e.CompletedAt != nil || e.Progress > 0 || e.LearningMinutes > 0 {
				r := privacy.Record{"programId": e.ProgramID, "itemId": e.ItemID, "progress": e.Progress,
					"learningMinutes": e.LearningMinutes, "completedAt": e.CompletedAt, "lastActivityAt": e.LastActivityAt}
				if e.Grade != nil {
					r["grade"] = *e.Grade
				}
				add("activity", r)
			}
		}
	}
	deliveries, messages, err := s.personDeliveries(ctx, orgID, email.Key)
	if err != nil {
		return nil, err
	}
	for _, d := range deliveries {
		m := messages[d.Campaign]
		add("messages", privacy.Record{"messageId": m.ID, "subject": m.Subject, "content": m.Content,
			"senderName": m.SenderName, "sentAt": m.SentAt})
		add("deliveries", privacy.Record{"messageId": m.ID, "programId": d.ProgramID, "outcome": d.Outcome, "plannedAt": d.CreatedAt})
	}
	contacts, err := batchGet[contactRecord](ctx, s, []key{suppressionKey(email.Key), optOutKey(email.Key, orgID), capKey(email.Key, orgID)})
	if err != nil {
		return nil, fmt.Errorf("contact records: %w", err)
	}
	for _, c := range contacts {
		r := privacy.Record{"kind": c.Type, "at": c.CreatedAt, "updatedAt": c.UpdatedAt}
		if c.Reason != "" {
			r["reason"] = c.Reason
		}
		add("suppression", r)
	}
	exports, err := s.personalExports(ctx, orgID, bo.PersonDigest(orgID, email.Key))
	if err != nil {
		return nil, err
	}
	for _, e := range exports {
		add("exports", privacy.Record{"id": e.ID, "status": e.Status, "requestedAt": e.CreatedAt})
	}
	return out, nil
}

// personalExports returns the org's personal-data exports of the person
// (by digest): a Query of the org's exports, filtered on the subject.
func (s *Store) personalExports(ctx context.Context, orgID, subject string) ([]privacyJobRecord, error) {
	in := &dynamodb.QueryInput{TableName: s.table, ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :prefix)"),
		FilterExpression:          aws.String("subject = :subject"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(orgPK(orgID)), ":prefix": str(prefixDataExport), ":subject": str(subject)}}
	return queryEvery[privacyJobRecord](ctx, s, in, "personal exports")
}

// DeletePersonalExports deletes the org's personal-data exports of the
// person (by digest) and returns their files' keys. It returns the table's
// error.
func (s *Store) DeletePersonalExports(ctx context.Context, orgID, subject string) ([]string, error) {
	recs, err := s.personalExports(ctx, orgID, subject)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, r := range recs {
		if _, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: s.table, Key: mustKey(r.key)}); err != nil {
			return nil, fmt.Errorf("delete export %s: %w", r.ID, err)
		}
		if r.FileKey != "" {
			files = append(files, r.FileKey)
		}
	}
	return files, nil
}

// EraseItems erases the person from the org's items, each change a
// conditional write or a transaction, so that a second run changes
// nothing and no count moves twice:
//
//   - each learner item, with its enrollments and reminders, is moved in
//     one transaction to the anonymous address (the old ones deleted under
//     attribute_exists, the new ones put under attribute_not_exists), its
//     name, external id and bounce detail dropped, its state, dates and
//     counters kept: no counter of the org, program or contract moves, so
//     summaries and report totals stay as they were;
//   - their invitation links (GSI6 TOKEN#) and delivery records are
//     deleted, and the org's messages picked for them by hand name the
//     anonymous address instead;
//   - the org's member exports searched by their address, and bulk
//     resends that picked them, name the anonymous address instead;
//   - their opt-out from the org's mail and their message cap are
//     deleted, and their suppression too unless they are a learner of
//     another org (it is kept for that org's mail).
//
// It returns what it changed, by kind, and the table's error.
func (s *Store) EraseItems(ctx context.Context, orgID string, email, anon bo.Email) (map[string]int, error) {
	counts := map[string]int{}
	learners, elsewhere, err := s.personLearners(ctx, orgID, email.Key)
	if err != nil {
		return nil, err
	}
	for _, l := range learners {
		n, err := s.anonymiseLearner(ctx, l, anon)
		if err != nil {
			return nil, err
		}
		if n >= 0 {
			counts["learners"]++
			counts["enrollments"] += n
		}
	}
	tokens, err := s.personIndex(ctx, email.Key, "TOKEN#")
	if err != nil {
		return nil, err
	}
	for _, t := range tokens {
		if t.OrgID != orgID {
			continue
		}
		if deleted, err := s.deleteExisting(ctx, t.key); err != nil {
			return nil, err
		} else if deleted {
			counts["invitationLinks"]++
		}
	}
	deliveries, messages, err := s.personDeliveries(ctx, orgID, email.Key)
	if err != nil {
		return nil, err
	}
	for _, d := range deliveries {
		if deleted, err := s.deleteExisting(ctx, d.key); err != nil {
			return nil, err
		} else if deleted {
			counts["deliveries"]++
		}
	}
	for _, m := range messages {
		if changed, err := s.anonymiseMessage(ctx, m, email.Key, anon.Key); err != nil {
			return nil, err
		} else if changed {
			counts["messages"]++
		}
	}
	n, err := s.anonymiseSelections(ctx, orgID, email.Key, anon.Key)
	if err != nil {
		return nil, err
	}
	counts["memberJobs"] += n
	contacts := []key{optOutKey(email.Key, orgID), capKey(email.Key, orgID)}
	if !elsewhere {
		contacts = append(contacts, suppressionKey(email.Key))
	}
	for _, k := range contacts {
		if deleted, err := s.deleteExisting(ctx, k); err != nil {
			return nil, err
		} else if deleted {
			counts["contactRecords"]++
		}
	}
	return counts, nil
}

// deleteExisting deletes the item and reports whether it was there.
func (s *Store) deleteExisting(ctx context.Context, k key) (bool, error) {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: s.table, Key: mustKey(k),
		ConditionExpression: aws.String("attribute_exists(PK)")})
	if isConditionFailed(err) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("delete %s %s: %w", k.PK, k.SK, err)
	}
	return true, nil
}

// maxAnonymisedEnrollments is how many enrollments the transaction that
// moves a learner item carries with it (100 items: the learner's two, two
// reminders, two per enrollment); enrollmentMoveChunk is how many a
// transaction of enrollments alone moves before it (two items each).
const (
	maxAnonymisedEnrollments = 48
	enrollmentMoveChunk      = 50
)

// anonymiseLearner moves one learner item and its enrollments to the
// anonymous address. A learner with more enrollments than one transaction
// carries has them moved first, enrollmentMoveChunk a transaction, and the
// learner item last with the rest: a run stopped part way leaves the
// learner where it was, and the next run moves the enrollments still under
// the address. It returns the enrollments moved, or -1 when another run
// moved the learner first; ECONFLICT when another run moves the same
// enrollments at the same moment (the erasure is retried).
func (s *Store) anonymiseLearner(ctx context.Context, l bo.Learner, anon bo.Email) (int, error) {
	enrollments, err := s.ListEnrollments(ctx, l.ProgramID, l.EmailKey)
	if err != nil {
		return 0, err
	}
	moved := 0
	for len(enrollments) > maxAnonymisedEnrollments {
		chunk := enrollments[:min(enrollmentMoveChunk, len(enrollments)-maxAnonymisedEnrollments)]
		err := s.transact(ctx, s.moveEnrollments(l, anon, chunk), func(int) error {
			return bo.Errorf(bo.ECONFLICT, "enrollments of program %s moved by another run; retry", l.ProgramID)
		})
		if err != nil {
			return 0, fmt.Errorf("anonymise enrollments of program %s: %w", l.ProgramID, err)
		}
		moved += len(chunk)
		enrollments = enrollments[len(chunk):]
	}
	oldKey := learnerKey(l.ProgramID, l.EmailKey)
	a := l
	a.Email, a.EmailKey, a.FullName, a.ExternalID = anon.Display, anon.Key, "", ""
	if a.UndeliverableReason != "" {
		a.UndeliverableReason = "erased"
	}
	items := []types.TransactWriteItem{
		{Delete: &types.Delete{TableName: s.table, Key: mustKey(oldKey), ConditionExpression: aws.String("attribute_exists(PK)")}},
		putNew(s.table, newLearnerRecord(a)),
	}
	if l.InvitedAt != nil {
		for n := 1; n <= 2; n++ {
			items = append(items, types.TransactWriteItem{Delete: &types.Delete{TableName: s.table, Key: mustKey(reminderKey(l.ProgramID, l.EmailKey, *l.InvitedAt, n))}})
		}
	}
	items = append(items, s.moveEnrollments(l, anon, enrollments)...)
	gone := bo.Errorf(bo.ECONFLICT, "moved already")
	err = s.transact(ctx, items, func(int) error { return gone })
	if err == gone && moved == 0 {
		return -1, nil
	}
	if err == gone {
		return 0, bo.Errorf(bo.ECONFLICT, "learner of program %s moved by another run; retry", l.ProgramID)
	}
	if err != nil {
		return 0, fmt.Errorf("anonymise learner of program %s: %w", l.ProgramID, err)
	}
	return moved + len(enrollments), nil
}

// moveEnrollments returns the writes that move a learner's enrollments to
// the anonymous address: each old one deleted where it stands, its copy
// put where none stands.
func (s *Store) moveEnrollments(l bo.Learner, anon bo.Email, enrollments []bo.Enrollment) []types.TransactWriteItem {
	items := make([]types.TransactWriteItem, 0, 2*len(enrollments))
	for _, e := range enrollments {
		items = append(items, types.TransactWriteItem{Delete: &types.Delete{TableName: s.table,
			Key: mustKey(enrollmentKey(e.ProgramID, l.EmailKey, e.ItemID)), ConditionExpression: aws.String("attribute_exists(PK)")}})
		e.EmailKey = anon.Key
		if e.OrgID == "" {
			e.OrgID = l.OrgID
		}
		items = append(items, putNew(s.table, newEnrollmentRecord(e)))
	}
	return items
}

// anonymiseSelections replaces the address in the selections of the org's
// member exports (the search an admin typed) and bulk resends (the
// addresses picked), setting only those fields so that a job running
// meanwhile keeps its progress. It returns how many jobs it changed.
func (s *Store) anonymiseSelections(ctx context.Context, orgID, emailKey, anonKey string) (int, error) {
	programs, err := s.orgPrograms(ctx, orgID)
	if err != nil {
		return 0, err
	}
	re := regexp.MustCompile("(?i)" + regexp.QuoteMeta(emailKey))
	changed := 0
	for _, pid := range programs {
		jobs, err := queryAll[exportRecord](ctx, s, programPK(pid), prefixExport)
		if err != nil {
			return changed, err
		}
		for _, j := range jobs {
			named := re.MatchString(j.Search)
			emails := make([]string, len(j.Emails))
			for i, e := range j.Emails {
				emails[i] = re.ReplaceAllLiteralString(e, anonKey)
				named = named || emails[i] != e
			}
			if !named {
				continue
			}
			update, values := "SET #search = :s", map[string]types.AttributeValue{":s": str(re.ReplaceAllLiteralString(j.Search, anonKey))}
			names := map[string]string{"#search": "search"}
			if len(emails) > 0 {
				update += ", #emails = :e"
				names["#emails"], values[":e"] = "emails", stringList(emails)
			}
			_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: s.table, Key: mustKey(j.key),
				UpdateExpression: aws.String(update), ConditionExpression: aws.String("attribute_exists(PK)"),
				ExpressionAttributeNames: names, ExpressionAttributeValues: values})
			if isConditionFailed(err) {
				continue // expired meanwhile
			} else if err != nil {
				return changed, fmt.Errorf("anonymise member job %s: %w", j.ID, err)
			}
			changed++
		}
	}
	return changed, nil
}

// anonymiseMessage replaces the address in a message's hand-picked
// audience, under the version read. It reports whether it changed it.
func (s *Store) anonymiseMessage(ctx context.Context, m messageRecord, emailKey, anonKey string) (bool, error) {
	re := regexp.MustCompile("(?i)" + regexp.QuoteMeta(emailKey))
	if !re.MatchString(m.Audience) {
		return false, nil
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: s.table, Key: mustKey(m.key),
		UpdateExpression:    aws.String("SET audience = :a, version = version + :one"),
		ConditionExpression: aws.String("version = :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":a": str(re.ReplaceAllLiteralString(m.Audience, anonKey)),
			":one": num(1), ":v": num(m.Version)}})
	if isConditionFailed(err) {
		return false, bo.Errorf(bo.ECONFLICT, "message %s changed while it was being erased; run the erasure again", m.ID)
	} else if err != nil {
		return false, fmt.Errorf("anonymise message %s: %w", m.ID, err)
	}
	return true, nil
}

// orgPrograms returns the ids of the org's programs.
func (s *Store) orgPrograms(ctx context.Context, orgID string) ([]string, error) {
	recs, err := queryAll[struct {
		ID string `dynamodbav:"id"`
	}](ctx, s, orgPK(orgID), prefixProgram)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = r.ID
	}
	return ids, nil
}

// orgImports returns the import jobs of the org's programs.
func (s *Store) orgImports(ctx context.Context, orgID string) ([]invite.Job, error) {
	programs, err := s.orgPrograms(ctx, orgID)
	if err != nil {
		return nil, err
	}
	var out []invite.Job
	for _, pid := range programs {
		recs, err := queryAll[importRecord](ctx, s, programPK(pid), prefixImport)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			out = append(out, invite.Job{ID: r.ID, ProgramID: r.ProgramID})
		}
	}
	return out, nil
}

// RewriteImportResults passes each stored result part of the org's
// imports (IMPORTRESULT#<importId>, kept 7 days) to fn and writes back
// those it changed. It returns how many it wrote, and the table's error.
func (s *Store) RewriteImportResults(ctx context.Context, orgID string, fn func([]byte) ([]byte, bool)) (int, error) {
	imports, err := s.orgImports(ctx, orgID)
	if err != nil {
		return 0, err
	}
	written := 0
	for _, j := range imports {
		pk, prefix := importResultPrefix(j.ID)
		parts, err := queryAll[importResultRecord](ctx, s, pk, prefix)
		if err != nil {
			return written, err
		}
		for _, p := range parts {
			lines, changed := fn(p.Lines)
			if !changed {
				continue
			}
			_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: s.table, Key: mustKey(p.key),
				UpdateExpression: aws.String("SET #lines = :l"), ConditionExpression: aws.String("attribute_exists(PK)"),
				ExpressionAttributeNames:  map[string]string{"#lines": "lines"},
				ExpressionAttributeValues: map[string]types.AttributeValue{":l": &types.AttributeValueMemberB{Value: lines}}})
			if isConditionFailed(err) {
				continue // expired meanwhile
			} else if err != nil {
				return written, fmt.Errorf("rewrite import result part: %w", err)
			}
			written++
		}
	}
	return written, nil
}

// OrgFiles returns the keys of the files the org's jobs name in the bucket:
// each report's and gradebook's (ORG#<orgId> REPORT#), each member export
// run's (PROGRAM#<pid> EXPORT#) and each import's upload and result file
// (PROGRAM#<pid> IMPORT#). Files gone already are listed too; personal-data
// exports are not. It returns the table's error.
func (s *Store) OrgFiles(ctx context.Context, orgID string) ([]string, error) {
	var keys []string
	reps, err := queryAll[reportRecord](ctx, s, orgPK(orgID), prefixReport)
	if err != nil {
		return nil, err
	}
	for _, r := range reps {
		keys = append(keys, r.job().FileKey())
	}
	programs, err := s.orgPrograms(ctx, orgID)
	if err != nil {
		return nil, err
	}
	for _, pid := range programs {
		exps, err := queryAll[exportRecord](ctx, s, programPK(pid), prefixExport)
		if err != nil {
			return nil, err
		}
		for _, e := range exps {
			if e.FileKey != "" {
				keys = append(keys, e.FileKey)
			}
		}
	}
	imports, err := s.orgImports(ctx, orgID)
	if err != nil {
		return nil, err
	}
	for _, j := range imports {
		keys = append(keys, j.FileKey(), j.ResultKey())
	}
	return keys, nil
}
