package dynamo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/reports"
)

var _ reports.Store = (*Store)(nil)

const (
	typeReport      = "ReportJob"
	typeSchedule    = "ReportSchedule"
	typeScheduleDay = "ScheduleDay"
)

type reportRecord struct {
	key
	meta
	ID           string           `dynamodbav:"id"`
	OrgID        string           `dynamodbav:"orgId"`
	ReportType   string           `dynamodbav:"reportType"`
	Scope        string           `dynamodbav:"scope"`
	ProgramIDs   []string         `dynamodbav:"programIds"`
	CourseID     string           `dynamodbav:"courseId,omitempty"`
	CollectionID string           `dynamodbav:"collectionId,omitempty"`
	Status       string           `dynamodbav:"status"`
	Error        string           `dynamodbav:"error,omitempty"`
	Progress     reports.Progress `dynamodbav:"progress"`
	Summary      *reports.Summary `dynamodbav:"summary,omitempty"`
	RequestedBy  string           `dynamodbav:"requestedBy,omitempty"`
	ScheduledFor string           `dynamodbav:"scheduledFor,omitempty"`
	Recipients   []string         `dynamodbav:"recipients"`
	StartedAt    *time.Time       `dynamodbav:"startedAt,omitempty"`
	FinishedAt   *time.Time       `dynamodbav:"finishedAt,omitempty"`
	// ExpiresAt is the table's TTL attribute (epoch seconds).
	ExpiresAt int64 `dynamodbav:"expiresAt"`
}

func newReportRecord(j reports.Job) reportRecord {
	return reportRecord{
		key: reportKey(j.OrgID, j.ID), meta: meta{Type: typeReport, CreatedAt: j.CreatedAt, UpdatedAt: j.UpdatedAt},
		ID: j.ID, OrgID: j.OrgID, ReportType: string(j.Type), Scope: string(j.Scope), ProgramIDs: j.ProgramIDs,
		CourseID: j.CourseID, CollectionID: j.CollectionID, Status: string(j.Status), Error: j.Error, Progress: j.Progress,
		Summary: j.Summary, RequestedBy: j.RequestedBy, ScheduledFor: j.ScheduledFor, Recipients: j.Recipients,
		StartedAt: j.StartedAt, FinishedAt: j.FinishedAt, ExpiresAt: j.CreatedAt.Add(reports.JobLifetime).Unix(),
	}
}

func (r reportRecord) job() reports.Job {
	return reports.Job{
		ID: r.ID, OrgID: r.OrgID, Type: reports.Type(r.ReportType), Scope: reports.Scope(r.Scope), ProgramIDs: r.ProgramIDs,
		CourseID: r.CourseID, CollectionID: r.CollectionID, Status: reports.Status(r.Status), Error: r.Error, Progress: r.Progress,
		Summary: r.Summary, RequestedBy: r.RequestedBy, ScheduledFor: r.ScheduledFor, Recipients: r.Recipients,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt,
	}
}

// putReport writes a job under the condition, mapping its failure to err.
func (s *Store) putReport(ctx context.Context, j reports.Job, cond string, failed error) error {
	err := s.putItem(ctx, &dynamodb.PutItemInput{
		TableName: s.table, Item: marshal(newReportRecord(j)), ConditionExpression: aws.String(cond),
	})
	if isConditionFailed(err) {
		return failed
	} else if err != nil {
		return fmt.Errorf("write report %s: %w", j.ID, err)
	}
	return nil
}

// CreateReport writes a new report job, kept for reports.JobLifetime. It
// returns ECONFLICT when the id exists (a scheduled report of the day).
func (s *Store) CreateReport(ctx context.Context, j reports.Job) error {
	return s.putReport(ctx, j, "attribute_not_exists(PK)", bo.Errorf(bo.ECONFLICT, "report %s exists already", j.ID))
}

// GetReport returns a report job of the org, or ENOTFOUND.
func (s *Store) GetReport(ctx context.Context, orgID, reportID string) (reports.Job, error) {
	var r reportRecord
	if err := s.get(ctx, reportKey(orgID, reportID), &r, "report "+reportID+" not found"); err != nil {
		return reports.Job{}, err
	}
	return r.job(), nil
}

