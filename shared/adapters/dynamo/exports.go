package dynamo

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/members"
)

var _ members.ExportStore = (*Store)(nil)

const typeExport = "MemberExport"

// exportRecord is a member export, or the job of a bulk invitation resend
// (kind): its selection, where it stands, and the run that holds it.
type exportRecord struct {
	key
	meta
	ID         string `dynamodbav:"id"`
	OrgID      string `dynamodbav:"orgId"`
	ProgramID  string `dynamodbav:"programId"`
	Status     string `dynamodbav:"status"`
	Members    string `dynamodbav:"memberStatus"`
	Sort       string `dynamodbav:"sort"`
	Order      string `dynamodbav:"order"`
	Search     string `dynamodbav:"search,omitempty"`
	ContractID string `dynamodbav:"contractId,omitempty"`
	CourseID   string `dynamodbav:"courseId,omitempty"`
	// ContractIDs and CourseIDs are the selection's lists (an export
	// written before they existed has the single ids above).
	ContractIDs []string `dynamodbav:"contractIds,omitempty"`
	CourseIDs   []string `dynamodbav:"courseIds,omitempty"`
	Columns     []string `dynamodbav:"columns"`
	// Kind is "invitation-resend" for the job of a bulk resend, absent for
	// an export; Counts and Emails are a resend's outcomes and picked
	// addresses.
	Kind       string         `dynamodbav:"kind,omitempty"`
	Counts     map[string]int `dynamodbav:"counts,omitempty"`
	Emails     []string       `dynamodbav:"emails,omitempty"`
	Rows       int            `dynamodbav:"rows"`
	Size       int64          `dynamodbav:"size"`
	Error      string         `dynamodbav:"error,omitempty"`
	CreatedBy  string         `dynamodbav:"createdBy"`
	RunID      string         `dynamodbav:"runId,omitempty"`
	FileKey    string         `dynamodbav:"fileKey,omitempty"`
	StartedAt  *time.Time     `dynamodbav:"startedAt,omitempty"`
	FinishedAt *time.Time     `dynamodbav:"finishedAt,omitempty"`
	// ExpiresAt is the table's TTL attribute (epoch seconds): DynamoDB
	// deletes the export some time after its file expires.
	ExpiresAt int64 `dynamodbav:"expiresAt"`
}

func newExportRecord(e members.Export) exportRecord {
	sel := e.Selection
	return exportRecord{
		key: exportKey(e.ProgramID, e.ID), meta: meta{Type: typeExport, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt},
		ID: e.ID, OrgID: e.OrgID, ProgramID: e.ProgramID, Status: string(e.Status),
		Members: string(sel.Status), Sort: string(sel.Sort), Order: sel.Order, Search: sel.Search, ContractID: sel.ContractID,
		CourseID: sel.CourseID, ContractIDs: sel.ContractIDs, CourseIDs: sel.CourseIDs, Columns: sel.Columns, Rows: e.Rows, Size: e.Size, Error: e.Error, CreatedBy: e.CreatedBy,
		RunID: e.RunID, FileKey: e.FileKey, StartedAt: e.StartedAt, FinishedAt: e.FinishedAt, ExpiresAt: e.ExpiresAt.Unix(),
		Kind: e.Kind, Counts: e.Counts, Emails: e.Emails,
	}
}

func (r exportRecord) export() members.Export {
	return members.Export{
		ID: r.ID, OrgID: r.OrgID, ProgramID: r.ProgramID, Status: members.ExportStatus(r.Status),
		Selection: members.Selection{Status: bo.MemberStatus(r.Members), Sort: bo.MemberSort(r.Sort), Order: r.Order, Search: r.Search,
			ContractID: r.ContractID, CourseID: r.CourseID, ContractIDs: r.ContractIDs, CourseIDs: r.CourseIDs, Columns: r.Columns},
		Rows: r.Rows, Size: r.Size, Error: r.Error, CreatedBy: r.CreatedBy, RunID: r.RunID, FileKey: r.FileKey,
		Kind: r.Kind, Counts: r.Counts, Emails: r.Emails,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt,
		ExpiresAt: time.Unix(r.ExpiresAt, 0).UTC(),
	}
}

// CreateExport writes a new member export. It returns ECONFLICT when the
// id exists.
func (s *Store) CreateExport(ctx context.Context, e members.Export) error {
	return s.putIf(ctx, marshal(newExportRecord(e)), "attribute_not_exists(PK)", nil, nil,
		bo.Errorf(bo.ECONFLICT, "export %s exists already", e.ID), "create export "+e.ID)
}

// GetExport returns a member export of the program, or ENOTFOUND.
func (s *Store) GetExport(ctx context.Context, programID, exportID string) (members.Export, error) {
	var r exportRecord
	if err := s.get(ctx, exportKey(programID, exportID), &r, "export "+exportID+" not found"); err != nil {
		return members.Export{}, err
	}
	return r.export(), nil
}

// StartExport writes the export (a new run of it) over the stored one
// while that is queued or running. It returns ECONFLICT when the export is
// done, failed or gone.
func (s *Store) StartExport(ctx context.Context, e members.Export) error {
	return s.putIf(ctx, marshal(newExportRecord(e)), "attribute_exists(PK) AND #status IN (:queued, :running)",
		map[string]string{"#status": "status"},
		map[string]types.AttributeValue{":queued": str(string(members.ExportQueued)), ":running": str(string(members.ExportRunning))},
		bo.Errorf(bo.ECONFLICT, "export %s is finished or gone", e.ID), "start export "+e.ID)
}

// UpdateExport writes the export over the stored one while the export's
// run holds it: running, under e.RunID. It returns ECONFLICT when another
// run took it over, or it finished or is gone.
func (s *Store) UpdateExport(ctx context.Context, e members.Export) error {
	return s.putIf(ctx, marshal(newExportRecord(e)), "#status = :running AND runId = :run",
		map[string]string{"#status": "status"},
		map[string]types.AttributeValue{":running": str(string(members.ExportRunning)), ":run": str(e.RunID)},
		bo.Errorf(bo.ECONFLICT, "export %s is no longer held by run %s", e.ID, e.RunID), "update export "+e.ID)
}
