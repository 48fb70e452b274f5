package dynamo

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/learnops/backoffice/shared/app/resources"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/migrate"
)

// MigrationClient is the DynamoDB API the migrations use: the store's, and
// Scan, which nothing else may use (a Scan reads the whole table: fit for
// an offline maintenance job, never for a request).
type MigrationClient interface {
	Client
	Scan(ctx context.Context, in *dynamodb.ScanInput, opts ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
}

// Migrations is the table as the migrations see it (migrate.Store): their
// progress items and the items they change.
type Migrations struct {
	store *Store
	scan  MigrationClient
}

var _ migrate.Store = (*Migrations)(nil)

// NewMigrations returns the migrations of the named table.
func NewMigrations(db MigrationClient, table string) *Migrations {
	return &Migrations{store: NewStore(db, table), scan: db}
}

const typeMigration = "Migration"

// itemMigration is a migration of items: the filter that narrows a page of
// the Scan to the items it may change, and the change of one such item (an
// update conditional on the item still needing it, so that applying it
// twice changes nothing), or nil when the item needs none.
type itemMigration struct {
	migrate.Migration
	filter string
	values map[string]types.AttributeValue
	change func(item map[string]types.AttributeValue) (*types.Update, error)
}

// itemMigrations are the migrations of this version, in the order they
// run.
var itemMigrations = []itemMigration{
	{
		Migration: migrate.Migration{ID: "0001-program-index",
			Description: "put programs written before the index of every program (reminders) into it: GSI1 PROGRAMS#<n>"},
		filter: "#type = :type AND attribute_not_exists(GSI1PK)",
		values: map[string]types.AttributeValue{":type": str(typeProgram)},
		change: func(item map[string]types.AttributeValue) (*types.Update, error) {
			var r programRecord
			if err := attributevalue.UnmarshalMap(item, &r); err != nil {
				return nil, err
			}
			pk, sk := programIndexKeys(r.OrgID, r.ID)
			return &types.Update{Key: mustKey(r.key), UpdateExpression: aws.String("SET GSI1PK = :pk, GSI1SK = :sk"),
				ConditionExpression:       aws.String("attribute_exists(PK) AND attribute_not_exists(GSI1PK)"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk), ":sk": str(sk)}}, nil
		},
	},
	{
		Migration: migrate.Migration{ID: "0002-learner-email-index",
			Description: "put learners written before GSI6 (bounces and complaints find a person's invitations there) into it: EMAIL#<email> / PROGRAM#<pid>"},
		filter: "#type = :type AND attribute_not_exists(GSI6PK)",
		values: map[string]types.AttributeValue{":type": str(typeLearner)},
		change: func(item map[string]types.AttributeValue) (*types.Update, error) {
			var r learnerRecord
			if err := attributevalue.UnmarshalMap(item, &r); err != nil {
				return nil, err
			}
			pk, sk := emailIndexKeys(r.EmailKey, r.ProgramID)
			return &types.Update{Key: mustKey(r.key), UpdateExpression: aws.String("SET GSI6PK = :pk, GSI6SK = :sk"),
				ConditionExpression:       aws.String("attribute_exists(PK) AND attribute_not_exists(GSI6PK)"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk), ":sk": str(sk)}}, nil
		},
	},
	{
		Migration: migrate.Migration{ID: "0003-learner-activity-day",
			Description: "rewrite learners' GSI5 key from the millisecond of their last activity to its UTC day (the key the activity path now writes)"},
		filter: "#type = :type",
		values: map[string]types.AttributeValue{":type": str(typeLearner)},
		change: func(item map[string]types.AttributeValue) (*types.Update, error) {
			var r learnerRecord
			if err := attributevalue.UnmarshalMap(item, &r); err != nil {
				return nil, err
			}
			_, _, g5 := learnerSortKeys(r.EmailKey, r.JoinedAt, r.InvitedAt, r.LastActivityAt)
			if g5 == r.GSI5SK {
				return nil, nil
			}
			// On the key read: an activity event of a later day in between
			// has written the day's key itself.
			return &types.Update{Key: mustKey(r.key), UpdateExpression: aws.String("SET GSI5SK = :g5"),
				ConditionExpression:       aws.String("GSI5SK = :read"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":g5": str(g5), ":read": str(r.GSI5SK)}}, nil
		},
	},
	{
		Migration: migrate.Migration{ID: "0004-learner-count-indexes",
			Description: "put learners written before GSI7 and GSI8 (the members view by enrollments and by completions) into them: " +
				"<count>#<email> of their enrollments and completions"},
		filter: "#type = :type AND (attribute_not_exists(GSI7SK) OR attribute_not_exists(GSI8SK))",
		values: map[string]types.AttributeValue{":type": str(typeLearner)},
		change: func(item map[string]types.AttributeValue) (*types.Update, error) {
			var r learnerRecord
			if err := attributevalue.UnmarshalMap(item, &r); err != nil {
				return nil, err
			}
			// Each key only where still missing: every enrollment or
			// completion since the read has set its own key with its
			// count, which stands.
			return &types.Update{Key: mustKey(r.key),
				UpdateExpression:    aws.String("SET GSI7SK = if_not_exists(GSI7SK, :g7), GSI8SK = if_not_exists(GSI8SK, :g8)"),
				ConditionExpression: aws.String("attribute_exists(PK) AND (attribute_not_exists(GSI7SK) OR attribute_not_exists(GSI8SK))"),
				ExpressionAttributeValues: map[string]types.AttributeValue{
					":g7": str(learnerCountKey(r.Enrollments, r.EmailKey)), ":g8": str(learnerCountKey(r.Completions, r.EmailKey))}}, nil
		},
	},
}