// UpdateReport writes the whole job over its stored item, which must
// exist; ENOTFOUND otherwise.
func (s *Store) UpdateReport(ctx context.Context, j reports.Job) error {
	return s.putReport(ctx, j, "attribute_exists(PK)", bo.Errorf(bo.ENOTFOUND, "report %s not found", j.ID))
}

// SaveReportProgress records a running job's progress. A job that is no
// longer running is left alone.
func (s *Store) SaveReportProgress(ctx context.Context, orgID, reportID string, p reports.Progress, at time.Time) error {
	progress, err := attributevalue.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode progress: %w", err)
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: s.table, Key: mustKey(reportKey(orgID, reportID)),
		UpdateExpression:         aws.String("SET progress = :p, updatedAt = :at"),
		ConditionExpression:      aws.String("#status = :running"),
		ExpressionAttributeNames: map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": progress,
			":at": str(at.UTC().Format(time.RFC3339Nano)), ":running": str(string(reports.StatusRunning))},
	})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("save the progress of report %s: %w", reportID, err)
	}
	return nil
}

type scheduleRecord struct {
	key
	meta
	OrgID      string   `dynamodbav:"orgId"`
	ProgramIDs []string `dynamodbav:"programIds"`
	Days       []string `dynamodbav:"days"`
	UpdatedBy  string   `dynamodbav:"updatedBy"`
}

type scheduleDayRecord struct {
	key
	meta
	OrgID string `dynamodbav:"orgId"`
}

// GetSchedule returns the org's weekly report schedule, or ENOTFOUND.
func (s *Store) GetSchedule(ctx context.Context, orgID string) (reports.Schedule, error) {
	var r scheduleRecord
	if err := s.get(ctx, scheduleKey(orgID), &r, "no report schedule"); err != nil {
		return reports.Schedule{}, err
	}
	updated := r.UpdatedAt
	return reports.Schedule{OrgID: r.OrgID, ProgramIDs: orEmpty(r.ProgramIDs), Days: orEmpty(r.Days),
		UpdatedBy: r.UpdatedBy, UpdatedAt: &updated}, nil
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// PutSchedule writes the org's schedule and, in the same transaction, a
// ScheduleDay item under each of its days and none under the others, so
// that the daily run finds the orgs due with one Query a day.
func (s *Store) PutSchedule(ctx context.Context, sch reports.Schedule) error {
	at := time.Now().UTC()
	if sch.UpdatedAt != nil {
		at = *sch.UpdatedAt
	}
	items := []types.TransactWriteItem{{Put: &types.Put{TableName: s.table, Item: marshal(scheduleRecord{
		key: scheduleKey(sch.OrgID), meta: meta{Type: typeSchedule, CreatedAt: at, UpdatedAt: at},
		OrgID: sch.OrgID, ProgramIDs: sch.ProgramIDs, Days: sch.Days, UpdatedBy: sch.UpdatedBy,
	})}}}
	for _, d := range reports.Weekdays {
		k := scheduleDayKey(strings.ToUpper(d), sch.OrgID)
		if slices.Contains(sch.Days, d) {
			items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: s.table, Item: marshal(scheduleDayRecord{
				key: k, meta: meta{Type: typeScheduleDay, CreatedAt: at, UpdatedAt: at}, OrgID: sch.OrgID})}})
		} else {
			items = append(items, types.TransactWriteItem{Delete: &types.Delete{TableName: s.table, Key: mustKey(k)}})
		}
	}
	return s.transact(ctx, items, func(int) error {
		return bo.Errorf(bo.ECONFLICT, "the schedule changed at the same time; retry")
	})
}

// ScheduledOrgs returns a page of the orgs whose schedule names the day
// ("monday"), and the cursor of the next page.
func (s *Store) ScheduledOrgs(ctx context.Context, day, cursor string) ([]string, string, error) {
	pk := scheduleDayKey(strings.ToUpper(day), "").PK
	recs, next, err := queryPage[scheduleDayRecord](ctx, s, pk, orgPK(""), 100, cursor)
	if err != nil {
		return nil, "", err
	}
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.OrgID
	}
	return out, next, nil
}