// Migrations lists the migrations of this version.
func (m *Migrations) Migrations() []migrate.Migration {
	out := make([]migrate.Migration, len(itemMigrations))
	for i, im := range itemMigrations {
		out[i] = im.Migration
	}
	return out
}

func findMigration(id string) (itemMigration, error) {
	for _, im := range itemMigrations {
		if im.ID == id {
			return im, nil
		}
	}
	return itemMigration{}, bo.Errorf(bo.ENOTFOUND, "no migration %s", id)
}

// migrationRecord is a migration's progress (migrate.Progress).
type migrationRecord struct {
	key
	meta
	ID         string     `dynamodbav:"id"`
	Status     string     `dynamodbav:"status"`
	Cursors    []string   `dynamodbav:"cursors"`
	Scanned    int        `dynamodbav:"scanned"`
	Changed    int        `dynamodbav:"changed"`
	StartedAt  time.Time  `dynamodbav:"startedAt"`
	FinishedAt *time.Time `dynamodbav:"finishedAt,omitempty"`
}

func (r migrationRecord) progress() migrate.Progress {
	return migrate.Progress{ID: r.ID, Status: migrate.Status(r.Status), Cursors: r.Cursors, Scanned: r.Scanned, Changed: r.Changed,
		StartedAt: r.StartedAt, FinishedAt: r.FinishedAt}
}

// MigrationProgress returns the migration's progress, Status Pending when
// it has none. It returns ENOTFOUND for an unknown migration and the
// table's error.
func (m *Migrations) MigrationProgress(ctx context.Context, id string) (migrate.Progress, error) {
	if _, err := findMigration(id); err != nil {
		return migrate.Progress{}, err
	}
	var r migrationRecord
	err := m.store.get(ctx, migrationKey(id), &r, "no progress")
	if bo.ErrorCode(err) == bo.ENOTFOUND {
		return migrate.Progress{ID: id, Status: migrate.Pending}, nil
	}
	if err != nil {
		return migrate.Progress{}, err
	}
	return r.progress(), nil
}

// StartMigration records the migration as running over segments segments
// (every cursor at the start) unless it has a record already, and returns
// the record. It returns ENOTFOUND for an unknown migration and the
// table's error.
func (m *Migrations) StartMigration(ctx context.Context, id string, segments int, at time.Time) (migrate.Progress, error) {
	if _, err := findMigration(id); err != nil {
		return migrate.Progress{}, err
	}
	rec := migrationRecord{key: migrationKey(id), meta: meta{Type: typeMigration, CreatedAt: at, UpdatedAt: at},
		ID: id, Status: string(migrate.Running), Cursors: make([]string, segments), StartedAt: at}
	err := m.store.putIf(ctx, marshal(rec), "attribute_not_exists(PK)", nil, nil, errMigrationStarted, "start migration "+id)
	switch {
	case err == errMigrationStarted:
		return m.MigrationProgress(ctx, id)
	case err != nil:
		return migrate.Progress{}, err
	}
	return rec.progress(), nil
}

var errMigrationStarted = bo.Errorf(bo.ECONFLICT, "the migration has started already")

// scanCursor is a position in a segment: the primary key of the last item
// read.
type scanCursor struct {
	PK string `json:"pk"`
	SK string `json:"sk"`
}

// MigratePage reads the page of up to limit items of the segment after the
// cursor with a Scan (parallel segments, a page limit: the table is walked
// once, at a pace the caller sets), and applies the migration to those
// its filter keeps, each with its conditional update: an item that no
// longer needs it (a condition that fails) is not counted as changed. It
// returns EINVALID for a bad cursor, ENOTFOUND for an unknown migration
// and the table's error.
func (m *Migrations) MigratePage(ctx context.Context, id string, segment, segments int, cursor string, limit int) (migrate.Page, error) {
	im, err := findMigration(id)
	if err != nil {
		return migrate.Page{}, err
	}
	in := &dynamodb.ScanInput{
		TableName: m.store.table, Segment: aws.Int32(int32(segment)), TotalSegments: aws.Int32(int32(segments)),
		Limit: aws.Int32(int32(limit)), FilterExpression: aws.String(im.filter),
		ExpressionAttributeNames: map[string]string{"#type": "type"}, ExpressionAttributeValues: im.values,
	}
	if cursor != "" {
		var c scanCursor
		if err := json.Unmarshal([]byte(cursor), &c); err != nil || c.PK == "" {
			return migrate.Page{}, bo.Invalid("invalid migration cursor "+cursor, bo.FieldError{Field: "cursor", Message: "is not a cursor"})
		}
		in.ExclusiveStartKey = mustKey(key{PK: c.PK, SK: c.SK})
	}
	res, err := m.scan.Scan(ctx, in)
	if err != nil {
		return migrate.Page{}, fmt.Errorf("scan segment %d of %d: %w", segment, segments, err)
	}
	page := migrate.Page{Scanned: int(res.ScannedCount), Next: migrate.SegmentDone}
	for _, item := range res.Items {
		up, err := im.change(item)
		if err != nil {
			return migrate.Page{}, fmt.Errorf("decode %v: %w", item[resources.AttrPK], err)
		}
		if up == nil {
			continue
		}
		_, err = m.scan.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: m.store.table, Key: up.Key, UpdateExpression: up.UpdateExpression,
			ConditionExpression: up.ConditionExpression, ExpressionAttributeValues: up.ExpressionAttributeValues,
		})
		switch {
		case isConditionFailed(err):
			// changed in between, or by an earlier run: nothing to do
		case err != nil:
			return migrate.Page{}, fmt.Errorf("migrate an item: %w", err)
		default:
			page.Changed++
		}
	}
	if len(res.LastEvaluatedKey) > 0 {
		var k key
		if err := attributevalue.UnmarshalMap(res.LastEvaluatedKey, &k); err != nil {
			return migrate.Page{}, fmt.Errorf("decode the scan's position: %w", err)
		}
		b, _ := json.Marshal(scanCursor{PK: k.PK, SK: k.SK})
		page.Next = string(b)
	}
	return page, nil
}

// AdvanceMigration moves the segment's cursor from "from" to page.Next and
// adds the page's counts, at at, on condition that the cursor is still "from". It
// returns ECONFLICT when another run moved it, and the table's error.
func (m *Migrations) AdvanceMigration(ctx context.Context, id string, segment int, from string, page migrate.Page, at time.Time) error {
	cursor := fmt.Sprintf("cursors[%d]", segment)
	_, err := m.scan.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: m.store.table, Key: mustKey(migrationKey(id)),
		UpdateExpression:    aws.String("SET " + cursor + " = :next, updatedAt = :now ADD scanned :scanned, changed :changed"),
		ConditionExpression: aws.String(cursor + " = :from"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":next": str(page.Next), ":from": str(from), ":scanned": num(page.Scanned), ":changed": num(page.Changed),
			":now": str(at.UTC().Format(time.RFC3339Nano)),
		},
	})
	if isConditionFailed(err) {
		return bo.Errorf(bo.ECONFLICT, "another run of migration %s moved segment %d; let it finish", id, segment)
	} else if err != nil {
		return fmt.Errorf("record progress of migration %s: %w", id, err)
	}
	return nil
}

// FinishMigration marks the migration done, on condition that every
// segment is. It returns ECONFLICT when one is not, ENOTFOUND when the
// migration never started, and the table's error.
func (m *Migrations) FinishMigration(ctx context.Context, id string, at time.Time) (migrate.Progress, error) {
	p, err := m.MigrationProgress(ctx, id)
	if err != nil {
		return p, err
	}
	if p.Status == migrate.Pending {
		return p, bo.Errorf(bo.ENOTFOUND, "migration %s has not started", id)
	}
	conds := make([]string, len(p.Cursors))
	for i := range p.Cursors {
		conds[i] = fmt.Sprintf("cursors[%d] = :done", i)
	}
	res, err := m.scan.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: m.store.table, Key: mustKey(migrationKey(id)),
		UpdateExpression:         aws.String("SET #status = :finished, finishedAt = if_not_exists(finishedAt, :at), updatedAt = :at"),
		ConditionExpression:      aws.String(strings.Join(conds, " AND ")),
		ExpressionAttributeNames: map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":finished": str(string(migrate.Done)), ":done": str(migrate.SegmentDone), ":at": str(at.UTC().Format(time.RFC3339Nano)),
		},
		ReturnValues: types.ReturnValueAllNew,
	})
	if isConditionFailed(err) {
		return p, bo.Errorf(bo.ECONFLICT, "migration %s has segments still running", id)
	} else if err != nil {
		return p, fmt.Errorf("finish migration %s: %w", id, err)
	}
	var r migrationRecord
	if err := attributevalue.UnmarshalMap(res.Attributes, &r); err != nil {
		return p, fmt.Errorf("decode migration %s: %w", id, err)
	}
	return r.progress(), nil
}
